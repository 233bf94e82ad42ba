/// What the payment provider answered to a charge.
public enum ChargeOutcome: Hashable, Sendable {
    case approved(chargeID: String)
    case declined(reason: String)
}

/// What the payment provider answered to a refund.
public enum RefundOutcome: Hashable, Sendable {
    case refunded(Money)
    /// No charge exists under that key (or it was already refunded: refunds are idempotent too).
    case nothingToRefund
}

/// The external payment provider (a bank or card processor). Every call is idempotent by key:
/// a repeated charge with the same key returns the first outcome and charges nothing more.
/// Calls may fail with `timeout` or `unavailable`, after which the caller retries with the same key.
public protocol PaymentProvider: Sendable {
    /// Charges `amount` to `customer` under `key`.
    func charge(key: String, customer: CustomerID, amount: Money) async throws -> ChargeOutcome
    /// Refunds whatever was charged under `key`.
    func refund(key: String) async throws -> RefundOutcome
}

/// What the warehouse answered to a reservation.
public enum ReservationOutcome: Hashable, Sendable {
    case reserved
    case insufficientStock(SKU)
}

/// The external warehouse. Idempotent by key like the payment provider.
public protocol Warehouse: Sendable {
    /// Reserves every line (all or nothing) under `key`.
    func reserve(key: String, lines: [OrderLine]) async throws -> ReservationOutcome
    /// Ships what was reserved under `key`; returns the tracking id.
    func ship(key: String) async throws -> String
}
