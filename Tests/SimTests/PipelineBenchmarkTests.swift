import Core
import Sim
import Testing

/// `causeway bench sim` measures a workload whose shape docs/benchmarks.md states: every order
/// ships, with 4 events and 9 deliveries each (a consumer is handed only the event types it acts
/// on), all checks on.
@Suite struct PipelineBenchmarkTests {
    @Test func everyOrderShipsWithFourEventsAndNineDeliveries() {
        let orders = 40
        let report = ScenarioRunner.run(PipelineBenchmark.scenario(orders: orders))
        #expect(report.passed, "\(report.failures)")
        #expect(report.quiescent)
        #expect(report.events == 4 * orders)
        #expect(report.deliveries == 9 * orders)
        #expect(!report.traceHash.isEmpty)
    }

    @Test func theSleepReferenceWakesEverySleeperOnItsTimers() {
        let (woken, elapsed) = PipelineBenchmark.sleeps(tasks: 7, sleeps: 50)
        #expect(woken == 7 * 50)
        // Each loop sleeps 50 times for 1 to 3 ms, the loops side by side.
        #expect(elapsed >= .milliseconds(50) && elapsed <= .milliseconds(150))
    }
}
