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
}
