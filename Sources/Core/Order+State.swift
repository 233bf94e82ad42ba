/// Where an order is in its life.
public enum OrderStatus: String, Hashable, Sendable, Codable, CaseIterable {
    case created
    case paid
    case paymentDeclined = "payment-declined"
    case approved
    case shipped
    case shipmentFailed = "shipment-failed"
    case cancelled

    /// Shipped and cancelled are the only ends of an order's life.
    public var isTerminal: Bool { self == .shipped || self == .cancelled }
}

/// The fold of an order's stream: everything the deciders need to know about one order.
public struct OrderState: Hashable, Sendable, Codable {
    public var orderID: OrderID
    public var customerID: CustomerID
    public var lines: [OrderLine]
    public var total: Money
    public var clientKey: String?
    public var status: OrderStatus
    /// The last stream version folded in.
    public var version: Int64
    public var createdAt: Timestamp
    /// The correlation id of the order's flow (the creating request).
    public var correlationID: String
    /// The amount debited, once `order-payment-debited` is in the stream.
    public var debited: Money?
    public var refunded: Money?
    public var declineReason: String?
    public var shipmentFailure: String?
    public var cancelReason: String?
    public var trackingID: String?
    /// True once `order-approved` is in the stream.
    public var approved: Bool

    /// The state after an order's first event.
    public init(created: OrderCreated, at event: RecordedEvent) {
        orderID = created.orderID
        customerID = created.customerID
        lines = created.lines
        total = created.total
        clientKey = created.clientKey
        status = .created
        version = event.streamVersion
        createdAt = event.occurredAt
        correlationID = event.correlationID
        approved = false
    }

    /// Folds a whole stream; nil for an empty stream or one that does not start with `order-created`.
    public static func fold(_ events: some Sequence<RecordedEvent>) -> OrderState? {
        var state: OrderState?
        for event in events { state = OrderState.evolve(state, event) }
        return state
    }

    /// Applies one recorded event. Events are facts: evolve never rejects one, it records it.
    /// The status only moves forward: a late fact (a debit after a cancel) is kept in its own
    /// field without reopening a terminal order.
    public static func evolve(_ state: OrderState?, _ event: RecordedEvent) -> OrderState? {
        guard var s = state else {
            if case .created(let created) = event.event { return OrderState(created: created, at: event) }
            return nil
        }
        s.version = event.streamVersion
        switch event.event {
        case .created:
            break
        case .paymentDebited(let amount, _):
            s.debited = amount
            if s.status == .created { s.status = .paid }
        case .paymentDeclined(let reason):
            s.declineReason = reason
            if s.status == .created { s.status = .paymentDeclined }
        case .approved:
            s.approved = true
            if s.status == .paid { s.status = .approved }
        case .shipped(let trackingID):
            s.trackingID = trackingID
            if !s.status.isTerminal { s.status = .shipped }
        case .shipmentFailed(let reason):
            s.shipmentFailure = reason
            if !s.status.isTerminal { s.status = .shipmentFailed }
        case .paymentRefunded(let amount):
            s.refunded = amount
        case .cancelled(let reason):
            s.cancelReason = reason
            if !s.status.isTerminal { s.status = .cancelled }
        }
        return s
    }
}
