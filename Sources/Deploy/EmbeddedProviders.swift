public import Core
import Synchronization

/// The payment provider of the embedded deployment: accounts in memory, opened on first use with
/// a starting balance, idempotent by key like a real provider.
public final class EmbeddedPaymentProvider: PaymentProvider {
    struct Charge {
        var customer: CustomerID
        var amount: Money
        var outcome: ChargeOutcome
        var refunded = false
    }
    struct State {
        var balances: [CustomerID: Int64] = [:]
        var charges: [String: Charge] = [:]
        var next = 0
    }
    private let state = Mutex(State())
    private let startingBalance: Int64

    /// Every customer starts with `startingBalance` minor units.
    public init(startingBalance: Int64) {
        self.startingBalance = startingBalance
    }

    public func charge(key: String, customer: CustomerID, amount: Money) async throws -> ChargeOutcome {
        state.withLock { s in
            if let existing = s.charges[key] { return existing.outcome }
            let balance = s.balances[customer] ?? startingBalance
            let outcome: ChargeOutcome
            if balance >= amount.minorUnits {
                s.balances[customer] = balance - amount.minorUnits
                s.next += 1
                outcome = .approved(chargeID: "ch-\(s.next)")
            } else {
                s.balances[customer] = balance
                outcome = .declined(reason: "insufficient-funds")
            }
            s.charges[key] = Charge(customer: customer, amount: amount, outcome: outcome)
            return outcome
        }
    }

    public func refund(key: String) async throws -> RefundOutcome {
        state.withLock { s in
            guard var charge = s.charges[key], case .approved = charge.outcome, !charge.refunded else { return .nothingToRefund }
            charge.refunded = true
            s.charges[key] = charge
            s.balances[charge.customer, default: startingBalance] += charge.amount.minorUnits
            return .refunded(charge.amount)
        }
    }

    /// A customer's balance (the starting balance if never charged).
    public func balance(of customer: CustomerID) -> Int64 {
        state.withLock { $0.balances[customer] ?? startingBalance }
    }
}

/// The warehouse of the embedded deployment: every SKU starts with the same stock.
public final class EmbeddedWarehouse: Warehouse {
    struct State {
        var stock: [SKU: Int64] = [:]
        var reservations: [String: ReservationOutcome] = [:]
        var shipments: [String: String] = [:]
    }
    private let state = Mutex(State())
    private let startingStock: Int64

    public init(startingStock: Int64) {
        self.startingStock = startingStock
    }

    public func reserve(key: String, lines: [OrderLine]) async throws -> ReservationOutcome {
        state.withLock { s in
            if let existing = s.reservations[key] { return existing }
            var needed: [SKU: Int64] = [:]
            for line in lines { needed[line.sku, default: 0] += line.quantity }
            let outcome: ReservationOutcome
            if let short = needed.keys.sorted().first(where: { (s.stock[$0] ?? startingStock) < needed[$0]! }) {
                outcome = .insufficientStock(short)
            } else {
                for (sku, quantity) in needed { s.stock[sku] = (s.stock[sku] ?? startingStock) - quantity }
                outcome = .reserved
            }
            s.reservations[key] = outcome
            return outcome
        }
    }

    public func ship(key: String) async throws -> String {
        try state.withLock { s throws(CausewayError) in
            if let tracking = s.shipments[key] { return tracking }
            guard s.reservations[key] == .reserved else {
                throw CausewayError(.invalidArgument, "nothing reserved under '\(key)' to ship")
            }
            let tracking = "trk-\(s.shipments.count + 1)"
            s.shipments[key] = tracking
            return tracking
        }
    }
}
