public import Core

/// The simulator's own bookkeeping of the log, built from append notifications: each order's
/// folded state, when it reached each status, and how many events of each type it has.
///
/// It sees every append of a run, so it is kept cheap: one dictionary lookup per event, each
/// order's facts in one object changed in place, counts in arrays indexed by event type, and no
/// runtime exclusivity checks (it is only touched on the simulator thread).
public final class LogModel: SimFactObserver, @unchecked Sendable {
    /// What the log says about one order.
    public final class Order {
        /// The fold of the order's stream.
        @exclusivity(unchecked) public fileprivate(set) var state: OrderState?
        /// When the order first reached each status, by the status's position in `allCases`
        /// (inline: no allocation per order; a status past the end would trap at once).
        @exclusivity(unchecked) fileprivate var reached = InlineArray<7, Timestamp?>(repeating: nil)
        @exclusivity(unchecked) fileprivate var counts = EventTypeCounts()
        /// The stream version the step checker saw last: kept here so that checking an event
        /// costs the checker no lookup of its own.
        @exclusivity(unchecked) var checkedVersion: Int64 = 0

        /// When the order first reached `status`, if it did.
        public func reachedAt(_ status: OrderStatus) -> Timestamp? { reached[status.ordinal] }

        /// How many events of `type` the order's stream holds.
        public func count(_ type: EventType) -> Int { counts[type] }
    }

    /// Every order with at least one event.
    @exclusivity(unchecked) public private(set) var orders: [OrderID: Order] = [:]
    @exclusivity(unchecked) private var counts = EventTypeCounts()
    /// Whether each global position was published to the bus (index: position).
    @exclusivity(unchecked) private var published: [Bool] = [false]

    /// How many events of `type` the whole log holds.
    public func count(_ type: EventType) -> Int { counts[type] }

    /// Whether the event at `position` was published to the bus at least once.
    public func wasPublished(_ position: Int64) -> Bool {
        position >= 0 && position < published.count && published[Int(position)]
    }

    /// The order of the last event folded in: an append's observers ask for it right after.
    @exclusivity(unchecked) private var last: (id: OrderID, order: Order)?

    /// The facts of order `id`, if it has any events.
    func order(_ id: OrderID) -> Order? {
        if let last, last.id == id { return last.order }
        return orders[id]
    }

    func appended(_ events: [RecordedEvent], at now: Timestamp) {
        for e in events {
            counts[e.type] += 1
            guard let id = e.orderID else { continue }
            let order: Order
            if let known = self.order(id) {
                order = known
            } else {
                order = Order()
                orders[id] = order
            }
            last = (id, order)
            OrderState.evolve(&order.state, e)
            if let status = order.state?.status, order.reached[status.ordinal] == nil { order.reached[status.ordinal] = now }
            order.counts[e.type] += 1
        }
    }

    func published(_ event: RecordedEvent) {
        let position = Int(event.globalPosition)
        guard position >= 0 else { return }
        if position >= published.count { published.append(contentsOf: repeatElement(false, count: position - published.count + 1)) }
        published[position] = true
    }
}

/// A count per event type, in a fixed inline array rather than a dictionary (a type past the end
/// would trap at once).
struct EventTypeCounts {
    private var values = InlineArray<8, Int>(repeating: 0)

    subscript(type: EventType) -> Int {
        get { values[type.ordinal] }
        set { values[type.ordinal] = newValue }
    }
}
