import ArgumentParser
import Core
import Foundation
import Sim
import Synchronization

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
        abstract: "Simulated orders/s through the whole pipeline, against an actor ping-pong on the simulator's executor, a raw ping-pong of two default actors, and bare simulated sleeps."
    )

    @Option(help: "Orders to push through the pipeline.")
    var orders: Int = 20_000

    @Option(help: ArgumentHelp("Virtual milliseconds between two orders.",
                               discussion: "The default is a pace the simulated pipeline keeps up with; a faster one builds a backlog."))
    var interval: Int = Int(PipelineBenchmark.defaultInterval.wholeMilliseconds)

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Times to run the workload and the reference; the median of each is reported, with the range.")
    var runs: Int = 3

    func validate() throws {
        guard (1...5_000_000).contains(orders) else { throw ValidationError("--orders must be between 1 and 5000000 (got \(orders))") }
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be between 1 and 100 (got \(runs))") }
        guard (1...60_000).contains(interval) else { throw ValidationError("--interval must be between 1 and 60000 milliseconds (got \(interval))") }
    }

    func run() throws {
        let workload = PipelineBenchmark.scenario(orders: orders, interval: .milliseconds(interval))
        _ = ScenarioRunner.run(PipelineBenchmark.scenario(orders: min(orders, 200), interval: .milliseconds(interval)))  // warm-up
        // Alternating the workload and the reference, so both see the same machine.
        var times: [Double] = [], refTimes: [Double] = [], rawTimes: [Double] = [], sleepTimes: [Double] = []
        var report: RunReport?
        let hops = 2_000_000
        // The pipeline holds 2 to 5 timers when it sets one (3 most often), so the sleep reference
        // runs 4 sleepers (100, as it did, kept its timers in a heap, which the pipeline never does).
        let sleepers = 4, sleeps = 125_000
        for _ in 0..<runs {
            let started = ContinuousClock.now
            let run = ScenarioRunner.run(workload, leaving: Teardown.free)
            times.append(seconds(since: started))
            guard run.passed else {
                throw CommandFailure(message: "the benchmark run failed its checks: \(run.failures.prefix(3))")
            }
            report = run
            // The references are timed alone, not while the run's world is freed: on one core,
            // or a busy host, the freeing took up to half of the reference's time.
            Teardown.drain()
            let refStarted = ContinuousClock.now
            PipelineBenchmark.pingPong(hops: hops)
            refTimes.append(seconds(since: refStarted))
            let rawStarted = ContinuousClock.now
            let rawTotal = Self.waiting { await PipelineBenchmark.rawPingPong(hops: hops) }
            rawTimes.append(seconds(since: rawStarted))
            guard rawTotal > 0 else { throw CommandFailure(message: "the raw actor reference did no round trips") }
            let sleepStarted = ContinuousClock.now
            let (woken, _) = PipelineBenchmark.sleeps(tasks: sleepers, sleeps: sleeps)
            guard woken == sleepers * sleeps else { throw CommandFailure(message: "the sleep reference woke \(woken) of \(sleepers * sleeps) sleeps") }
            sleepTimes.append(seconds(since: sleepStarted))
        }
        guard let report else { return }
        let elapsed = Self.median(times), refSeconds = Self.median(refTimes)
        let slowest = times.max()!, fastest = times.min()!
        let ordersPerSecond = Double(orders) / elapsed
        let deliveriesPerSecond = Double(report.deliveries) / elapsed
        let hopsPerSecond = Double(hops) / refSeconds
        let ratio = hopsPerSecond / deliveriesPerSecond
        let rawHopsPerSecond = Double(hops) / Self.median(rawTimes)
        let rawRatio = rawHopsPerSecond / deliveriesPerSecond
        let sleepNanos = Self.median(sleepTimes) * 1e9 / Double(sleepers * sleeps)
        let timersPerOrder = Double(report.timers) / Double(orders)
        // The trace's writer runs beside the simulation only when a second core is free, so the
        // figures are read against the cores the run could use.
        let cores = usableCores()
        if format == .json {
            let object: [String: Any] = [
                "orders": orders, "seconds": elapsed, "ordersPerSecond": ordersPerSecond.rounded(),
                "deliveries": report.deliveries, "deliveriesPerSecond": deliveriesPerSecond.rounded(),
                "events": report.events, "jobs": report.jobs, "timers": report.timers, "referenceHopsPerSecond": hopsPerSecond.rounded(),
                "deliveryCostInHops": ratio.rounded(toPlaces: 1), "traceHash": report.traceHash,
                "runs": runs, "ordersPerSecondMin": (Double(orders) / slowest).rounded(),
                "ordersPerSecondMax": (Double(orders) / fastest).rounded(),
                "referenceSleepNanos": sleepNanos.rounded(), "intervalMillis": interval,
                "simulatedMillis": report.simulatedMillis, "rawActorHopsPerSecond": rawHopsPerSecond.rounded(),
                "deliveryCostInRawActorHops": rawRatio.rounded(toPlaces: 1), "cores": cores,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("pipeline: \(orders) orders, \(report.events) events, \(report.deliveries) deliveries in \(String(format: "%.3f", elapsed)) s"
                  + " on \(cores) core\(cores == 1 ? "" : "s")")
            // Whether the pipeline kept up: the last order is placed at `placed`; a backlog shows as
            // a run that goes on long after it.
            let placed = Double(interval * (orders - 1)) / 1000
            print("  one order every \(interval) ms of virtual time, the last placed at \(String(format: "%.1f", placed)) s;"
                  + " all done at \(String(format: "%.1f", Double(report.simulatedMillis) / 1000)) s")
            // To a tenth: a whole number hid a change of most of a job per order.
            func perOrder(_ count: Int) -> String { String(format: "%.1f", Double(count) / Double(orders)) }
            print("  per order: \(perOrder(report.jobs)) jobs, \(perOrder(report.timers)) timers, \(perOrder(report.traceLines)) trace lines")
            print("  \(Int(ordersPerSecond)) orders/s, \(Int(deliveriesPerSecond)) deliveries/s (checks on; median of \(runs),"
                  + " range \(Int(Double(orders) / slowest)) to \(Int(Double(orders) / fastest)) orders/s)")
            print("reference: \(Int(hopsPerSecond)) actor round trips/s on the simulator's executor (\(String(format: "%.1f", 1e9 / hopsPerSecond)) ns each)")
            print("  one delivery costs \(String(format: "%.1f", ratio)) of them")
            print("reference: \(Int(rawHopsPerSecond)) raw actor round trips/s, two default actors (\(String(format: "%.1f", 1e9 / rawHopsPerSecond)) ns each)")
            print("  one delivery costs \(String(format: "%.1f", rawRatio)) of them")
            print("reference: a bare simulated sleep costs \(Int(sleepNanos)) ns; an order's \(String(format: "%.1f", timersPerOrder)) timers"
                  + " alone would cost \(String(format: "%.1f", sleepNanos * timersPerOrder / 1000)) µs of its"
                  + " \(String(format: "%.1f", 1e6 / ordersPerSecond)) µs")
        }
    }

    /// Runs `operation` on the concurrency runtime's own executors and waits for its result:
    /// the raw reference must not run on the simulator's.
    static func waiting(_ operation: @escaping @Sendable () async -> Int) -> Int {
        let result = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let value = await operation()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
