public import Core

/// The simulator's own bookkeeping of the log, built from append notifications: each order's
/// folded state, when it reached each status, and how many events of each type it has.
public final class LogModel: SimFactObserver, @unchecked Sendable {
    public private(set) var states: [OrderID: OrderState] = [:]
    public private(set) var reachedAt: [OrderID: [OrderStatus: Timestamp]] = [:]
    public private(set) var countsByOrder: [OrderID: [EventType: Int]] = [:]
    public private(set) var counts: [EventType: Int] = [:]
    /// Global positions published to the bus at least once.
    public private(set) var publishedPositions = Set<Int64>()

    func appended(_ events: [RecordedEvent], at now: Timestamp) {
        for e in events {
            guard let order = e.streamID.orderID else { continue }
            let next = OrderState.evolve(states[order], e)
            states[order] = next
            if let status = next?.status, reachedAt[order]?[status] == nil { reachedAt[order, default: [:]][status] = now }
            countsByOrder[order, default: [:]][e.type, default: 0] += 1
            counts[e.type, default: 0] += 1
        }
    }

    func published(_ event: RecordedEvent) {
        publishedPositions.insert(event.globalPosition)
    }
}
