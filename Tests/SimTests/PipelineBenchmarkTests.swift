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

    /// The benchmark's pace is one the pipeline keeps up with: each order is done soon after it
    /// is placed, so the run ends shortly after the last one. Ten times faster, a backlog builds
    /// and the run goes on long after the last order is placed.
    @Test func thePipelineKeepsUpWithTheDefaultPaceAndNotWithATenthOfIt() {
        let orders = 300
        let interval = PipelineBenchmark.defaultInterval
        let lastPlaced = (interval * (orders - 1)).wholeMilliseconds
        let steady = ScenarioRunner.run(PipelineBenchmark.scenario(orders: orders))
        #expect(steady.passed, "\(steady.failures)")
        #expect(steady.simulatedMillis - lastPlaced < 200, "done \(steady.simulatedMillis - lastPlaced) ms after the last order")

        let rushed = ScenarioRunner.run(PipelineBenchmark.scenario(orders: orders, interval: interval / 10))
        #expect(rushed.passed, "\(rushed.failures)")
        #expect(rushed.events == 4 * orders)
        #expect(rushed.simulatedMillis - (interval / 10 * (orders - 1)).wholeMilliseconds > 3_000)
    }

    /// The raw reference makes every round trip and adds every answer back on the pinging actor.
    @Test func theRawReferenceMakesEveryRoundTrip() async {
        #expect(await PipelineBenchmark.rawPingPong(hops: 1_000) == 1_000 * 1_001 / 2)
    }

    @Test func theSleepReferenceWakesEverySleeperOnItsTimers() {
        let (woken, elapsed) = PipelineBenchmark.sleeps(tasks: 7, sleeps: 50)
        #expect(woken == 7 * 50)
        // Each loop sleeps 50 times for 1 to 3 ms, the loops side by side.
        #expect(elapsed >= .milliseconds(50) && elapsed <= .milliseconds(150))
    }
}
