import ArgumentParser
import Foundation
import Sim

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files in the deterministic simulator.",
        discussion: """
            A directory runs every *.scenario file in it, sorted by name. With --seeds or \
            --seed-range, each scenario runs once per seed, several at once, and one line sums it \
            up: the failing seeds, the first failures in full and how to replay them. Exit status: \
            0 when every scenario passes (under every seed), 1 when one fails, 2 for a usage or \
            parse error; Ctrl-C (SIGINT) or SIGTERM stops a sweep early, reports the seeds run so \
            far, and exits 130 if none failed.
            """
    )

    @Argument(help: "Scenario files or directories.")
    var paths: [String]

    @Option(help: "Run with this seed instead of the one written in each file.")
    var seed: UInt64?

    @Option(help: ArgumentHelp(
        "Write the canonical trace as JSON lines to this file (one scenario only).",
        discussion: "With -, the trace goes to standard output and the report line to standard error."))
    var trace: String?

    @Option(help: "Output format: text or json (one JSON object per scenario).")
    var format: OutputFormat = .text

    @Option(help: "Run with a deliberately broken service (for replaying `explore --mutant` findings).")
    var mutant: Mutant?

    @OptionGroup(title: "Sweeping seeds")
    var seedOptions: SeedRangeOptions

    func validate() throws {
        let files = try ScenarioFiles.expand(paths)
        if let trace {
            if files.count != 1 { throw ValidationError("--trace needs exactly one scenario file (got \(files.count))") }
            if trace.isEmpty { throw ValidationError("--trace needs a file name, or - for standard output") }
        }
        if seedOptions.isGiven {
            if seed != nil { throw ValidationError("give --seed, or --seeds or --seed-range, not both") }
            if trace != nil { throw ValidationError("--trace writes one run's trace; it cannot be used with --seeds or --seed-range") }
        } else if seedOptions.jobs != nil {
            throw ValidationError("--jobs runs seeds at once: it needs --seeds or --seed-range")
        }
    }

    func run() throws {
        var scenarios: [Scenario] = []
        for file in try ScenarioFiles.expand(paths) {
            scenarios.append(try ScenarioFiles.load(file))
        }
        if seedOptions.isGiven { return try sweep(scenarios) }
        // Found unwritable before the run, not after it.
        if let trace { try Self.write(Data(), toTrace: trace) }
        var allPassed = true
        for scenario in scenarios {
            let started = ContinuousClock.now
            let report = ScenarioRunner.run(
                scenario, seed: seed, trace: trace != nil ? TraceMode.keep : .hash, mutant: mutant, leaving: Teardown.free)
            let wall = started.duration(to: .now)
            if let trace { try Self.write(Data(report.trace), toTrace: trace) }
            allPassed = allPassed && report.passed
            let line = format == .json ? ReportFormat.json(report, wall: wall) : ReportFormat.text(report, wall: wall)
            // The trace owns standard output when it goes there.
            if trace == "-" { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
        }
        if !allPassed { throw ExitCode.failure }
    }

    /// Runs each scenario under every seed of the sweep, and reports one summary per scenario.
    private func sweep(_ scenarios: [Scenario]) throws {
        let seeds = try seedOptions.range(defaultCount: 1)
        let (threads, mutant) = (seedOptions.threads, mutant)
        Interruption.install()
        var allPassed = true
        for (index, scenario) in scenarios.enumerated() {
            let started = ContinuousClock.now
            var summary = SeedSweep(scenario: scenario)
            let progress = SeedProgress(total: seeds.count, label: scenario.name)
            forEachInOrder(seeds, threads: threads, until: { Interruption.requested }, run: { seed in
                ScenarioRunner.run(scenario, seed: seed, mutant: mutant)
            }) { report in
                summary.add(report)
                progress.update(done: summary.runs, failing: summary.failed)
            }
            progress.finish()
            let wall = started.duration(to: .now)
            // Stopped before this scenario's first seed: it did not run, and is not reported as if
            // it had passed.
            let left = scenarios.count - index - (summary.runs > 0 ? 1 : 0)
            if summary.runs > 0 {
                allPassed = allPassed && summary.passed
                print(format == .json ? ReportFormat.json(summary, seeds: seeds, wall: wall)
                                      : ReportFormat.text(summary, seeds: seeds, wall: wall))
                fflush(nil)  // each scenario's line as it is done, through a pipe too
            }
            if summary.runs < seeds.count {
                if format == .text, left > 0 { print("interrupted: \(left) more scenario(s) not run") }
                break
            }
        }
        if !allPassed { throw ExitCode.failure }
        if Interruption.requested { throw ExitCode(130) }
    }

    private static func write(_ data: Data, toTrace path: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(data)
            return
        }
        if path.hasSuffix("/") || isDirectory(path) == true {
            throw InputError(message: "cannot write the trace to '\(path)': it names a directory, not a file")
        }
        // Not NSString's deletingLastPathComponent: it traps on a one-character path.
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        if !directory.isEmpty, isDirectory(directory) != true {
            throw InputError(message: "cannot write the trace to '\(path)': no directory '\(directory)'")
        }
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw InputError(message: "cannot write the trace to '\(path)': \(fileErrorText(error))")
        }
    }
}

