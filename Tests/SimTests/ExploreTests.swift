import Core
import Sim
import Testing

@Suite struct ExploreTests {
    @Test func generatedScenariosPrintAndParseBackTheSame() throws {
        for seed in UInt64(1)...25 {
            let generated = WorkloadGenerator.scenario(seed: seed, orders: 30, faults: Explorer.allFaults)
            let parsed = try ScenarioParser.parse(generated.text, file: "<explore>")
            #expect(parsed.text == generated.text)
            #expect(ScenarioRunner.run(parsed).traceHash == ScenarioRunner.run(generated).traceHash)
        }
    }

    @Test func exploredRunsInjectFaultsGoQuietAndPass() {
        var injected = 0
        for seed in UInt64(1)...40 {
            let outcome = Explorer.run(seed: seed, orders: 30, faults: Explorer.allFaults)
            #expect(outcome.checker == nil, "seed \(seed): \(outcome.report.failures)")
            #expect(outcome.report.quiescent, "seed \(seed) never went quiet, so liveness went unchecked")
            injected += outcome.report.faultsInjected
        }
        #expect(injected > 400)
    }

    @Test func swarmTurnsOnlyTheChosenFaultKindsOn() throws {
        let scenario = WorkloadGenerator.scenario(seed: 9, orders: 10, faults: [.busDuplicate])
        for action in scenario.actions {
            switch action.action {
            case .place, .restart, .provider(.normal): continue
            case .fault(let fault, _): #expect(fault.kind == .busDuplicate)
            default: Issue.record("unexpected action \(action.action)")
            }
        }
        #expect(throws: CausewayError.self) { try Explorer.faults("bus-drop,teleport") }
        #expect(try Explorer.faults("bus-drop,crash") == [.busDrop, .crash])
    }

    static let expectedCheckers: [Mutant: String] = [
        .paymentDebitsEveryDelivery: "charged-once",
        .shippingShipsUnpaid: "ships-paid",
        .queryIgnoresVersions: "read-model",
        .relaySkipsEvent: "published",
        .sagaForgetsRefund: "refund-matches-debit",
        .ordersAckUnwritten: "accepted-logged",
        .shippingShipsEveryAttempt: "warehouse-books",
        .paymentsCommitFirst: "consumed",
        .relayStopsOnError: "loops-run",
    ]

    @Test(arguments: Mutant.allCases)
    func everyMutantIsCaughtByItsChecker(mutant: Mutant) throws {
        let found = try #require(Explorer.firstFailure(limit: 100, orders: 50, faults: Explorer.allFaults, mutant: mutant),
                                 "\(mutant.rawValue) escaped 100 seeds")
        #expect(found.outcome.checker == Self.expectedCheckers[mutant])
    }

    @Test func shrinkingKeepsTheFailureAndMakesItSmaller() throws {
        let mutant = Mutant.paymentDebitsEveryDelivery
        let found = try #require(Explorer.firstFailure(limit: 100, orders: 50, faults: Explorer.allFaults, mutant: mutant))
        let small = Shrinker.shrink(found.outcome.scenario, mutant: mutant)
        #expect(small.actions.count < found.outcome.scenario.actions.count)
        #expect(small.text.count < found.outcome.scenario.text.count)
        // The shrunk file, as written and read back, fails with the same checker, with the same
        // trace every time it is run.
        let reread = try ScenarioParser.parse(small.text, file: "shrunk.scenario")
        let first = ScenarioRunner.run(reread, mutant: mutant)
        #expect(Shrinker.checker(of: first) == found.outcome.checker)
        #expect(ScenarioRunner.run(reread, mutant: mutant).traceHash == first.traceHash)
        // Without the mutant the same file passes: the failure is the mutant's.
        #expect(ScenarioRunner.run(reread).passed)
        // The heal stays: every service is restarted and the provider back to normal, and the
        // shrunk run goes quiet if the found one did.
        func heal(_ s: Scenario) -> [String] {
            s.actions.compactMap { a -> String? in
                switch a.action {
                case .restart(let name): "restart \(name.rawValue)"
                case .provider(.normal): "provider normal"
                default: nil
                }
            }.suffix(ServiceName.allCases.count + 1)
        }
        #expect(first.quiescent || !found.outcome.report.quiescent)
        #expect(heal(small) == heal(found.outcome.scenario))
        #expect(heal(small).count == ServiceName.allCases.count + 1)
    }

    @Test func aViolationStopsTheRunAndSaysWhere() throws {
        let found = try #require(Explorer.firstFailure(limit: 5, orders: 20, faults: Explorer.allFaults, mutant: .shippingShipsUnpaid))
        let failure = try #require(found.outcome.report.failures.first)
        #expect(found.outcome.report.stoppedByChecker)
        #expect(failure.checker == "ships-paid")
        #expect(failure.reason.contains("order o"))
        #expect(failure.reason.contains("(step "))
    }
}
