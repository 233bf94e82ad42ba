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

extension ReadModelStore {
    /// ``apply(_:to:)`` as a read and a compare-and-set, retried while others move the view.
    public func apply(_ event: RecordedEvent, to order: OrderID) async throws -> ReadModelApply {
        while true {
            var current = try await view(of: order)
            let version = current?.version ?? 0
            if event.streamVersion <= version { return .skipped }
            let next: OrderView
            if current != nil, current!.apply(event) {
                next = current!
            } else if current == nil, event.streamVersion == 1 {
                guard let first = OrderView(first: event) else { return .skipped }
                next = first
            } else {
                return .behind(current)
            }
            if try await save(next, replacingVersion: version) { return .applied }
        }
    }
}
