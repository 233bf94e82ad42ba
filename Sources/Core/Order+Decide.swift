import Crypto

/// A request to place an order, as it arrives from a client (HTTP or a scenario).
public struct PlaceOrder: Hashable, Sendable {
    public var customerID: CustomerID
    public var lines: [OrderLine]
    public var currency: Currency
    /// The client's idempotency key: a retried request with the same key returns the same order.
    public var clientKey: String?

    public init(customerID: CustomerID, lines: [OrderLine], currency: Currency, clientKey: String?) {
        self.customerID = customerID
        self.lines = lines
        self.currency = currency
        self.clientKey = clientKey
    }
}

/// Limits on what one order may contain.
public enum OrderLimits {
    public static let maxLines = 100
    public static let maxQuantity: Int64 = 1_000_000
}

/// The order aggregate's decisions: placing, and the saga's reactions (cancel on decline,
/// cancel on shipment failure, cancel on payment timeout).
public enum OrderDecider {
    /// Validates a place-order request and computes its total. Nothing about it is accepted unless
    /// all of it is valid.
    public static func validate(_ command: PlaceOrder) throws(CausewayError) -> Money {
        if command.lines.isEmpty {
            throw CausewayError(.invalidArgument, "an order needs at least one item")
        }
        if command.lines.count > OrderLimits.maxLines {
            throw CausewayError(.invalidArgument, "an order has at most \(OrderLimits.maxLines) items (got \(command.lines.count))")
        }
        if let key = command.clientKey, let problem = IdentifierRules.problem(in: key, named: "idempotency key") {
            throw CausewayError(.invalidArgument, problem)
        }
        var total: Int64 = 0
        for (index, line) in command.lines.enumerated() {
            // Where a problem is, worked out only when there is one.
            var at: String { "item \(index + 1) (\(line.sku))" }
            guard line.quantity > 0 else {
                throw CausewayError(.invalidArgument, "\(at): quantity must be positive (got \(line.quantity))")
            }
            guard line.quantity <= OrderLimits.maxQuantity else {
                throw CausewayError(.invalidArgument, "\(at): quantity must be at most \(OrderLimits.maxQuantity)")
            }
            guard line.unitPrice >= 0 else {
                throw CausewayError(.invalidArgument, "\(at): unit price must not be negative (got \(line.unitPrice))")
            }
            let (lineTotal, o1) = line.unitPrice.multipliedReportingOverflow(by: line.quantity)
            let (sum, o2) = total.addingReportingOverflow(lineTotal)
            if o1 || o2 {
                throw CausewayError(.invalidArgument, "\(at): the order total overflows a 64-bit amount of minor units")
            }
            total = sum
        }
        guard total > 0 else { throw CausewayError(.invalidArgument, "the order total must be positive") }
        return Money(minorUnits: total, currency: command.currency)
    }

    /// The events that create an order (the stream must not exist yet).
    public static func place(_ command: PlaceOrder, orderID: OrderID) throws(CausewayError) -> [OrderEvent] {
        let total = try validate(command)
        return [.created(OrderCreated(orderID: orderID, customerID: command.customerID, lines: command.lines,
                                      total: total, clientKey: command.clientKey))]
    }

    /// The saga's reaction to the order's current state, if any.
    public static func react(to state: OrderState) -> OrderEvent? {
        switch state.status {
        case .paymentDeclined: .cancelled(reason: "payment-declined")
        case .shipmentFailed: .cancelled(reason: "shipment-failed")
        default: nil
        }
    }

    /// The saga's reaction when the payment deadline passes: cancel if no payment outcome came.
    public static func paymentDeadlinePassed(_ state: OrderState) -> OrderEvent? {
        state.status == .created ? .cancelled(reason: "payment-timeout") : nil
    }
}

/// The payment side of an order: what the payment service must do next.
public enum PaymentDecider {
    public enum Action: Hashable, Sendable {
        /// Charge the customer (idempotently, keyed by the order).
        case charge(CustomerID, Money)
        /// Give back a recorded debit (the order was cancelled after being paid).
        case refund(Money)
        /// The order was cancelled with no debit recorded: reverse any charge the provider may
        /// have taken whose outcome never reached the log (a no-op at the provider otherwise).
        case voidUnrecorded
        case nothing
    }

    public static func next(_ state: OrderState) -> Action {
        if state.status == .created, state.debited == nil, state.declineReason == nil {
            return .charge(state.customerID, state.total)
        }
        if state.status == .cancelled {
            if let debited = state.debited, state.refunded == nil { return .refund(debited) }
            if state.debited == nil { return .voidUnrecorded }
        }
        return .nothing
    }

    /// The event that records a charge's outcome.
    public static func record(_ outcome: ChargeOutcome, amount: Money) -> OrderEvent {
        switch outcome {
        case .approved(let chargeID): .paymentDebited(amount: amount, chargeID: chargeID)
        case .declined(let reason): .paymentDeclined(reason: reason)
        }
    }
}

/// The shipment side of an order: what the shipping service must do next.
public enum ShipmentDecider {
    public enum Action: Hashable, Sendable {
        /// Reserve the order's stock (idempotently, keyed by the order), then approve or fail.
        case reserve([OrderLine])
        /// Hand the approved order to the carrier.
        case ship
        case nothing
    }

    public static func next(_ state: OrderState) -> Action {
        switch state.status {
        case .paid: .reserve(state.lines)
        case .approved: .ship
        default: .nothing
        }
    }

    public static func record(_ outcome: ReservationOutcome) -> OrderEvent {
        switch outcome {
        case .reserved: .approved
        case .insufficientStock(let sku): .shipmentFailed(reason: "insufficient-stock:\(sku)")
        }
    }
}

extension OrderID {
    /// The order id for a client's idempotency key: the same customer and key always give the same
    /// id, so a retried request finds the order it created, whichever instance serves it.
    public static func derived(customer: CustomerID, clientKey: String) -> OrderID {
        var hasher = SHA256()
        hasher.update(data: Array(customer.rawValue.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(clientKey.utf8))
        return OrderID(unchecked: "ord-" + hasher.finalize().prefix(10).hexString)
    }

    /// The id of a new event derived from the order's client key (idempotent across retries).
    public static func creationEventID(for order: OrderID) -> EventID {
        EventID(unchecked: .prefixed("ev-created-", order.rawValue))
    }
}
