import Foundation
import Sim
import Testing

/// Every file in Scenarios/, loaded once.
enum ScenarioFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scenarios")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".scenario") }.sorted()
    }

    static func load(_ name: String) throws -> Scenario {
        let path = directory.appendingPathComponent(name).path
        return try ScenarioParser.parse(String(contentsOfFile: path, encoding: .utf8), file: "Scenarios/\(name)")
    }

    /// A file of Tests/Fixtures.
    static func fixture(_ name: String) throws -> Scenario {
        let path = directory.deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/\(name)").path
        return try ScenarioParser.parse(String(contentsOfFile: path, encoding: .utf8), file: "Tests/Fixtures/\(name)")
    }
}

@Suite struct ScenarioTests {
    @Test func thereAreScenarios() {
        #expect(ScenarioFixtures.files.count >= 8)
    }

    @Test(arguments: ScenarioFixtures.files)
    func scenarioPassesAndIsDeterministic(file: String) throws {
        let scenario = try ScenarioFixtures.load(file)
        let first = ScenarioRunner.run(scenario)
        #expect(first.failures.isEmpty, "\(first.failures)")
        #expect(first.quiescent)
        let second = ScenarioRunner.run(scenario)
        #expect(first.traceHash == second.traceHash)
        #expect(first.traceLines == second.traceLines && first.events == second.events)
    }

    /// A shipped scenario's expectations hold whatever the seed (a seed changes latencies and the
    /// order of simultaneous events, not what the system must do), and every seed makes a run of
    /// its own.
    @Test(arguments: ScenarioFixtures.files)
    func scenarioHoldsWhateverTheSeed(file: String) throws {
        let scenario = try ScenarioFixtures.load(file)
        var sweep = SeedSweep(scenario: scenario, detailed: 1)
        for seed in 1...UInt64(40) { sweep.add(ScenarioRunner.run(scenario, seed: seed)) }
        #expect(sweep.passed, "failing seeds \(sweep.failingSeeds): \(sweep.failures.first?.failures ?? [])")
        #expect(sweep.distinctTraces == 40)
    }

    @Test func differentSeedsExploreDifferentInterleavings() throws {
        let scenario = try ScenarioFixtures.load("many-concurrent-orders.scenario")
        let hashes = Set((1...4).map { ScenarioRunner.run(scenario, seed: UInt64($0)).traceHash })
        #expect(hashes.count == 4)
    }

    /// A sweep over seeds names exactly the seeds under which the scenario fails, keeps the first
    /// failures whole, and counts the different runs the seeds made.
    @Test func aSweepFindsTheSeedsUnderWhichAScenarioFails() throws {
        let scenario = try ScenarioFixtures.fixture("seed-sensitive.scenario")
        var sweep = SeedSweep(scenario: scenario, detailed: 2)
        var failing: [UInt64] = []
        for seed in 1...UInt64(80) {
            let report = ScenarioRunner.run(scenario, seed: seed)
            if !report.passed { failing.append(seed) }
            sweep.add(report)
        }
        // The fixture fails under a few seeds in 80, not under all or none.
        #expect(!failing.isEmpty && failing.count < 20, "failing seeds: \(failing)")
        #expect(sweep.runs == 80 && !sweep.passed && sweep.failed == failing.count)
        #expect(sweep.failingSeeds == failing)
        #expect(sweep.hashed == 80)
        #expect(sweep.failures.map(\.seed) == Array(failing.prefix(2)))
        #expect(sweep.failures.allSatisfy { !$0.failures.isEmpty && $0.trace.isEmpty })
        #expect(sweep.distinctTraces == 80)
        // A failing seed fails again alone, for the same reasons.
        let replayed = ScenarioRunner.run(scenario, seed: failing[0])
        #expect(replayed.failures == sweep.failures[0].failures)
    }

    /// However many seeds a sweep runs, it keeps a bounded part: the first failing seeds, a few
    /// whole reports, and the trace hashes of the first runs; its counts still cover every run.
    @Test func aSweepKeepsABoundedPartOfWhatItSees() throws {
        let scenario = try ScenarioFixtures.fixture("seed-sensitive.scenario")
        var sweep = SeedSweep(scenario: scenario, detailed: 1, listing: 2, hashing: 3)
        let failing = ScenarioRunner.run(scenario, seed: 2)
        #expect(!failing.passed)
        for seed in 1...UInt64(6) {
            var report = failing
            report.seed = seed
            report.traceHash = String(repeating: "\(seed % 4)", count: 64)
            sweep.add(report)
        }
        #expect(sweep.runs == 6 && sweep.failed == 6)
        #expect(sweep.failingSeeds == [1, 2])
        #expect(sweep.failures.map(\.seed) == [1])
        #expect(sweep.hashed == 3 && sweep.distinctTraces == 3)
    }