/// Finding and reading scenario files.
enum ScenarioFiles {
    static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            guard let directory = isDirectory(path) else {
                throw ValidationError("no such file or directory: '\(path)'")
            }
            if directory {
                let entries = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".scenario") }.sorted()
                if entries.isEmpty { throw ValidationError("no *.scenario files in '\(path)'") }
                files += entries.map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        return files
    }

    static func load(_ file: String) throws -> Scenario {
        // Through a file handle, so a pipe (`causeway run <(make-scenario)`, /dev/stdin) reads too.
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
            defer { try? handle.close() }
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw InputError(message: "cannot read '\(file)': \(fileErrorText(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(message: "'\(file)' is not UTF-8 text")
        }
        do {
            return try ScenarioParser.parse(text, file: file)
        } catch {
            throw InputError(message: error.description)
        }
    }
}

/// How run reports are printed.
enum ReportFormat {
    static func millis(_ d: Duration) -> Double {
        let (s, a) = d.components
        return (Double(s) * 1000 + Double(a) / 1e15).rounded(toPlaces: 1)
    }

    static func replay(_ report: RunReport) -> String {
        "causeway run \(report.file) --seed \(report.seed)" + (report.mutant.map { " --mutant \($0.rawValue)" } ?? "")
    }

    static func text(_ report: RunReport, wall: Duration) -> String {
        var out = "\(report.passed ? "PASS" : "FAIL")  \(report.scenario)  seed=\(report.seed)  trace=\(report.traceHash.prefix(16))"
            + "  sim=\(report.simulatedMillis)ms  wall=\(millis(wall))ms  events=\(report.events)  deliveries=\(report.deliveries)"
        if report.stoppedByChecker {
            out += "  (stopped at the first violation)"
        } else if !report.quiescent {
            out += "  (stopped by stop-after before going quiet)"
        }
        for failure in report.failures { out += "\n    \(failure)" }
        if !report.passed { out += "\n    replay: \(replay(report))" }
        return out
    }

    static func json(_ report: RunReport, wall: Duration) -> String {
        let object: [String: Any] = [
            "scenario": report.scenario, "file": report.file, "passed": report.passed, "seed": report.seed,
            "traceHash": report.traceHash, "simulatedMillis": report.simulatedMillis, "wallMillis": millis(wall),
            "events": report.events, "deliveries": report.deliveries, "quiescent": report.quiescent,
            "replay": replay(report),
            "failures": objects(report.failures),
        ]
        return line(object)
    }

    static func objects(_ failures: [RunFailure]) -> [[String: Any]] {
        failures.map { f in
            var o: [String: Any] = ["what": f.what, "reason": f.reason]
            if let l = f.location { o["location"] = l.description }
            if let c = f.checker { o["checker"] = c }
            return o
        }
    }

    static func line(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func range(_ seeds: ClosedRange<UInt64>) -> String { "\(seeds.lowerBound)..\(seeds.upperBound)" }

    /// Failing seeds listed in a sweep's text summary before "and N more".
    static let listedSeeds = 20

    static func text(_ sweep: SeedSweep, seeds: ClosedRange<UInt64>, wall: Duration) -> String {
        var out = "\(sweep.passed ? "PASS" : "FAIL")  \(sweep.scenario)  seeds=\(range(seeds))"
            + "  passed=\(sweep.runs - sweep.failed)/\(sweep.runs)  distinct-traces=\(sweep.distinctTraces)"
            + (sweep.hashed < sweep.runs ? " (of the first \(sweep.hashed))" : "") + "  wall=\(millis(wall))ms"
        if sweep.quiescentRuns < sweep.runs { out += "  (\(sweep.runs - sweep.quiescentRuns) did not go quiet)" }
        if sweep.runs < seeds.count { out += "\n    interrupted after \(sweep.runs) of \(seeds.count) seeds" }
        if !sweep.passed {
            let listed = sweep.failingSeeds.prefix(listedSeeds).map(String.init).joined(separator: " ")
            let more = sweep.failed - min(listedSeeds, sweep.failingSeeds.count)
            out += "\n    failing seeds: \(listed)" + (more > 0 ? " and \(more) more" : "")
        }
        for report in sweep.failures {
            out += "\n    seed \(report.seed):"
            for failure in report.failures { out += "\n      \(failure)" }
            out += "\n      replay: \(replay(report))"
        }
        return out
    }

    static func json(_ sweep: SeedSweep, seeds: ClosedRange<UInt64>, wall: Duration) -> String {
        line([
            "scenario": sweep.scenario, "file": sweep.file, "passed": sweep.passed, "seedRange": range(seeds),
            "seedsRequested": seeds.count, "seeds": sweep.runs, "interrupted": sweep.runs < seeds.count,
            "passedSeeds": sweep.runs - sweep.failed, "failedSeeds": sweep.failed, "failingSeeds": sweep.failingSeeds,
            "distinctTraces": sweep.distinctTraces, "distinctTracesAmong": sweep.hashed, "quiescentRuns": sweep.quiescentRuns, "wallMillis": millis(wall),
            "failedRuns": sweep.failures.map { report -> [String: Any] in
                ["seed": report.seed, "replay": replay(report), "failures": objects(report.failures)]
            },
        ])
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let f = Foundation.pow(10, Double(places))
        return (self * f).rounded() / f
    }
}
