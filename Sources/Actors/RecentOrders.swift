public import Core

/// A bounded memory of orders: holds the last `capacity` orders inserted and forgets the oldest
/// first. What a service keeps to skip work it knows is done, where forgetting only costs
/// doing the check again.
public struct RecentOrders: Sendable {
    public let capacity: Int
    private var members: Set<OrderID> = []
    /// Insertion order, as a ring: `ring[next]` is the oldest once the ring is full.
    private var ring: [OrderID] = []
    private var next = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a memory of orders needs room for one")
        self.capacity = capacity
    }

    public func contains(_ order: OrderID) -> Bool { members.contains(order) }

    /// Remembers `order`, forgetting the oldest one when full.
    public mutating func insert(_ order: OrderID) {
        guard members.insert(order).inserted else { return }
        if ring.count < capacity {
            ring.append(order)
        } else {
            members.remove(ring[next])
            ring[next] = order
            next = (next + 1) % capacity
        }
    }
}
