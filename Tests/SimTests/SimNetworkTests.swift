import Core
import InMemory
@testable import Sim
import Testing

/// The simulated network carries every answer of the store back over a reply hop, refusals too;
/// only a caller that gives up at its own timeout hears nothing. A request does its work where
/// it arrives, unless its caller is gone by then.
@Suite struct SimNetworkTests {
    /// Written and read only on the thread that runs the simulation.
    final class Outcomes: @unchecked Sendable {
        var lines: [String] = []
    }

    /// A store behind a network whose every hop takes exactly 5 ms, with the store's node up.
    struct Setup {
        let runtime: SimRuntime
        let faults: FaultBox
        let network: SimNetwork
        let client: SimStoreClient
        let nodes: NodeStatus

        init() {
            runtime = SimRuntime(random: SimRandom(seed: 11))
            let clock = SimClock(runtime: runtime)
            faults = FaultBox()
            nodes = NodeStatus()
            nodes[.eventstore] = true
            network = SimNetwork(clock: clock, random: SimRandom(seed: 12), faults: faults, nodes: nodes)
            network.latency = .milliseconds(5)...(.milliseconds(5))
            network.callTimeout = .seconds(1)
            client = SimStoreClient(store: InMemoryEventStore(clock: clock), network: network, caller: .payments)
        }

        /// Appends one event to `order-o1` expecting `expected`; notes when and how the call ended.
        func append(_ id: String, expected: ExpectedVersion, into outcomes: Outcomes) async {
            let event = NewEvent(eventID: EventID(unchecked: id), event: .approved, occurredAt: .zero,
                                 correlationID: "c", causationID: "c")
            do {
                let result = try await client.append([event], to: OrderID(unchecked: "o1").streamID, expected: expected)
                outcomes.lines.append("\(runtime.now.millis) ok v\(result.lastVersion)")
            } catch let error as CausewayError {
                outcomes.lines.append("\(runtime.now.millis) \(error.code)")
            } catch {
                outcomes.lines.append("\(runtime.now.millis) \(error)")
            }
        }
    }

    /// Runs `calls` in one simulated task until it is done; returns the outcomes it noted.
    private func outcomes(of calls: @escaping @Sendable (Setup, Outcomes) async -> Void) -> [String] {
        let setup = Setup()
        let outcomes = Outcomes()
        setup.runtime.spawn { await calls(setup, outcomes) }
        #expect(setup.runtime.run(until: .zero + .seconds(10)))
        return outcomes.lines
    }

    @Test func aConflictComesBackOverTheReplyHopLikeASuccess() {
        let lines = outcomes { setup, outcomes in
            await setup.append("e1", expected: .noStream, into: outcomes)
            await setup.append("e2", expected: .noStream, into: outcomes)
        }
        // Request and reply take 5 ms each, whether the store accepts or refuses.
        #expect(lines == ["10 ok v1", "20 wrong-expected-version"])
    }

    @Test func aFailedWriteTakesTheReplyHopAndATimedOutOneDoesNot() {
        let lines = outcomes { setup, outcomes in
            setup.faults.state.failWrites = 1
            await setup.append("e1", expected: .any, into: outcomes)
            setup.faults.state.failWrites = 0
            setup.faults.state.timeoutWrites = 1
            await setup.append("e2", expected: .any, into: outcomes)
        }
        // The failed write is answered (5 + 5 ms); the timed-out one is given up on by the caller
        // a timeout after its request arrived (10 + 5 + 1,000 ms), with no reply hop after that.
        #expect(lines == ["10 unavailable", "1015 timeout"])
    }

    @Test func aLostRefusalLeavesTheCallerWaitingForItsTimeout() {
        let lines = outcomes { setup, outcomes in
            await setup.append("e1", expected: .noStream, into: outcomes)
            setup.faults.state.loseReplies = 1
            await setup.append("e2", expected: .noStream, into: outcomes)
        }
        // The conflict's reply is lost: the caller hears nothing and times out a second after
        // the store refused (10 + 5 + 1,000 ms).
        #expect(lines == ["10 ok v1", "1015 timeout"])
    }

    @Test func aCallerCancelledOnTheWayIsNotServed() throws {
        let setup = Setup()
        let outcomes = Outcomes()
        let caller = setup.runtime.spawn { await setup.append("e1", expected: .any, into: outcomes) }
        // The caller's node crashes 2 ms into the 5 ms request hop.
        setup.runtime.schedule(at: .zero + .milliseconds(2)) { caller.cancel() }
        #expect(setup.runtime.run(until: .zero + .seconds(10)))
        // It wakes when its request would have arrived, and the store never saw the request.
        #expect(outcomes.lines == ["5 CancellationError()"])
        #expect(setup.client.store.lastPosition == 0)
    }

    @Test func aCallStillOnTheWayWhenTheRunEndsIsAbandoned() throws {
        let setup = Setup()
        let outcomes = Outcomes()
        setup.runtime.spawn { await setup.append("e1", expected: .any, into: outcomes) }
        // The run ends before the request arrives; the caller is woken all the same.
        #expect(!setup.runtime.run(until: .zero + .milliseconds(3)))
        setup.runtime.drainAfterShutdown()
        #expect(outcomes.lines == ["0 CancellationError()"])
        #expect(!setup.runtime.hasPendingTimers)
        #expect(setup.client.store.lastPosition == 0)
    }

    @Test func aCallToAStoreThatIsDownFailsWhereItArrives() {
        let lines = outcomes { setup, outcomes in
            setup.nodes[.eventstore] = false
            await setup.append("e1", expected: .any, into: outcomes)
        }
        // The request hop (5 ms) and no reply hop: nothing answers.
        #expect(lines == ["5 unavailable"])
    }
}
