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
        let log = world.store.snapshot()
        // Each order stream folded once, in one pass over the log, for every check below; orders
        // in the order the log first mentions them (so a run reports its violations in a
        // deterministic order without sorting).
        var index: [OrderID: Int] = [:]
        index.reserveCapacity(log.count / 4)
        var folds: [StreamFold] = []
        folds.reserveCapacity(log.count / 4)
        for e in log {
            guard let order = e.orderID else { continue }
            if let i = index[order] {
                folds[i].add(e)
            } else {
                index[order] = folds.count
                folds.append(StreamFold(first: e, order: order))
            }
        }

        // Money: the provider's books agree with the log, customer by customer; nobody is below zero.
        // (Folds and views are read in place: a copy of each would retain every string in it.)
        var loggedNet: [CustomerID: Int64] = [:]
        for i in folds.indices {
            folds[i].withState { state in
                loggedNet[state.customerID, default: 0] += (state.debited?.minorUnits ?? 0) - (state.refunded?.minorUnits ?? 0)
            }
        }
        for (customer, initial) in initialBalances.sorted(by: { $0.key < $1.key }) {
            let balance = world.provider.balances[customer] ?? 0
            if balance < 0 { fail("balance-non-negative", nil, "customer \(customer) is at \(balance)") }
            let taken = initial - balance
            let logged = loggedNet[customer] ?? 0
            if taken != logged {
                fail("charged-once", nil, "customer \(customer) paid \(taken) net at the provider but the log accounts for \(logged)")
            }
        }

        // Every appended event reached the bus at least once.
        if quiescent, world.isUp(.eventstore) {
            for e in log where !world.log.wasPublished(e.globalPosition) {
                fail("published", e.orderID, "event at position \(e.globalPosition) (\(e.type.rawValue)) never published")
            }
        }

        guard quiescent else { return found }
        // Liveness, once quiet: every order ended, and the read model is the fold of the log.
        let views = world.views.snapshot()
        for i in folds.indices {
            let order = folds[i].order
            folds[i].withState { state in
                if !state.status.isTerminal { fail("terminal", order, "stuck in '\(state.status.rawValue)'") }
                if state.status == .cancelled, state.debited != nil, state.refunded == nil {
                    fail("refund-matches-debit", order, "cancelled but its debit was never refunded")
                }
                if !folds[i].viewAgrees(with: views) {
                    let seen = views[order].map { "version \($0.version) '\($0.status.rawValue)'" } ?? "no view"
                    fail("read-model", order, "read model has \(seen), the log folds to version \(state.version) '\(state.status.rawValue)'")
                }
            }
        }
        return found
    }
}

/// One order's stream folded as the log is read: its state, and the view the read model must hold
/// (nil once the stream is not a gapless sequence from version 1). While the view holds, the state
/// is the view's own (a view is the state plus a history), so each event is folded once.
private struct StreamFold {
    let order: OrderID
    private var separate: OrderState?
    private(set) var view: OrderView?

    /// Whether the read model holds exactly the view the stream folds to (or, for a stream with
    /// no view, holds none).
    func viewAgrees(with views: [OrderID: OrderView]) -> Bool {
        switch (views.index(forKey: order), view != nil) {
        case (nil, false): true
        case (let held?, true): views.values[held] == view!
        default: false
        }
    }

    /// Calls `body` with the stream's state, read where it is; nil if the stream has none.
    func withState<R>(_ body: (OrderState) -> R) -> R? {
        if view != nil { return body(view!.state) }
        if separate != nil { return body(separate!) }
        return nil
    }

    init(first event: RecordedEvent, order: OrderID) {
        self.order = order
        view = OrderView(first: event)
        if view == nil { OrderState.evolve(&separate, event) }
    }

    mutating func add(_ event: RecordedEvent) {
        if view != nil {
            if view!.apply(event) { return }
            separate = view!.state
            view = nil
        }
        OrderState.evolve(&separate, event)
    }
}
