import Core

/// Reduces a failing scenario to a smaller one that still fails the same way: with the same
/// checker, and going quiet if the original went quiet. Fewer actions (orders and faults), fewer
/// items, earlier times, shorter faults. Greedy and bounded: every candidate is a full run, at
/// most `budget` of them.
///
/// The heal of a generated run (from ``WorkloadGenerator/healAt`` on, every service restarted and
/// the provider back to normal) is kept: without it a crashed service stays down or the provider
/// never answers again, and the system may fairly leave an order unfinished or a charge
/// unreconciled. A run that fails only that way tells another story than the one found.
public enum Shrinker {
    /// The checker a run failed with (the first failure's), or nil if it passed.
    public static func checker(of report: RunReport) -> String? {
        report.failures.first.map { $0.checker ?? "expectation" }
    }

    public static func shrink(_ scenario: Scenario, mutant: Mutant?, budget: Int = 300) -> Scenario {
        let original = ScenarioRunner.run(scenario, trace: .off, mutant: mutant)
        guard let target = checker(of: original) else { return scenario }
        var best = scenario
        var runs = 0
        func stillFails(_ candidate: Scenario) -> Bool {
            guard runs < budget else { return false }
            runs += 1
            let report = ScenarioRunner.run(candidate, trace: .off, mutant: mutant)
            return checker(of: report) == target && (report.quiescent || !original.quiescent)
        }

        // 1. Drop chunks of actions, halving the chunk size down to single actions; the heal stays.
        func heals(_ action: TimedAction) -> Bool {
            guard action.at >= WorkloadGenerator.healAt else { return false }
            switch action.action {
            case .restart, .provider(.normal): return true
            default: return false
            }
        }
        var chunk = max(1, best.actions.count / 2)
        while chunk >= 1 && runs < budget {
            var start = 0
            var removedAny = false
            while start < best.actions.count && runs < budget {
                var candidate = best
                let range = start..<min(start + chunk, candidate.actions.count)
                let kept = candidate.actions[range].filter(heals)
                candidate.actions.replaceSubrange(range, with: kept)
                if kept.count == range.count {
                    start += chunk
                } else if stillFails(candidate) {
                    best = candidate
                    removedAny = true
                } else {
                    start += chunk
                }
            }
            if !removedAny || chunk > 1 { chunk /= 2 }
        }
        // 2. One item per order.
        for i in best.actions.indices where runs < budget {
            guard case .place(let alias, var command) = best.actions[i].action, command.lines.count > 1 else { continue }
            command.lines = [command.lines[0]]
            var candidate = best
            candidate.actions[i].action = .place(alias: alias, command)
            if stillFails(candidate) { best = candidate }
        }
        // 3. Earlier times and shorter faults, while it still fails.
        for _ in 0..<4 where runs < budget {
            var candidate = best
            for i in candidate.actions.indices {
                candidate.actions[i].at = .milliseconds(candidate.actions[i].at.wholeMilliseconds / 2)
                if case .fault(let fault, let d?) = candidate.actions[i].action {
                    candidate.actions[i].action = .fault(fault, for: .milliseconds(max(1, d.wholeMilliseconds / 2)))
                }
            }
            guard stillFails(candidate) else { break }
            best = candidate
        }
        // 4. Customers and stock nothing refers to any more.
        let used = Set(best.actions.compactMap { a -> CustomerID? in
            if case .place(_, let c) = a.action { return c.customerID }
            return nil
        })
        var candidate = best
        candidate.customers = best.customers.filter { used.contains($0.0) }
        if candidate.customers.count < best.customers.count, stillFails(candidate) { best = candidate }
        best.name = scenario.name + " (shrunk)"
        return best
    }
}
