/// A filter and page over the order read model.
public struct OrderQuery: Hashable, Sendable {
    public var customerID: CustomerID?
    public var status: OrderStatus?
    public var limit: Int
    /// Return orders whose id sorts after this one (keyset pagination).
    public var after: OrderID?

    public init(customerID: CustomerID? = nil, status: OrderStatus? = nil, limit: Int = 50, after: OrderID? = nil) {
        self.customerID = customerID
        self.status = status
        self.limit = limit
        self.after = after
    }
}

/// Where the query workers keep the order read model. Writes are compare-and-set on the view's
/// version, so two workers that briefly own the same partition cannot overwrite newer with older.
public protocol ReadModelStore: Sendable {
    /// The view of one order, if any event of it has been projected.
    func view(of order: OrderID) async throws -> OrderView?
    /// Stores `view` if the stored view's version is still `replacingVersion` (0: none stored).
    /// Returns false, writing nothing, when someone else moved it first.
    func save(_ view: OrderView, replacingVersion: Int64) async throws -> Bool
    /// Orders matching the query, sorted by order id.
    func list(_ query: OrderQuery) async throws -> [OrderView]
    /// Applies `event` to the stored view of `order` if it is that view's next version (or, with
    /// no view stored, the order's first event), where the view is stored when the store can.
    /// Writes nothing when the view is at or past the event, or further behind.
    func apply(_ event: RecordedEvent, to order: OrderID) async throws -> ReadModelApply
}

/// What ``ReadModelStore/apply(_:to:)`` did.
public enum ReadModelApply: Hashable, Sendable {
    /// The event was the view's next version: it is applied.
    case applied
    /// The view already holds the event (a redelivery), or the event cannot start a view.
    case skipped
    /// The view is more than one version behind the event (or missing): nothing was written;
    /// the caller fills the gap from the log.
    case behind(OrderView?)
}

extension ReadModelApply {
    // The rule every read model's ``ReadModelStore/apply(_:to:)`` follows, in two halves so that a
    // store can apply an event to a view it holds without taking it out of its table.

    /// For an order with no view yet: the view `event` starts (`.applied`), or why it starts none.
    public static func start(_ event: RecordedEvent) -> (ReadModelApply, OrderView?) {
        guard event.streamVersion == 1 else { return (.behind(nil), nil) }
        guard let first = OrderView(first: event) else { return (.skipped, nil) }
        return (.applied, first)
    }

    /// Applies `event` to `view` where it is; `view` is changed only when the result is `.applied`.
    public static func apply(_ event: RecordedEvent, to view: inout OrderView) -> ReadModelApply {
        if event.streamVersion <= view.version { return .skipped }
        return view.apply(event) ? .applied : .behind(view)
    }
}

extension ReadModelStore {
    /// ``apply(_:to:)`` as a read and a compare-and-set, retried while others move the view.
    public func apply(_ event: RecordedEvent, to order: OrderID) async throws -> ReadModelApply {
        while true {
            let outcome: ReadModelApply, next: OrderView?, version: Int64
            if var view = try await view(of: order) {
                version = view.version
                outcome = ReadModelApply.apply(event, to: &view)
                next = view
            } else {
                version = 0
                (outcome, next) = ReadModelApply.start(event)
            }
            guard case .applied = outcome, let next else { return outcome }
            if try await save(next, replacingVersion: version) { return .applied }
        }
    }
}
