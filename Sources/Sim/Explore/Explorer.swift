public import Core

/// What one explored seed came to.
public struct ExploreOutcome: Sendable {
    public var seed: UInt64
    public var scenario: Scenario
    public var report: RunReport
    /// The checker that caught it (nil when the seed passed).
    public var checker: String? { Shrinker.checker(of: report) }
}

/// Runs generated scenarios seed by seed.
public enum Explorer {
    /// Every fault kind (`--faults all`).
    public static let allFaults = Set(FaultKind.allCases)

    /// Parses a `--faults` list: `all`, `none`, or comma-separated kinds.
    public static func faults(_ list: String) throws(CausewayError) -> Set<FaultKind> {
        if list == "all" { return allFaults }
        if list == "none" { return [] }
        var kinds = Set<FaultKind>()
        for name in list.split(separator: ",") {
            guard let kind = FaultKind(rawValue: String(name)) else {
                let known = FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw CausewayError(.invalidArgument, "unknown fault kind '\(name)'; known: all, none, \(known)")
            }
            kinds.insert(kind)
        }
        return kinds
    }

    /// Runs one seed's workload. Passing seeds skip the trace (formatting and hashing it is a
    /// sixth of a run); a failing seed is run again with it, which is deterministic, so its
    /// report has the trace hash `causeway run` will print when it replays the seed.
    public static func run(seed: UInt64, orders: Int, faults: Set<FaultKind>, mutant: Mutant? = nil) -> ExploreOutcome {
        let scenario = WorkloadGenerator.scenario(seed: seed, orders: orders, faults: faults)
        var report = ScenarioRunner.run(scenario, trace: .off, mutant: mutant)
        if !report.passed { report = ScenarioRunner.run(scenario, trace: .hash, mutant: mutant) }
        return ExploreOutcome(seed: seed, scenario: scenario, report: report)
    }

    /// Explores seeds from `first` until one fails or `limit` seeds passed; returns the failing
    /// outcome and how many seeds it took.
    public static func firstFailure(from first: UInt64 = 1, limit: Int, orders: Int, faults: Set<FaultKind>, mutant: Mutant?)
        -> (outcome: ExploreOutcome, seeds: Int)?
    {
        for i in 0..<limit {
            let outcome = run(seed: first + UInt64(i), orders: orders, faults: faults, mutant: mutant)
            if outcome.checker != nil { return (outcome, i + 1) }
        }
        return nil
    }
}
