/// One entry of an order's history in the read model.
public struct OrderHistoryEntry: Hashable, Sendable, Codable {
    public var version: Int64
    public var type: EventType
    public var at: Timestamp

    public init(version: Int64, type: EventType, at: Timestamp) {
        self.version = version
        self.type = type
        self.at = at
    }

    /// The entry of a recorded event.
    public init(_ event: RecordedEvent) {
        self.init(version: event.streamVersion, type: event.type, at: event.recordedAt)
    }
}

/// The read model of one order, as the query workers keep it and the query API serves it.
/// It is the fold of the order's stream, plus the history of event types with their times.
public struct OrderView: Hashable, Sendable, Codable {
    public var state: OrderState
    public var history: [OrderHistoryEntry]

    public var orderID: OrderID { state.orderID }
    public var version: Int64 { state.version }
    public var status: OrderStatus { state.status }

    /// Applies one event if it is the next version; returns nil for anything else (the caller
    /// skips duplicates and fills gaps from the store).
    public func applying(_ event: RecordedEvent) -> OrderView? {
        var view = self
        return view.apply(event) ? view : nil
    }

    /// ``applying(_:)`` in place; returns false (and changes nothing) unless `event` is the next version.
    public mutating func apply(_ event: RecordedEvent) -> Bool {
        guard event.streamVersion == version + 1 else { return false }
        state.apply(event)
        history.append(OrderHistoryEntry(event))
        return true
    }

    /// Whether `event` starts a view: a stream's `order-created` at version 1.
    public static func starts(with event: RecordedEvent) -> Bool {
        guard event.streamVersion == 1, case .created = event.event else { return false }
        return true
    }

    /// The view of a stream's first event.
    public init?(first event: RecordedEvent) {
        guard Self.starts(with: event), case .created(let created) = event.event else { return nil }
        state = OrderState(created: created, at: event)
        history = []
        history.reserveCapacity(4)  // an order that ships has four events: no regrowth on the way
        history.append(OrderHistoryEntry(event))
    }

    /// The view of a whole stream (the reference a checker compares the read model with).
    public static func fold(_ events: [RecordedEvent]) -> OrderView? {
        guard let first = events.first, var view = OrderView(first: first) else { return nil }
        for event in events.dropFirst() {
            guard view.apply(event) else { return nil }
        }
        return view
    }
}
