import Sim
import Testing

@Suite struct ScenarioParserTests {
    func error(_ source: String) -> ScenarioError? {
        do {
            _ = try ScenarioParser.parse(source, file: "t.scenario")
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesEveryStatement() throws {
        let s = try ScenarioParser.parse("""
            # comment
            scenario  a name with words   # trailing comment
            seed 12
            partitions 3
            payment-timeout 2s
            session-timeout 250ms
            stop-after 1m
            currency USD
            customer alice balance 500
            stock widget 4
            at 0ms place o1 alice widget*2@100 gadget*1@5 key=k-1 currency=EUR
            at 10ms crash payments
            at 20ms restart payments
            at 1s provider latency 300ms
            at 1s provider decline alice
            at 2s warehouse stock widget 9
            expect order o1 shipped within 2s
            expect view o1 shipped version 4
            expect count order-shipped for o1 1
            expect query customer alice status shipped count 1
            """, file: "t.scenario")
        #expect(s.name == "a name with words")
        #expect(s.seed == 12 && s.partitions == 3 && s.paymentTimeout == .seconds(2) && s.stopAfter == .seconds(60))
        #expect(s.currency.code == "USD")
        #expect(s.actions.count == 6 && s.expectations.count == 4)
        guard case .place(let alias, let command) = s.actions[0].action else {
            Issue.record("expected a placement")
            return
        }
        #expect(alias == "o1" && command.lines.count == 2 && command.clientKey == "k-1" && command.currency.code == "EUR")
        #expect(s.actions[1].at == .milliseconds(10))
    }

    @Test(arguments: [
        ("seed 1", "t.scenario:1:1: expected a 'scenario <name>' line"),
        ("scenario x\nsed 4", "t.scenario:2:1: expected a statement"),
        ("scenario x\nat 5 crash payments", "t.scenario:2:4: expected a duration like 250ms, 2s or 1m, found '5'"),
        ("scenario x\nat 5ms crash payment", "t.scenario:2:14: expected a service"),
        ("scenario x\nat 0ms place o1 alice widget*x@1", "t.scenario:2:23: expected an item like 'widget*2@1500'"),
        ("scenario x\nat 0ms place o1 alice", "t.scenario:2:22: expected at least one item"),
        ("scenario x\nat 0ms place o1 al/ice w*1@1", "t.scenario:2:17: customer id 'al/ice' has '/'"),
        ("scenario x\nexpect order nope shipped", "t.scenario:2:14: unknown order name 'nope'"),
        ("scenario x\nat 0ms place o1 a w*1@1\nexpect order o1 lost", "t.scenario:3:17: expected an order status"),
        ("scenario x\ncustomer a balance 5 extra", "t.scenario:2:22: expected the end of the line, found 'extra'"),
        ("scenario x\npartitions 0", "t.scenario:2:12: expected a partition count from 1 to 256, found 0"),
        ("scenario x\ncurrency ABC", "t.scenario:2:10: unknown currency 'ABC'"),
        ("scenario x\nat 0ms place o1 a w*1@1\nat 0ms place o1 a w*1@1", "t.scenario:3:14: order name 'o1' is already used"),
        ("scenario x\nexpect count order-teleported 1", "t.scenario:2:14: expected an event type"),
        // A word pasted by mistake is quoted by its start and its length, not whole.
        ("scenario x\ncustomer a balance 5 " + String(repeating: "z", count: 10_000),
         "t.scenario:2:22: expected the end of the line, found '" + String(repeating: "z", count: 64) + "… (10000 characters)'"),
        ("scenario x\ncustomer a\u{0}b balance 5", #"t.scenario:2:10: customer id 'a\u{0}b' has '\u{0}' at position 2"#),
        ("scenario x\n\u{7}beep", #"t.scenario:2:1: expected a statement (scenario, seed, partitions, payment-timeout, session-timeout, stop-after, currency, customer, stock, at, expect), found '\u{7}beep'"#),
        ("scenario x\ncustomer " + String(repeating: "a", count: 100) + " balance 5",
         "t.scenario:2:10: customer id '" + String(repeating: "a", count: 64) + "… (100 characters)' must be at most 64 characters"),
    ])
    func errorsSayWhereAndWhat(source: String, expected: String) throws {
        let e = try #require(error(source))
        #expect(e.description.hasPrefix(expected), "got: \(e.description)")
    }
}

@Suite struct FaultSyntaxTests {
    @Test func everyFaultStatementParsesAndPrintsBack() throws {
        let source = """
            scenario faults
            seed 1
            partitions 4
            payment-timeout 10s
            session-timeout 1s
            stop-after 5m
            currency EUR

            customer a balance 100

            at 0ms place o1 a w*1@5
            at 1ms crash payments
            at 2ms restart payments
            at 3ms crash payments before-reply for 1s
            at 4ms crash shipping before-commit
            at 5ms bus drop 0.25 for 2s
            at 6ms bus duplicate 0.5
            at 7ms bus delay 100ms for 1s
            at 8ms bus reorder 50ms
            at 9ms bus outage for 2s
            at 10ms bus rebalance orderquery
            at 11ms bus slow shipping 300ms for 1s
            at 12ms network partition payments for 3s
            at 13ms network latency 200ms
            at 14ms network lose-requests 0.1 for 1s
            at 15ms network lose-replies 0.2
            at 16ms store fail-writes 0.5 for 1s
            at 17ms store timeout-writes 0.3
            at 18ms store fail-reads 0.1 for 1s
            at 19ms provider fail-after-charge 1 for 1s
            at 20ms clock orders jump -2s
            at 21ms clock payments jump +500ms
            at 22ms provider decline a
            at 23ms provider latency 300ms
            at 24ms provider timeout
            at 25ms provider normal
            at 26ms warehouse stock w 3

            """
        let scenario = try ScenarioParser.parse(source, file: "f.scenario")
        #expect(scenario.actions.count == 27)
        #expect(scenario.text == source)
    }

    @Test(arguments: [
        ("scenario x\nat 0ms bus drop 2", "f.scenario:2:17: expected a probability from 0 to 1"),
        ("scenario x\nat 0ms bus rebalance nobody", "f.scenario:2:22: expected a consumer group"),
        ("scenario x\nat 0ms bus teleport", "f.scenario:2:12: expected a bus fault"),
        ("scenario x\nat 0ms clock orders jump 2s", "f.scenario:2:26: expected a signed duration"),
        ("scenario x\nat 0ms crash payments later", "f.scenario:2:23: expected 'before-reply', 'before-commit'"),
        ("scenario x\nat 0ms network partition payments for", "f.scenario:2:38: expected a duration"),
        ("scenario x\nat 0ms store melt 0.5", "f.scenario:2:14: expected a store fault"),
    ])
    func faultErrorsSayWhereAndWhat(source: String, expected: String) throws {
        do {
            _ = try ScenarioParser.parse(source, file: "f.scenario")
            Issue.record("parsed: \(source)")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
        }
    }
}
