/// One scenario run under many seeds, summed up: which seeds failed, the first failures in full,
/// and how many different runs the seeds made. A scenario's expectations should hold whatever
/// the seed: a seed only changes latencies and the order of simultaneous events, so a seed that
/// fails shows either a bug or an expectation that leans on one interleaving.
///
/// Fed the reports one at a time, in seed order. What it keeps is bounded whatever the number of
/// seeds: a few whole reports, the first ``listing`` failing seeds, and the trace hashes of the
/// first ``hashing`` runs.
public struct SeedSweep: Sendable {
    public let scenario: String
    public let file: String
    /// The failing seeds whose reports are kept whole.
    public let detailed: Int
    /// The most failing seeds listed.
    public let listing: Int
    /// The runs whose trace hashes are told apart (8 bytes each).
    public let hashing: Int
    /// Seeds run so far.
    public private(set) var runs = 0
    /// How many seeds failed.
    public private(set) var failed = 0
    /// The first ``listing`` failing seeds, in order.
    public private(set) var failingSeeds: [UInt64] = []
    /// The reports of the first ``detailed`` failing seeds.
    public private(set) var failures: [RunReport] = []
    /// Runs that went quiet before `stop-after`.
    public private(set) var quiescentRuns = 0
    /// The trace hashes of the first ``hashing`` runs, by their first 64 bits: how many
    /// interleavings the seeds reached.
    private var traces: Set<UInt64> = []

    public init(scenario: Scenario, detailed: Int = 3, listing: Int = 10_000, hashing: Int = 1_000_000) {
        self.scenario = scenario.name
        self.file = scenario.file
        self.detailed = detailed
        self.listing = listing
        self.hashing = hashing
    }

    public var passed: Bool { failed == 0 }
    /// Different traces among the first ``hashing`` runs (runs with no trace hash count as none).
    public var distinctTraces: Int { traces.count }
    /// The runs ``distinctTraces`` counts among.
    public var hashed: Int { min(runs, hashing) }

    public mutating func add(_ report: RunReport) {
        runs += 1
        if report.quiescent { quiescentRuns += 1 }
        if runs <= hashing, let prefix = UInt64(report.traceHash.prefix(16), radix: 16) { traces.insert(prefix) }
        guard !report.passed else { return }
        failed += 1
        if failingSeeds.count < listing { failingSeeds.append(report.seed) }
        if failures.count < detailed {
            var kept = report
            kept.trace = []
            failures.append(kept)
        }
    }
}
