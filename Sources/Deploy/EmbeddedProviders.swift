public import Core
import InMemory
import Synchronization

/// The payment provider of the embedded deployment: accounts in memory, opened on first use with
/// a starting balance, idempotent by key like a real provider.
public final class EmbeddedPaymentProvider: PaymentProvider {
    private let ledger: Mutex<PaymentLedger>

    /// Every customer starts with `startingBalance` minor units.
    public init(startingBalance: Int64) {
        ledger = Mutex(PaymentLedger(openingBalance: startingBalance))
    }

    public func charge(key: String, customer: CustomerID, amount: Money) async throws -> ChargeOutcome {
        ledger.withLock { $0.charge(key: key, customer: customer, amount: amount).outcome }
    }

    public func refund(key: String) async throws -> RefundOutcome {
        ledger.withLock { $0.refund(key: key) }.map { .refunded($0.amount) } ?? .nothingToRefund
    }

    /// A customer's balance (the starting balance if never charged).
    public func balance(of customer: CustomerID) -> Int64 {
        ledger.withLock { $0.balance(of: customer) }
    }
}

/// The warehouse of the embedded deployment: every SKU starts with the same stock.
public final class EmbeddedWarehouse: Warehouse {
    private let ledger: Mutex<StockLedger>

    public init(startingStock: Int64) {
        ledger = Mutex(StockLedger(openingStock: startingStock))
    }

    public func reserve(key: String, lines: [OrderLine]) async throws -> ReservationOutcome {
        ledger.withLock { $0.reserve(key: key, lines: lines).outcome }
    }

    public func ship(key: String) async throws -> String {
        try ledger.withLock { ledger throws(CausewayError) in try ledger.ship(key: key).tracking }
    }
}
