import Core
@testable import Sim
import Testing

@Suite struct InvariantsTests {
    /// A world that ran two orders to the end, with nothing wrong in it.
    private func finishedWorld() -> (SimWorld, [CustomerID: Int64]) {
        let world = SimWorld(WorldConfiguration(seed: 5))
        let customer = CustomerID(unchecked: "a")
        world.provider.open(customer, balance: 1000)
        world.warehouse.setStock(SKU(unchecked: "w"), 5)
        world.start()
        for _ in 0..<2 {
            world.place(PlaceOrder(customerID: customer,
                                   lines: [OrderLine(sku: SKU(unchecked: "w"), quantity: 1, unitPrice: 10)],
                                   currency: .eur, clientKey: nil)) { _ in }
        }
        world.runtime.run(until: Timestamp(millis: 20_000))
        return (world, [customer: 1000])
    }

    /// The read-model violations: the orders they are about, and what they say.
    private func readModelViolations(_ world: SimWorld, _ balances: [CustomerID: Int64]) -> [(order: OrderID?, message: String)] {
        Invariants.check(world, initialBalances: balances, quiescent: true)
            .filter { $0.checker == "read-model" }
            .map { ($0.order, $0.message) }
    }

    /// Stores `view` in the read model over whatever is there.
    private func overwrite(_ world: SimWorld, with view: OrderView) async throws {
        let held = world.views.snapshot()[view.orderID]?.version ?? 0
        #expect(try await world.views.save(view, replacingVersion: held))
    }

    /// The end-of-run check compares each order's view with the fold of its stream, which the
    /// world's log model keeps as the run goes: every field of the state and every history entry.
    @Test func theReadModelMustHoldTheFoldOfEveryStream() async throws {
        let (world, balances) = finishedWorld()
        defer { world.shutdown() }
        let views = world.views.snapshot()
        #expect(views.count == 2)
        #expect(views.values.allSatisfy { $0.status == .shipped && $0.history.count == 4 })
        #expect(Invariants.check(world, initialBalances: balances, quiescent: true).isEmpty)

        let victim = views.keys.sorted()[0]
        let good = views[victim]!

        var lateEntry = good
        lateEntry.history[2].at = lateEntry.history[2].at + .milliseconds(1)
        try await overwrite(world, with: lateEntry)
        var found = readModelViolations(world, balances)
        #expect(found.map(\.order) == [victim])
        #expect(found.first?.message.contains("its history has version 3") == true)

        var missingEntry = good
        missingEntry.history.removeLast()
        try await overwrite(world, with: missingEntry)
        found = readModelViolations(world, balances)
        #expect(found.map(\.order) == [victim])
        #expect(found.first?.message.contains("3 entries, the stream 4 events") == true)

        var wrongState = good
        wrongState.state.trackingID = "elsewhere"
        try await overwrite(world, with: wrongState)
        found = readModelViolations(world, balances)
        #expect(found.map(\.order) == [victim])
        #expect(found.first?.message.contains("its state differs") == true)

        try await overwrite(world, with: good)
        #expect(readModelViolations(world, balances).isEmpty)
    }

    /// Each group's handled events are kept by global position, one bit each, growing as the
    /// log does.
    @Test func theConsumptionLedgerKeepsWhatEachGroupHandled() {
        let ledger = ConsumptionLedger()
        let payments = ledger.group("payments", interests: [.orderCreated, .cancelled])
        let query = ledger.group("orderquery", interests: Set(EventType.allCases))
        #expect(ledger.group("payments", interests: []) == payments && payments != query)
        #expect(ledger.groups[payments].interests == EventType.mask(of: [.orderCreated, .cancelled]))
        let handled = ledger.groups[payments].handled
        for position: Int64 in [1, 63, 64, 200, 63] { handled.insert(position) }
        #expect(handled.count == 4)
        #expect([1, 63, 64, 200].allSatisfy(handled.contains))
        #expect(![2, 62, 65, 199, 201, 100_000].contains(where: handled.contains))
        #expect(!ledger.groups[query].handled.contains(1))
    }

    /// Once quiet, every event a group acts on was handled by one of its members: the run of two
    /// orders did that, and an event the payment group never handled is reported against it.
    /// A group none of whose members is up at the end is not held to it (its orders' fate is
    /// what the liveness checkers look at).
    @Test func anEventAGroupNeverHandledIsReported() throws {
        let (world, balances) = finishedWorld()
        defer { world.shutdown() }
        #expect(Invariants.check(world, initialBalances: balances, quiescent: true).isEmpty)
        let consumed = { Invariants.check(world, initialBalances: balances, quiescent: true).filter { $0.checker == "consumed" } }
        let payments = try #require(world.consumption.groups.firstIndex { $0.name == "payments" })
        let created = try #require(world.store.snapshot().first { $0.type == .orderCreated })
        world.consumption.groups[payments].handled.removeAll()
        #expect(consumed().map(\.order) == [created.orderID, world.store.snapshot().last { $0.type == .orderCreated }!.orderID])
        #expect(consumed().first?.message == "group payments never handled its order-created (position \(created.globalPosition))")
        world.crash(.payments)
        #expect(consumed().isEmpty)
    }

    /// The money check reads each order's folded state: a customer the provider charged more
    /// than the log accounts for is reported.
    @Test func aChargeTheLogDoesNotAccountForIsReported() {
        let (world, balances) = finishedWorld()
        defer { world.shutdown() }
        let customer = balances.keys.first!
        let claimed = [customer: balances[customer]! + 10]
        let violations = Invariants.check(world, initialBalances: claimed, quiescent: true)
        #expect(violations.map(\.checker) == ["charged-once"])
        // Before the run is quiet, money may be on its way: the books are not held to the log.
        #expect(Invariants.check(world, initialBalances: claimed, quiescent: false).isEmpty)
    }
}
