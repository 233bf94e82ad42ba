import Foundation

/// One line of an order: how many of which SKU at what unit price (minor units).
public struct OrderLine: Hashable, Sendable, Codable {
    public var sku: SKU
    public var quantity: Int64
    public var unitPrice: Int64

    public init(sku: SKU, quantity: Int64, unitPrice: Int64) {
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
    }
}

/// The type names of order events as they appear on the log and the bus.
public enum EventType: String, Hashable, Sendable, Codable, CaseIterable, BitwiseCopyable {
    case orderCreated = "order-created"
    case paymentDebited = "order-payment-debited"
    case paymentDeclined = "order-payment-declined"
    case approved = "order-approved"
    case shipped = "order-shipped"
    case shipmentFailed = "order-shipment-failed"
    case paymentRefunded = "order-payment-refunded"
    case cancelled = "order-cancelled"

    /// The type named `name`, or an `invalidArgument` error listing the known names.
    public init(named name: String) throws(CausewayError) {
        guard let type = EventType(rawValue: name) else {
            let known = EventType.allCases.map(\.rawValue).joined(separator: ", ")
            throw CausewayError(.invalidArgument, "unknown event type '\(name)'; known: \(known)")
        }
        self = type
    }

    /// The type's position in `allCases`: an index for tables kept per type.
    public var ordinal: Int {
        switch self {
        case .orderCreated: 0
        case .paymentDebited: 1
        case .paymentDeclined: 2
        case .approved: 3
        case .shipped: 4
        case .shipmentFailed: 5
        case .paymentRefunded: 6
        case .cancelled: 7
        }
    }

    /// Hashes the case, not its name (a raw-value enum hashes its string by default, and every
    /// delivery is checked against a set of types).
    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }

    /// The type's bit in a mask of types (``mask(of:)``): one bit per type, by its ordinal, so a
    /// record is checked against a set of types without hashing.
    @inlinable
    public var bit: UInt64 { 1 << UInt64(ordinal) }

    /// The mask with the bits of `types`.
    public static func mask(of types: some Sequence<EventType>) -> UInt64 {
        types.reduce(0) { $0 | $1.bit }
    }
}

/// Payload of `order-created`.
public struct OrderCreated: Hashable, Sendable, Codable {
    public var orderID: OrderID
    public var customerID: CustomerID
    public var lines: [OrderLine]
    public var total: Money
    /// The client's idempotency key, when it sent one.
    public var clientKey: String?

    public init(orderID: OrderID, customerID: CustomerID, lines: [OrderLine], total: Money, clientKey: String?) {
        self.orderID = orderID
        self.customerID = customerID
        self.lines = lines
        self.total = total
        self.clientKey = clientKey
    }
}

/// A domain event of the order stream, with its typed payload.
///
/// Each case's payload has a canonical JSON form (see ``encodedPayload()``) that adapters put on
/// the wire; in process the typed value travels, so nobody parses JSON on the hot path.
public enum OrderEvent: Hashable, Sendable {
    case created(OrderCreated)
    case paymentDebited(amount: Money, chargeID: String)
    case paymentDeclined(reason: String)
    case approved
    case shipped(trackingID: String)
    case shipmentFailed(reason: String)
    case paymentRefunded(amount: Money)
    case cancelled(reason: String)

    /// The event's type name.
    public var type: EventType {
        switch self {
        case .created: .orderCreated
        case .paymentDebited: .paymentDebited
        case .paymentDeclined: .paymentDeclined
        case .approved: .approved
        case .shipped: .shipped
        case .shipmentFailed: .shipmentFailed
        case .paymentRefunded: .paymentRefunded
        case .cancelled: .cancelled
        }
    }
}

extension OrderEvent {
    private struct Debited: Codable { var amount: Money; var chargeID: String }
    private struct Reason: Codable { var reason: String }
    private struct Shipped: Codable { var trackingID: String }
    private struct Refunded: Codable { var amount: Money }
    private struct Empty: Codable {}

    /// The payload as canonical JSON (sorted keys, UTF-8).
    public func encodedPayload() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch self {
        case .created(let p): data = try? encoder.encode(p)
        case .paymentDebited(let amount, let chargeID): data = try? encoder.encode(Debited(amount: amount, chargeID: chargeID))
        case .paymentDeclined(let reason), .shipmentFailed(let reason), .cancelled(let reason):
            data = try? encoder.encode(Reason(reason: reason))
        case .approved: data = try? encoder.encode(Empty())
        case .shipped(let trackingID): data = try? encoder.encode(Shipped(trackingID: trackingID))
        case .paymentRefunded(let amount): data = try? encoder.encode(Refunded(amount: amount))
        }
        return Array(data ?? Data("{}".utf8))
    }

    /// Decodes an event from its type name and JSON payload, or throws `invalidArgument` saying why.
    public init(type: String, payload: [UInt8]) throws(CausewayError) {
        let kind = try EventType(named: type)
        let decoder = JSONDecoder()
        let data = Data(payload)
        do {
            switch kind {
            case .orderCreated: self = .created(try decoder.decode(OrderCreated.self, from: data))
            case .paymentDebited:
                let p = try decoder.decode(Debited.self, from: data)
                self = .paymentDebited(amount: p.amount, chargeID: p.chargeID)
            case .paymentDeclined: self = .paymentDeclined(reason: try decoder.decode(Reason.self, from: data).reason)
            case .approved:
                _ = try decoder.decode(Empty.self, from: data)
                self = .approved
            case .shipped: self = .shipped(trackingID: try decoder.decode(Shipped.self, from: data).trackingID)
            case .shipmentFailed: self = .shipmentFailed(reason: try decoder.decode(Reason.self, from: data).reason)
            case .paymentRefunded: self = .paymentRefunded(amount: try decoder.decode(Refunded.self, from: data).amount)
            case .cancelled: self = .cancelled(reason: try decoder.decode(Reason.self, from: data).reason)
            }
        } catch let error as CausewayError {
            throw error
        } catch {
            throw CausewayError(.invalidArgument, "payload of '\(type)' does not match its schema: \(error)")
        }
    }
}
