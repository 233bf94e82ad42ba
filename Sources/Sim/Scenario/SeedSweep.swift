/// One scenario run under many seeds, summed up: which seeds failed, the first failures in full,
/// and how many different runs the seeds made. A scenario's expectations should hold whatever
/// the seed: a seed only changes latencies and the order of simultaneous events, so a seed that
/// fails shows either a bug or an expectation that leans on one interleaving.
///
/// Fed the reports one at a time, in seed order; it keeps a few reports, not every one, so a
/// sweep of a million seeds holds little more than the failing seeds' numbers.
public struct SeedSweep: Sendable {
    public let scenario: String
    public let file: String
    /// The failing seeds whose reports are kept whole.
    public let detailed: Int
    /// Seeds run so far.
    public private(set) var runs = 0
    /// Every failing seed, in order.
    public private(set) var failingSeeds: [UInt64] = []
    /// The reports of the first ``detailed`` failing seeds.
    public private(set) var failures: [RunReport] = []
    /// Runs that went quiet before `stop-after`.
    public private(set) var quiescentRuns = 0
    /// The runs' trace hashes, by their first 64 bits: how many interleavings the seeds reached.
    private var traces: Set<UInt64> = []

    public init(scenario: Scenario, detailed: Int = 3) {
        self.scenario = scenario.name
        self.file = scenario.file
        self.detailed = detailed
    }

    public var passed: Bool { failingSeeds.isEmpty }
    /// Different traces among the runs (runs with no trace hash count as none).
    public var distinctTraces: Int { traces.count }

    public mutating func add(_ report: RunReport) {
        runs += 1
        if report.quiescent { quiescentRuns += 1 }
        if let prefix = UInt64(report.traceHash.prefix(16), radix: 16) { traces.insert(prefix) }
        guard !report.passed else { return }
        failingSeeds.append(report.seed)
        if failures.count < detailed {
            var kept = report
            kept.trace = []
            failures.append(kept)
        }
    }
}
