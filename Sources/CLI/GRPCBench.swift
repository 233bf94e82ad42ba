import ArgumentParser
import Core
import Deploy
import Foundation
import GRPCAdapter
import Histogram
import InMemory
import Logging

/// Appends over loopback gRPC: the CLI's client against an in-process server on the in-memory
/// store, so the figure is the API's cost (encoding, HTTP/2, the server's checks), not a database's.
struct GRPCBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpc",
        abstract: "Appends/s and p50/p99 latency of single and batched appends over loopback gRPC."
    )

    @Option(help: "Calls per measurement.")
    var calls: Int = 5_000

    @Option(help: "Events per batched append.")
    var batch: Int = 100

    @Option(help: "Calls in flight at once in the concurrent measurement.")
    var concurrency: Int = 16

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard (1...10_000_000).contains(calls) else { throw ValidationError("--calls must be between 1 and 10000000 (got \(calls))") }
        guard (1...1_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000 (got \(batch))") }
        guard (1...1_024).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 1024 (got \(concurrency))") }
    }

    struct Result {
        var name: String
        var calls: Int
        var events: Int
        var seconds: Double
        var latency: Histogram<UInt64>

        var json: [String: Any] {
            [
                "name": name, "calls": calls, "events": events, "seconds": seconds,
                "appendsPerSecond": (Double(calls) / seconds).rounded(), "eventsPerSecond": (Double(events) / seconds).rounded(),
                "p50Micros": latency.valueAtPercentile(50), "p99Micros": latency.valueAtPercentile(99),
                "p999Micros": latency.valueAtPercentile(99.9), "maxMicros": latency.maxRecorded,
            ]
        }

        var text: String {
            String(format: "%@: %d appends (%d events) in %.2f s: %.0f appends/s, %.0f events/s; latency p50 %d µs, p99 %d µs, p99.9 %d µs",
                   name, calls, events, seconds, Double(calls) / seconds, Double(events) / seconds,
                   latency.valueAtPercentile(50), latency.valueAtPercentile(99), latency.valueAtPercentile(99.9))
        }
    }

    func run() async throws {
        let store = InMemoryEventStore(clock: SystemClock())
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let server = EventStoreServer(store: store, host: "127.0.0.1", port: 0, logger: logger)
        let results = try await withThrowingTaskGroup { group in
            group.addTask { try await server.run() }
            guard let port = try await server.boundPort() else { throw CommandFailure(message: "the bench server did not bind") }
            let client = try GRPCEventStore(host: "127.0.0.1", port: port)
            group.addTask { try await client.run() }
            defer {
                client.close()
                server.shutdown()
            }
            _ = try await measure("warm-up", client, calls: min(calls, 500), batch: 1, concurrency: 1)
            return [
                try await measure("single", client, calls: calls, batch: 1, concurrency: 1),
                try await measure("single x\(concurrency)", client, calls: calls, batch: 1, concurrency: concurrency),
                try await measure("batch of \(batch)", client, calls: max(1, calls / 10), batch: batch, concurrency: 1),
            ]
        }
        if format == .json {
            let data = try JSONSerialization.data(withJSONObject: ["grpc": results.map(\.json)], options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            results.forEach { print($0.text) }
        }
    }

    /// `calls` appends of `batch` events each, `concurrency` at a time, each to its own stream.
    func measure(_ name: String, _ client: GRPCEventStore, calls: Int, batch: Int, concurrency: Int) async throws -> Result {
        let run = UUID().uuidString.prefix(8).lowercased()
        let started = ContinuousClock.now
        let latency = try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000)
                    for call in stride(from: worker, to: calls, by: concurrency) {
                        let events = (0..<batch).map { i in
                            NewEvent(eventID: EventID(unchecked: "b-\(run)-\(call)-\(i)"), event: .approved,
                                     occurredAt: .zero, correlationID: "bench", causationID: "bench")
                        }
                        let t0 = ContinuousClock.now
                        _ = try await client.append(events, to: StreamID(unchecked: "bench-\(run)-\(call)"), expected: .noStream)
                        let elapsed = ContinuousClock.now - t0
                        _ = histogram.record(UInt64(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
                    }
                    return histogram
                }
            }
            var all = Histogram<UInt64>(highestTrackableValue: 60_000_000)
            for try await h in group { all.add(h) }
            return all
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(name: name, calls: calls, events: calls * batch, seconds: seconds, latency: latency)
    }
}
