public import ArgumentParser
import Core
import Foundation
import Sim
import Synchronization

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Run generated workloads with random fault schedules, one per seed, and check every invariant.",
        discussion: """
            Each seed makes its own workload and, swarm-style, picks which fault kinds are on and how \
            hard they hit. A failing seed is shrunk to a small scenario file in --out that still fails \
            with the same checker. Exit status: 0 when every seed passes, 1 when one fails, 2 for a \
            usage error. Ctrl-C (SIGINT) or SIGTERM stops early: the seeds run so far are reported, \
            without shrinking, and the exit status is 1 if one of them failed, else 130; a second \
            one ends the process at once.
            """
    )

    @OptionGroup var seedOptions: SeedRangeOptions

    @Option(help: "Orders per run.")
    var orders: Int = 50

    @Option(help: "Fault kinds: all, none, or a comma-separated list (see docs/scenarios.md).")
    var faults: String = "all"

    @Option(help: "Output format: text or json (the last line is a summary object).")
    var format: OutputFormat = .text

    @Option(help: "Where shrunk failing scenarios are written.")
    var out: String = "explore-out"

    @Option(help: "Run with a deliberately broken service (see `causeway selfcheck`).")
    var mutant: Mutant?

    @Option(help: "Shrink at most this many failing seeds (each shrink is up to 300 runs).")
    var shrink: Int = 3

    func validate() throws {
        try Self.checkWorkload(seeds: nil, orders: orders)
        do { _ = try Explorer.faults(faults) } catch { throw ValidationError(error.message) }
        if isDirectory(out) == false {
            throw ValidationError("--out '\(out)' is a file; shrunk scenarios are written to a directory")
        }
    }

    /// The bounds of `--seeds` and `--orders`, shared with `selfcheck`, which runs the same workloads.
    static func checkWorkload(seeds: Int?, orders: Int) throws {
        try SeedRangeOptions.check(seeds: seeds)
        guard (1...10_000).contains(orders) else { throw ValidationError("--orders must be between 1 and 10000 (got \(orders))") }
    }

    func run() throws {
        let kinds = try Explorer.faults(faults)
        let range = try seedOptions.range(defaultCount: 100)
        let total = range.count
        let progress = SeedProgress(total: total)
        let started = ContinuousClock.now
        var failures: [ExploreOutcome] = []
        var done = 0, quiet = 0, injected = 0
        let threads = seedOptions.threads
        let (orders, mutant) = (orders, mutant)
        Interruption.install()
        forEachInOrder(range, threads: threads, until: { Interruption.requested }, run: {
            Explorer.run(seed: $0, orders: orders, faults: kinds, mutant: mutant)
        }) { outcome in
            done += 1
            if outcome.report.quiescent { quiet += 1 }
            injected += outcome.report.faultsInjected
            if outcome.checker != nil {
                failures.append(outcome)
                if format == .text { print(Self.describe(outcome)) }
            }
            progress.update(done: done, failing: failures.count)
        }
        progress.finish()
        let elapsed = seconds(since: started)
        let perMinute = Double(done) / max(elapsed, 1e-9) * 60
        // Interrupted: report the seeds that ran, and leave shrinking to a rerun of a failing seed.
        let interrupted = done < total

        var shrunk: [UInt64: String] = [:]
        // A file that cannot be written costs the shrunk scenarios, not the run's findings: the
        // failing seeds and the summary are still reported.
        if !failures.isEmpty, shrink > 0, !interrupted {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                // A signal while shrinking stops before the next seed (a second one ends the process).
                for failure in failures.prefix(shrink) where !Interruption.requested {
                    // The run as generated, then the shrunk one: the first replays the finding
                    // exactly, the second is the small story of it.
                    let stem = (out as NSString).appendingPathComponent("seed-\(failure.seed)-\(failure.checker!)")
                    try Data(failure.scenario.text.utf8).write(to: URL(fileURLWithPath: stem + "-full.scenario"))
                    let small = Shrinker.shrink(failure.scenario, mutant: mutant)
                    let path = stem + ".scenario"
                    var file = small
                    file.file = path
                    try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
                    shrunk[failure.seed] = path
                    if format == .text {
                        print("shrunk seed \(failure.seed): \(failure.scenario.actions.count) actions -> \(small.actions.count), written to \(path)"
                            + " (as generated: \(stem)-full.scenario)")
                        print("  run it: causeway run \(path)" + (mutant.map { " --mutant \($0.rawValue)" } ?? ""))
                    }
                }
            } catch {
                FileHandle.standardError.write(Data("error: cannot write shrunk scenarios to '\(out)': \(fileErrorText(error))\n".utf8))
            }
        }
        if format == .json {
            let summary: [String: Any] = [
                "seeds": done, "passed": done - failures.count, "violations": failures.count,
                "seedsPerMinute": perMinute.rounded(), "wallSeconds": elapsed, "orders": orders,
                "faults": faults, "mutant": mutant?.rawValue ?? NSNull(), "quiescentRuns": quiet,
                "faultsInjected": injected, "seedsRequested": total, "interrupted": interrupted,
                "failures": failures.map { f -> [String: Any] in
                    var o: [String: Any] = [
                        "seed": f.seed, "checker": f.checker ?? "", "reason": f.report.failures.first?.reason ?? "",
                    ]
                    if let path = shrunk[f.seed] {
                        o["shrunk"] = path
                        o["generated"] = String(path.dropLast(".scenario".count)) + "-full.scenario"
                        o["replay"] = "causeway run \(path)" + (mutant.map { " --mutant \($0.rawValue)" } ?? "")
                    }
                    return o
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(done) seeds, \(failures.count) failing, \(Int(perMinute)) seeds/min (\(String(format: "%.1f", elapsed)) s, \(orders) orders each, faults: \(faults))")
            print("  \(quiet) runs went quiet (liveness checked), \(injected) faults injected"
                + (quiet < done ? "; \(done - quiet) stopped before going quiet, their liveness unchecked" : ""))
            if interrupted {
                print("  interrupted after \(done) of \(total) seeds"
                    + (failures.isEmpty ? "" : "; not shrunk: causeway explore --seed-range S..S shrinks seed S"))
            }
        }
        if !failures.isEmpty { throw ExitCode.failure }
        if interrupted { throw ExitCode(130) }
    }

    static func describe(_ outcome: ExploreOutcome) -> String {
        let first = outcome.report.failures.first
        return "FAIL seed \(outcome.seed) [\(outcome.checker ?? "?")] \(first?.reason ?? "")"
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = start.duration(to: .now)
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

extension Mutant: ExpressibleByArgument {}

/// Runs `run` for every seed of `seeds` on `threads` threads and hands the results to `report`
/// in seed order, one at a time, as soon as every earlier seed is done. Each simulated world is
/// driven entirely by the thread that runs it, so a seed's outcome does not depend on the thread
/// or on how many run at once. Once `stop` says so, no further seed starts, and the seeds
/// reported are the ones in order before the first that did not finish.
func forEachInOrder<Outcome: Sendable>(
    _ seeds: ClosedRange<UInt64>, threads: Int, until stop: @escaping @Sendable () -> Bool = { false },
    run: @escaping @Sendable (UInt64) -> Outcome, report: (Outcome) -> Void
) {
    if threads <= 1 {
        for seed in seeds {
            if stop() { return }
            report(run(seed))
        }
        return
    }
    let count = seeds.count
    let first = seeds.lowerBound
    // Finished outcomes not yet reported, by index; the reporting thread (the caller) takes them
    // in order and waits on the condition for the next one.
    let ready = NSCondition()
    nonisolated(unsafe) var finished: [Int: Outcome] = [:]
    let next = Atomic<Int>(0)
    let workers = (0..<min(threads, count)).map { _ in
        Thread {
            while !stop() {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < count else { return }
                let outcome = run(first + UInt64(index))
                ready.lock()
                finished[index] = outcome
                ready.signal()
                ready.unlock()
            }
        }
    }
    for worker in workers {
        worker.stackSize = 8 << 20
        worker.start()
    }
    for index in 0..<count {
        ready.lock()
        while finished[index] == nil {
            // A seed not yet handed out when the stop came never will be. (The flag is polled:
            // a signal handler cannot wake the condition.)
            if stop(), index >= min(next.load(ordering: .relaxed), count) {
                ready.unlock()
                return
            }
            _ = ready.wait(until: Date(timeIntervalSinceNow: 0.1))
        }
        let outcome = finished.removeValue(forKey: index)!
        ready.unlock()
        report(outcome)
    }
}
