public import Core

/// A broken invariant: which checker caught it, about which order, and why.
public struct Violation: Hashable, Sendable, CustomStringConvertible {
    public var checker: String
    public var order: OrderID?
    public var message: String
    /// Virtual time at which it was found.
    public var at: Timestamp

    /// What broke, without the checker's name.
    public var detail: String {
        (order.map { "order \($0): " } ?? "") + message + " (at \(at))"
    }

    public var description: String { "[\(checker)] " + detail }
}

/// The invariants checked when a run is over: those that need the whole run (the provider's books
/// against the log, every event published) and, once the run went quiet, liveness (every order
/// ended, the read model caught up). The per-event safety rules are ``StepChecker``'s, checked as
/// the run goes.
public enum Invariants {
    public static func check(_ world: SimWorld, initialBalances: [CustomerID: Int64], quiescent: Bool) -> [Violation] {
        var found: [Violation] = []
        let now = world.runtime.now
        func fail(_ checker: String, _ order: OrderID?, _ message: String) {
            found.append(Violation(checker: checker, order: order, message: message, at: now))
        }
        // Each order's stream is already folded, event by event, by the world's log model (the
        // fold of the same appends the store made); orders in the order the log first mentions
        // them, so a run reports its violations in a deterministic order without sorting.
        let orders = world.log.inLogOrder

        // Money: nobody is below zero; once quiet, the provider's books agree with the log,
        // customer by customer. (Before that, a charge whose reply is still on its way, or lost
        // and not yet retried, is at the provider and not yet in the log.) States and views are
        // read in place: a copy of each would retain every string in it.
        var loggedNet: [CustomerID: Int64] = [:]
        for order in orders where quiescent {
            guard let customer = order.state?.customerID else { continue }
            loggedNet[customer, default: 0] += (order.state!.debited?.minorUnits ?? 0) - (order.state!.refunded?.minorUnits ?? 0)
        }
        for (customer, initial) in initialBalances.sorted(by: { $0.key < $1.key }) {
            let balance = world.provider.balances[customer] ?? 0
            if balance < 0 { fail("balance-non-negative", nil, "customer \(customer) is at \(balance)") }
            guard quiescent else { continue }
            let taken = initial - balance
            let logged = loggedNet[customer] ?? 0
            if taken != logged {
                fail("charged-once", nil, "customer \(customer) paid \(taken) net at the provider but the log accounts for \(logged)")
            }
        }

        guard quiescent else { return found }
        // Every appended event reached the bus at least once; every published one a consumer
        // group acts on was handled to the end by one of its members (a group with no live
        // member is not held to it). One pass over the log; the second checker's findings follow
        // the first's.
        let storeUp = world.isUp(.eventstore)
        // A group that handled as many different events as the log holds of the types it acts
        // on handled them all (it is only ever handed those): only the others are looked into.
        let groups = world.consumption.groups.filter { group in
            let logged = EventType.allCases.reduce(0) { $0 + (group.interests & $1.bit != 0 ? world.log.count($1) : 0) }
            return world.hasLiveMember(group.name) && group.handled.count != logged
        }
        let interests = groups.map(\.interests), handled = groups.map(\.handled)
        var unhandled: [Violation] = []
        for e in world.store.snapshot() {
            guard world.log.wasPublished(e.globalPosition) else {
                if storeUp { fail("published", e.orderID, "event at position \(e.globalPosition) (\(e.type.rawValue)) never published") }
                continue
            }
            let bit = e.type.bit
            for g in interests.indices where interests[g] & bit != 0 && !handled[g].contains(e.globalPosition) {
                unhandled.append(Violation(checker: "consumed", order: e.orderID,
                                           message: "group \(groups[g].name) never handled its \(e.type.rawValue) (position \(e.globalPosition))", at: now))
            }
        }
        found += unhandled

        // Goods: once quiet, the warehouse took stock for exactly the orders the log approved and
        // shipped exactly the parcels the log records (a parcel shipped twice is never undone).
        let ledger = world.warehouse.ledger
        let approved = world.log.count(.approved), shipped = world.log.count(.shipped)
        if ledger.parcelsShipped != shipped {
            fail("warehouse-books", nil, "the warehouse shipped \(ledger.parcelsShipped) parcels but the log records \(shipped) shipments")
        }
        if ledger.stockReservations != approved {
            fail("warehouse-books", nil, "the warehouse took stock for \(ledger.stockReservations) orders but the log approved \(approved)")
        }
        // Liveness, once quiet: every order ended, and the read model is the fold of the log.
        world.views.inspectViews { views in
            for order in orders {
                guard let status = order.state?.status else { continue }
                if !status.isTerminal { fail("terminal", order.id, "stuck in '\(status.rawValue)'") }
                if status == .cancelled, order.state!.debited != nil, order.state!.refunded == nil {
                    fail("refund-matches-debit", order.id, "cancelled but its debit was never refunded")
                }
                if let difference = order.readModelDifference(in: &views) {
                    let seen = views[order.id].map { "version \($0.version) '\($0.status.rawValue)'" } ?? "no view"
                    fail("read-model", order.id,
                         "read model has \(seen), the log folds to version \(order.state!.version) '\(status.rawValue)': \(difference)")
                }
            }
        }
        return found
    }
}
