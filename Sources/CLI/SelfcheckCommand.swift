import ArgumentParser
import Foundation
import Sim

struct SelfcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Run every deliberately broken service variant and show which checker catches it.",
        discussion: "Exit status 0 when every mutant is caught, 1 when one escapes."
    )

    @Option(help: "Seeds to try per mutant before declaring it escaped.")
    var seeds: Int = 200

    @Option(help: "Orders per run.")
    var orders: Int = 50

    func validate() throws {
        try ExploreCommand.checkWorkload(seeds: seeds, orders: orders)
    }

    func run() throws {
        var escaped = 0
        for mutant in Mutant.allCases {
            let started = ContinuousClock.now
            if let (outcome, count) = Explorer.firstFailure(limit: seeds, orders: orders, faults: Explorer.allFaults, mutant: mutant) {
                print("caught   \(mutant.rawValue) (\(mutant.summary)): checker \(outcome.checker!) after \(count) seed(s), seed \(outcome.seed), \(String(format: "%.2f", seconds(since: started))) s")
            } else {
                escaped += 1
                print("ESCAPED  \(mutant.rawValue) (\(mutant.summary)): no checker caught it in \(seeds) seeds")
            }
        }
        if escaped > 0 { throw ExitCode.failure }
    }
}
