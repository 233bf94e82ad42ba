import ArgumentParser
import Core
import Foundation
import Sim

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Causeway on this machine (build with -c release).",
        subcommands: [SimBench.self, GRPCBench.self]
    )
}

struct SimBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulated orders/s through the whole pipeline, against a bare actor ping-pong."
    )

    @Option(help: "Orders to push through the pipeline.")
    var orders: Int = 20_000

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard (1...5_000_000).contains(orders) else { throw ValidationError("--orders must be between 1 and 5000000") }
    }

    func run() throws {
        let workload = PipelineBenchmark.scenario(orders: orders)
        _ = ScenarioRunner.run(PipelineBenchmark.scenario(orders: min(orders, 200)))  // warm-up
        let started = ContinuousClock.now
        let report = ScenarioRunner.run(workload)
        let elapsed = seconds(since: started)
        guard report.passed else {
            throw ValidationError("the benchmark run failed its checks: \(report.failures.prefix(3))")
        }
        let hops = 2_000_000
        let refStarted = ContinuousClock.now
        PipelineBenchmark.pingPong(hops: hops)
        let refSeconds = seconds(since: refStarted)
        let ordersPerSecond = Double(orders) / elapsed
        let deliveriesPerSecond = Double(report.deliveries) / elapsed
        let hopsPerSecond = Double(hops) / refSeconds
        let ratio = hopsPerSecond / deliveriesPerSecond
        if format == .json {
            let object: [String: Any] = [
                "orders": orders, "seconds": elapsed, "ordersPerSecond": ordersPerSecond.rounded(),
                "deliveries": report.deliveries, "deliveriesPerSecond": deliveriesPerSecond.rounded(),
                "events": report.events, "jobs": report.jobs, "timers": report.timers, "referenceHopsPerSecond": hopsPerSecond.rounded(),
                "deliveryCostInHops": ratio.rounded(toPlaces: 1), "traceHash": report.traceHash,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("pipeline: \(orders) orders, \(report.events) events, \(report.deliveries) deliveries in \(String(format: "%.3f", elapsed)) s")
            print("  per order: \(report.jobs / orders) jobs, \(report.timers / orders) timers, \(report.traceLines / orders) trace lines")
            print("  \(Int(ordersPerSecond)) orders/s, \(Int(deliveriesPerSecond)) deliveries/s (checks on)")
            print("reference: \(Int(hopsPerSecond)) actor round trips/s (\(String(format: "%.1f", 1e9 / hopsPerSecond)) ns each)")
            print("  one delivery costs \(String(format: "%.1f", ratio)) round trips")
        }
    }
}
