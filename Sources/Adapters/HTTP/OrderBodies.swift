import Core
import Foundation

/// One order line, in requests and responses.
struct ItemBody: Codable {
    var sku: String
    var quantity: Int64
    var unitPrice: Int64
}

/// `POST /orders` as it arrives: plain JSON types, validated field by field afterwards so each
/// problem names its field.
struct PlaceOrderBody: Decodable {
    var customerId: String
    var currency: String
    var items: [ItemBody]

    /// The command, or the first problem, naming its field.
    func command(clientKey: String?) throws(BadRequest) -> PlaceOrder {
        func id<ID: ValidatedID>(_ raw: String, at field: String) throws(BadRequest) -> ID {
            do { return try ID(raw) } catch { throw .unprocessable("\(field): \(error.message)") }
        }
        let customer: CustomerID = try id(customerId, at: "customerId")
        let currency: Currency
        do { currency = try Currency(self.currency) } catch { throw .unprocessable("currency: \(error.message)") }
        var lines: [OrderLine] = []
        for (i, item) in items.enumerated() {
            let sku: SKU = try id(item.sku, at: "items[\(i)].sku")
            lines.append(OrderLine(sku: sku, quantity: item.quantity, unitPrice: item.unitPrice))
        }
        let command = PlaceOrder(customerID: customer, lines: lines, currency: currency, clientKey: clientKey)
        do { _ = try OrderDecider.validate(command) } catch { throw .unprocessable(error.message) }
        return command
    }

    /// Decodes the body, turning decoding errors into problems that name the field.
    static func decode(_ bytes: [UInt8]) throws(BadRequest) -> PlaceOrderBody {
        do {
            return try JSONDecoder().decode(PlaceOrderBody.self, from: Data(bytes))
        } catch let error as DecodingError {
            // The decoder calls a number beyond 64 bits, or one with a fraction, invalid JSON; say
            // which field it was.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
                let tree = try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
            {
                if let (field, problem) = badNumber(tree, at: "") { throw .invalid("field '\(field)' \(problem)") }
                throw .invalid("the body does not match the order schema")
            }
            throw .invalid(describe(error))
        } catch {
            throw .invalid("the body is not valid JSON")
        }
    }

    /// The first number in `tree` that is not a 64-bit integer: its path, and what is wrong with it.
    static func badNumber(_ tree: Any, at path: String) -> (field: String, problem: String)? {
        if let object = tree as? [String: Any] {
            for key in object.keys.sorted() {
                if let found = badNumber(object[key]!, at: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
        } else if let array = tree as? [Any] {
            for (i, element) in array.enumerated() {
                if let found = badNumber(element, at: "\(path)[\(i)]") { return found }
            }
        } else if let number = tree as? NSNumber, !(tree is Bool) {
            let value = number.doubleValue
            if value >= 9.223372036854775807e18 || value < -9.223372036854775808e18 {
                return (path, "is out of range (integers are 64-bit minor units)")
            }
            if value.rounded(.towardZero) != value { return (path, "must be an integer (got \(number))") }
        }
        return nil
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue { out += "[\(index)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return "missing field '\(field)'"
        case .typeMismatch(_, let context) where context.codingPath.isEmpty,
            .valueNotFound(_, let context) where context.codingPath.isEmpty:
            return "the body must be a JSON object"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' must be \(expected(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(expected(type)), not null"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "the body is not valid JSON"
        case .dataCorrupted(let context):
            return "field '\(path(context.codingPath))' is out of range or malformed (integers are 64-bit minor units)"
        @unknown default:
            return "the body does not match the order schema"
        }
    }

    static func expected(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type: "an integer"
        case is [ItemBody].Type, is [Any].Type: "an array"
        default: "an object"
        }
    }
}

/// Money in responses.
struct MoneyBody: Encodable {
    var amount: Int64
    var currency: String
    init(_ money: Money) {
        amount = money.minorUnits
        currency = money.currency.code
    }
}

/// The answer to `POST /orders`.
struct AcceptedBody: Encodable {
    var orderId: String
    var status: String
    var total: MoneyBody
    var location: String
}

/// An order as the query API shows it: the read model.
struct OrderBody: Encodable {
    struct Entry: Encodable {
        var version: Int64
        var type: String
        var at: String
    }
    var orderId: String
    var customerId: String
    var status: String
    var items: [ItemBody]
    var total: MoneyBody
    var version: Int64
    var history: [Entry]
    var trackingId: String?
    var cancelReason: String?
    var declineReason: String?
    var shipmentFailure: String?
    var refunded: Bool

    init(_ view: OrderView) {
        let s = view.state
        orderId = s.orderID.rawValue
        customerId = s.customerID.rawValue
        status = s.status.rawValue
        items = s.lines.map { ItemBody(sku: $0.sku.rawValue, quantity: $0.quantity, unitPrice: $0.unitPrice) }
        total = MoneyBody(s.total)
        version = s.version
        history = view.history.map { Entry(version: $0.version, type: $0.type.rawValue, at: Self.iso8601($0.at)) }
        trackingId = s.trackingID
        cancelReason = s.cancelReason
        declineReason = s.declineReason
        shipmentFailure = s.shipmentFailure
        refunded = s.refunded != nil
    }

    static func iso8601(_ t: Timestamp) -> String {
        Date(timeIntervalSince1970: Double(t.millis) / 1000)
            .formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// A page of `GET /orders`.
struct OrderPage: Encodable {
    var orders: [OrderBody]
    /// Pass as `after` to get the next page; absent on the last page.
    var next: String?
}
