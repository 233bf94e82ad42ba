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

    /// The status's position in `allCases`: an index for tables kept per status.
    public var ordinal: Int {
        switch self {
        case .created: 0
        case .paid: 1
        case .paymentDeclined: 2
        case .approved: 3
        case .shipped: 4
        case .shipmentFailed: 5
        case .cancelled: 6
        }
    }

    /// Hashes the case, not its name (a raw-value enum hashes its string by default).
    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }
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

    /// Folds a whole stream; nil for an empty stream or one that does not start with `order-created`.
    @inlinable  // specialised where it is called, instead of iterating through witness tables
    public static func fold(_ events: some Sequence<RecordedEvent>) -> OrderState? {
        var state: OrderState?
        for event in events { evolve(&state, event) }
        return state
    }

    /// Applies one recorded event. Events are facts: evolve never rejects one, it records it.
    /// The status only moves forward: a late fact (a debit after a cancel) is kept in its own
    /// field without reopening a terminal order.
    public static func evolve(_ state: OrderState?, _ event: RecordedEvent) -> OrderState? {
        var next = state
        evolve(&next, event)
        return next
    }

    /// ``evolve(_:_:)`` in place: the state is changed where it is stored rather than copied,
    /// which is what folds and the simulator's bookkeeping do for every event.
    public static func evolve(_ state: inout OrderState?, _ event: RecordedEvent) {
        // Optional chaining changes the state where it is; comparing it with nil would copy it.
        if state?.apply(event) == nil, case .created(let created) = event.event {
            state = OrderState(created: created, at: event)
        }
    }

    /// Applies an event to an order that exists (see ``evolve(_:_:)``).
    public mutating func apply(_ event: RecordedEvent) {
        apply(event.event, version: event.streamVersion)
    }

    /// ``apply(_:)`` of an event at stream version `version`: what a writer folds in after its
    /// own append, without making a recorded event for it first.
    public mutating func apply(_ event: OrderEvent, version: Int64) {
        self.version = version
        switch event {
        case .created:
            break
        case .paymentDebited(let amount, _):
            debited = amount
            if status == .created { status = .paid }
        case .paymentDeclined(let reason):
            declineReason = reason
            if status == .created { status = .paymentDeclined }
        case .approved:
            approved = true
            if status == .paid { status = .approved }
        case .shipped(let trackingID):
            self.trackingID = trackingID
            if !status.isTerminal { status = .shipped }
        case .shipmentFailed(let reason):
            shipmentFailure = reason
            if !status.isTerminal { status = .shipmentFailed }
        case .paymentRefunded(let amount):
            refunded = amount
        case .cancelled(let reason):
            cancelReason = reason
            if !status.isTerminal { status = .cancelled }
        }
    }
}

extension OrderState {
    /// The state after an order's first event.
    // Through the memberwise initializer, which the optimizer builds where the state is stored.
    // Assigned field by field, in the type's body or through a hand-written initializer of every
    // field, the state was built in a temporary and copied out, every string in it retained and
    // released once more. Declared in an extension, so the type keeps its memberwise initializer.
    @inline(__always)
    public init(created: OrderCreated, at event: RecordedEvent) {
        self.init(orderID: created.orderID, customerID: created.customerID, lines: created.lines, total: created.total,
                  clientKey: created.clientKey, status: .created, version: event.streamVersion, createdAt: event.occurredAt,
                  correlationID: event.correlationID, approved: false)
    }
}
