import ArgumentParser
import Foundation

/// `--seeds N`, `--seed-range A..B` and `--jobs N`: which seeds a command runs, and how many at
/// once. `explore` and `run` take them alike.
struct SeedRangeOptions: ParsableArguments {
    @Option(help: "How many seeds to run, from 1.")
    var seeds: Int?

    @Option(name: .customLong("seed-range"), help: "Run the seeds A..B (inclusive).")
    var seedRange: String?

    @Option(help: "Seeds run at once, each world on its own thread (default: one per core this process may use). Results do not depend on it.")
    var jobs: Int?

    /// The most seeds one command takes (a billion: weeks of work on one machine).
    static let maxSeeds = 1_000_000_000

    /// Whether a range of seeds was asked for.
    var isGiven: Bool { seeds != nil || seedRange != nil }

    func validate() throws {
        if seeds != nil && seedRange != nil { throw ValidationError("give --seeds or --seed-range, not both") }
        try Self.check(seeds: seeds)
        if let seedRange { _ = try Self.range(seedRange) }
        if let jobs, !(1...256).contains(jobs) { throw ValidationError("--jobs must be between 1 and 256 (got \(jobs))") }
    }

    /// The seeds asked for, or the first `defaultCount` when neither option is given.
    func range(defaultCount: Int) throws -> ClosedRange<UInt64> {
        try seedRange.map(Self.range) ?? 1...UInt64(seeds ?? defaultCount)
    }

    /// Threads to run seeds on.
    var threads: Int { jobs ?? usableCores() }

    static func check(seeds: Int?) throws {
        if let seeds, !(1...maxSeeds).contains(seeds) {
            throw ValidationError("--seeds must be between 1 and \(maxSeeds) (got \(seeds))")
        }
    }

    static func range(_ text: String) throws -> ClosedRange<UInt64> {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]), a <= b else {
            throw ValidationError("--seed-range must look like A..B with A <= B (got '\(text)')")
        }
        guard b - a < UInt64(maxSeeds) else {
            throw ValidationError("--seed-range covers more than \(maxSeeds) seeds (got '\(text)'); split it")
        }
        return a...b
    }
}

/// A progress line on standard error, rewritten in place, when standard error is a terminal.
struct SeedProgress {
    let total: Int
    let label: String
    private let started = ContinuousClock.now
    private let shown = isatty(STDERR_FILENO) == 1

    init(total: Int, label: String = "") {
        self.total = total
        self.label = label.isEmpty ? "" : label + ": "
    }

    func update(done: Int, failing: Int) {
        guard shown, done % 10 == 0 || done == total else { return }
        let rate = Double(done) / max(seconds(since: started), 1e-9) * 60
        FileHandle.standardError.write(Data("\r\(label)\(done)/\(total) seeds  \(failing) failing  \(Int(rate)) seeds/min ".utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
