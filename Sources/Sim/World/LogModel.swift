public import Core

/// The simulator's own bookkeeping of the log, built from append notifications: each order's
/// folded state, the view the read model must come to hold of it, when it reached each status,
/// and how many events of each type it has.
///
/// It sees every append of a run, so it is kept cheap: one dictionary lookup per event, each
/// order's facts in one object changed in place, counts in arrays indexed by event type, and no
/// runtime exclusivity checks (it is only touched on the simulator thread).
public final class LogModel: SimFactObserver, @unchecked Sendable {
    /// What the log says about one order.
    public final class Order {
        public let id: OrderID
        /// The fold of the order's stream.
        @exclusivity(unchecked) public fileprivate(set) var state: OrderState?
        /// The history of the view the stream folds to (see ``OrderView/fold(_:)``): its events,
        /// while the stream is a gapless sequence from `order-created` at version 1; nil once it
        /// is not. With `state`, that is the whole view, so the end-of-run check needs no fold.
        @exclusivity(unchecked) fileprivate var history: [OrderHistoryEntry]?
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

        init(id: OrderID) { self.id = id }

        /// How the view `views` holds of the order differs from the view its stream folds to (for
        /// a stream without one, that a view is held at all); nil if it does not. Compared where
        /// it is stored (`views` is `inout` for that alone): a copy would retain every string in it.
        func readModelDifference(in views: inout [OrderID: OrderView]) -> String? {
            let held = views.index(forKey: id)
            switch (held, history) {
            case (nil, nil):
                return nil
            case (let held?, let history?):
                return Self.difference(of: &views.values[held], from: history, state: &state)
            case (nil, _?):
                return "it holds no view"
            case (_?, nil):
                return "it holds a view of a stream that does not start with order-created"
            }
        }

        /// (`state` is `inout`, like `view`, for the same reason: comparing the optional in place
        /// with `==` copied both states, and the optional twice over.)
        private static func difference(of view: inout OrderView, from history: [OrderHistoryEntry], state: inout OrderState?) -> String? {
            guard case .some = state, view.state == state! else { return "its state differs from the fold of the stream" }
            let seen = view.history
            if seen == history { return nil }
            func show(_ e: OrderHistoryEntry) -> String { "version \(e.version) '\(e.type.rawValue)' at \(e.at)" }
            if let i = seen.indices.first(where: { $0 < history.count && seen[$0] != history[$0] }) {
                return "its history has \(show(seen[i])) where the stream has \(show(history[i]))"
            }
            return "its history has \(seen.count) entries, the stream \(history.count) events"
        }

        /// Folds in the order's next event, and keeps the view's history by the view's own rules:
        /// it starts where ``OrderView/starts(with:)`` says and takes only the next version.
        @inline(__always)
        fileprivate func add(_ e: RecordedEvent) {
            let entry = OrderHistoryEntry(e)
            if let version = state?.version {
                if history != nil {
                    if e.streamVersion == version + 1 { history!.append(entry) } else { history = nil }
                }
            } else if OrderView.starts(with: e) {
                var first: [OrderHistoryEntry] = []
                first.reserveCapacity(4)  // an order that ships has four events
                first.append(entry)
                history = first
            }
            OrderState.evolve(&state, e)
        }
    }

    /// Every order with at least one event.
    /// (Brought up to date when asked: a run asks each time a client is told its order was
    /// accepted, and for its expectations at the end; an append finds its order by the stream's
    /// number instead.)
    public var orders: [OrderID: Order] {
        for order in inLogOrder[indexed...] { byID[order.id] = order }
        indexed = inLogOrder.count
        return byID
    }
    @exclusivity(unchecked) private var byID: [OrderID: Order] = [:]
    /// How many of `inLogOrder` are in `byID`.
    @exclusivity(unchecked) private var indexed = 0
    /// The same orders, in the order the log first mentions them.
    @exclusivity(unchecked) public private(set) var inLogOrder: [Order] = []
    /// Each stream's order, by the store's number of the stream (nil for a stream of no order).
    @exclusivity(unchecked) private var byStream: [Order?] = []
    @exclusivity(unchecked) private var counts = EventTypeCounts()
    /// Whether each global position was published to the bus (index: position).
    @exclusivity(unchecked) private var published: [Bool] = [false]

    /// Makes room for `orders` orders of about `events` events in all.
    func reserveCapacity(orders: Int, events: Int) {
        inLogOrder.reserveCapacity(orders)
        byStream.reserveCapacity(orders)
        byID.reserveCapacity(orders)
        published.reserveCapacity(events + 1)
    }

    /// How many events of `type` the whole log holds.
    public func count(_ type: EventType) -> Int { counts[type] }

    /// Whether the event at `position` was published to the bus at least once.
    public func wasPublished(_ position: Int64) -> Bool {
        position >= 0 && position < published.count && published[Int(position)]
    }

    /// The order whose events the store numbers `stream` (see `EventStoreObserver`), if the
    /// stream is an order's and has events: an append's other observers ask for it right after
    /// the log model has folded the append in.
    func order(stream: Int) -> Order? {
        stream < byStream.count ? byStream[stream] : nil
    }

    func appended(_ events: ArraySlice<RecordedEvent>, stream: Int, at now: Timestamp) {
        if stream >= byStream.count { byStream.append(contentsOf: repeatElement(nil, count: stream - byStream.count + 1)) }
        for e in events {
            counts[e.type] += 1
            guard let id = e.orderID else { continue }
            let order: Order
            if let known = byStream[stream] {
                order = known
            } else {
                order = Order(id: id)
                byStream[stream] = order
                inLogOrder.append(order)
            }
            order.add(e)
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