    @Test func theTraceHashIsTheHashOfTheTraceText() throws {
        let report = ScenarioRunner.run(try ScenarioFixtures.load("happy-path.scenario"), trace: .keep)
        #expect(!report.trace.isEmpty)
        let lines = report.trace.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == report.traceLines)
        for line in lines.prefix(20) {
            #expect(try JSONSerialization.jsonObject(with: Data(line)) is [String: Any])
        }
        #expect(report.traceHash == sha256Hex(report.trace))
    }

    /// The saga's deadlines pass over orders whose payment came in and still cancel the one
    /// whose payment never does, at its own deadline.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func paymentDeadlinesPassOverPaidOrdersAndCancelAnUnpaidOne(seed: UInt64) throws {
        let source = """
            scenario deadlines
            payment-timeout 2s
            customer alice balance 100000
            stock widget 10
            at 0ms place paid1 alice widget*1@1000
            at 5ms place paid2 alice widget*1@1000
            at 50ms provider timeout
            at 60ms place stuck alice widget*1@1000
            at 70ms place late alice widget*1@1000
            at 1s provider normal
            at 1500ms place paid3 alice widget*1@1000
            expect order paid1 shipped
            expect order paid2 shipped
            expect order paid3 shipped
            expect order stuck cancelled within 2100ms
            expect order late cancelled within 2100ms
            expect no order-cancelled for paid1
            expect no order-cancelled for paid3
            expect balance alice 97000
            """
        let report = ScenarioRunner.run(try ScenarioParser.parse(source, file: "deadlines.scenario"), seed: seed)
        #expect(report.passed, "\(report.failures)")
    }

    /// A run stopped while the provider holds a charge whose reply was lost is not a double
    /// charge: the payment service has not yet heard, so the log cannot say it yet. Run on, the
    /// same order is recorded as paid and ships.
    @Test func aRunStoppedWithAChargeInFlightIsNotAViolation() throws {
        func run(stoppingAfter stop: String) throws -> RunReport {
            let source = """
                scenario charge in flight
                stop-after \(stop)
                customer a balance 10000
                stock w 5
                at 0ms provider fail-after-charge 1.0 for 100ms
                at 1ms place o1 a w*1@1000
                """
            return ScenarioRunner.run(try ScenarioParser.parse(source, file: "in-flight.scenario"))
        }
        let stopped = try run(stoppingAfter: "1s")
        #expect(!stopped.quiescent && stopped.passed, "\(stopped.failures)")
        #expect(stopped.events == 1)  // the charge is at the provider, the log has the order alone
        let finished = try run(stoppingAfter: "5m")
        #expect(finished.quiescent && finished.passed, "\(finished.failures)")
        #expect(finished.events == 4)
    }

    /// Actions run in time order whatever order the file lists them in (and, at one instant, in
    /// file order): a file in time order is used as it is, any other is sorted first.
    @Test func actionsRunInTimeOrderWhateverTheirOrderInTheFile() throws {
        func run(_ actions: [String]) throws -> RunReport {
            let source = (["scenario order", "customer alice balance 100000", "stock widget 10"] + actions
                + ["expect order first shipped", "expect order second shipped"]).joined(separator: "\n")
            return ScenarioRunner.run(try ScenarioParser.parse(source, file: "order.scenario"), trace: .keep)
        }
        let place = ["at 5ms place first alice widget*1@1000", "at 40ms place second alice widget*1@1000"]
        let inOrder = try run(place)
        let reversed = try run(place.reversed())
        #expect(inOrder.passed && reversed.passed)
        #expect(inOrder.traceHash == reversed.traceHash)
        // The first order's request is made at 5 ms, before anything of the second.
        let clientLines = String(decoding: inOrder.trace, as: UTF8.self).split(separator: "\n").filter { $0.contains("\"client\"") }
        #expect(clientLines.first?.contains("\"order\":\"first\"") == true)
    }

    @Test func aWrongExpectationFailsAndSaysWhy() throws {
        var scenario = try ScenarioFixtures.load("happy-path.scenario")
        let source = """
            scenario wrong
            customer alice balance 10000
            stock widget 10
            at 0ms place o1 alice widget*2@1500
            expect order o1 cancelled
            expect balance alice 1
            """
        scenario = try ScenarioParser.parse(source, file: "wrong.scenario")
        let report = ScenarioRunner.run(scenario)
        #expect(report.failures.count == 2)
        #expect(report.failures[0].location?.description == "wrong.scenario:5:1")
        #expect(report.failures[0].reason.contains("is 'shipped', expected 'cancelled'"))
        #expect(report.failures[1].reason.contains("balance of alice is 7000"))
    }
}
