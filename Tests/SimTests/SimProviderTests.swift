import Core
@testable import Sim
import Testing

/// A call to the simulated payment provider takes half its latency each way, does its work where
/// the request arrives, and does nothing for a caller that is gone by then.
@Suite struct SimProviderTests {
    /// Written and read only on the thread that runs the simulation.
    final class Outcomes: @unchecked Sendable {
        var lines: [String] = []
    }

    /// A provider 10 ms away (5 ms each way), with one customer holding 5,000.
    private func setup() -> (SimRuntime, SimPaymentProvider, FaultBox) {
        let runtime = SimRuntime(random: SimRandom(seed: 21))
        let provider = SimPaymentProvider(clock: SimClock(runtime: runtime), random: SimRandom(seed: 22))
        provider.latency = .milliseconds(10)...(.milliseconds(10))
        provider.callTimeout = .seconds(2)
        provider.open(CustomerID(unchecked: "alice"), balance: 5_000)
        let faults = FaultBox()
        provider.faults = faults
        return (runtime, provider, faults)
    }

    private func charge(_ key: String, _ minorUnits: Int64, on provider: SimPaymentProvider, at runtime: SimRuntime, into outcomes: Outcomes) async {
        do {
            let outcome = try await provider.charge(key: key, customer: CustomerID(unchecked: "alice"), amount: Money(minorUnits: minorUnits, currency: .eur))
            outcomes.lines.append("\(runtime.now.millis) \(key) \(outcome)")
        } catch let error as CausewayError {
            outcomes.lines.append("\(runtime.now.millis) \(key) \(error.code)")
        } catch {
            outcomes.lines.append("\(runtime.now.millis) \(key) \(type(of: error))")
        }
    }

    @Test func aChargeIsMadeWhereTheRequestArrivesAndAnsweredHalfALatencyLater() {
        let (runtime, provider, faults) = setup()
        let outcomes = Outcomes()
        runtime.spawn {
            await charge("k1", 1_000, on: provider, at: runtime, into: outcomes)
            faults.state.failAfterCharge = 1
            await charge("k2", 500, on: provider, at: runtime, into: outcomes)
        }
        // The balance moves when the request arrives (at 5 ms), before the answer (at 10 ms).
        runtime.schedule(at: .zero + .milliseconds(7)) { outcomes.lines.append("7 balance \(provider.balances[CustomerID(unchecked: "alice")]!)") }
        #expect(runtime.run(until: .zero + .seconds(10)))
        // The second charge is made, but its reply is lost: the caller hears nothing until its
        // timeout, counted from when the request arrived (10 + 5 + 2,000 ms).
        #expect(outcomes.lines == ["7 balance 4000", "10 k1 approved(chargeID: \"ch-1\")", "2015 k2 timeout"])
        #expect(provider.balances[CustomerID(unchecked: "alice")] == 3_500)
    }

    @Test func aCallerCancelledOnTheWayIsNotChargedAndWakesWhenItsRequestArrives() {
        let (runtime, provider, _) = setup()
        let outcomes = Outcomes()
        let caller = runtime.spawn { await charge("k1", 1_000, on: provider, at: runtime, into: outcomes) }
        runtime.schedule(at: .zero + .milliseconds(2)) { caller.cancel() }
        #expect(runtime.run(until: .zero + .seconds(10)))
        #expect(outcomes.lines == ["5 k1 CancellationError"])
        #expect(provider.balances[CustomerID(unchecked: "alice")] == 5_000)
    }

    @Test func aCallStillOnItsWayWhenTheRunEndsIsAbandonedAndItsCallerWoken() {
        let (runtime, provider, _) = setup()
        let outcomes = Outcomes()
        let caller = runtime.spawn { await charge("k1", 1_000, on: provider, at: runtime, into: outcomes) }
        #expect(!runtime.run(until: .zero + .milliseconds(3)))
        caller.cancel()
        runtime.drainAfterShutdown()
        // Woken by the drain, at once (no timer fires for it), without being charged.
        #expect(outcomes.lines == ["\(runtime.now.millis) k1 CancellationError"])
        #expect(provider.balances[CustomerID(unchecked: "alice")] == 5_000)
    }
}
