public import Core

/// A provider's idempotency key as a table key. Keys are made from order ids, so they hash their
/// bytes as ids do rather than through SipHash (every charge, reservation and shipment looks its
/// key up once or twice).
struct LedgerKey: ValidatedID {
    static let kind = "ledger key"
    let rawValue: String
    init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// The books of a payment provider: balances, and charges and refunds that are idempotent by key.
/// One implementation shared by the simulator's provider and the embedded deployment's.
public struct PaymentLedger: Sendable {
    public struct Charge: Hashable, Sendable {
        public var customer: CustomerID
        public var amount: Money
        public var outcome: ChargeOutcome
        public var refunded: Bool
    }

    /// What an account that was never opened starts with; nil declines unknown customers.
    public let openingBalance: Int64?
    public private(set) var balances: [CustomerID: Int64] = [:]
    private var charges: [LedgerKey: Charge] = [:]
    /// How many times each customer was actually debited.
    public private(set) var debitCount: [CustomerID: Int] = [:]
    private var chargesMade = 0

    public init(openingBalance: Int64?) {
        self.openingBalance = openingBalance
    }

    public mutating func open(_ customer: CustomerID, balance: Int64) { balances[customer] = balance }

    /// Makes room for `charges` charges (a run whose size is known up front).
    public mutating func reserveCapacity(charges count: Int) { charges.reserveCapacity(count) }

    /// The balance of a customer (the opening balance if never touched; 0 if unknown).
    public func balance(of customer: CustomerID) -> Int64 { balances[customer] ?? openingBalance ?? 0 }

    /// Charges `amount` under `key`, unless `declining` gives a reason to refuse. A repeated key
    /// returns the first outcome; `isNew` says whether this call decided it.
    public mutating func charge(key: String, customer: CustomerID, amount: Money, declining: String? = nil)
        -> (outcome: ChargeOutcome, isNew: Bool)
    {
        let key = LedgerKey(unchecked: key)
        if let existing = charges[key] { return (existing.outcome, false) }
        let outcome: ChargeOutcome
        if let reason = declining {
            outcome = .declined(reason: reason)
        } else if let balance = balances[customer] ?? openingBalance {
            if balance >= amount.minorUnits {
                balances[customer] = balance - amount.minorUnits
                debitCount[customer, default: 0] += 1
                chargesMade += 1
                outcome = .approved(chargeID: .prefixed("ch-", chargesMade))
            } else {
                outcome = .declined(reason: "insufficient-funds")
            }
        } else {
            outcome = .declined(reason: "unknown-customer")
        }
        charges[key] = Charge(customer: customer, amount: amount, outcome: outcome, refunded: false)
        return (outcome, true)
    }

    /// Refunds what was charged under `key`, once; returns the charge it refunded, or nil.
    public mutating func refund(key: String) -> Charge? {
        let key = LedgerKey(unchecked: key)
        guard var charge = charges[key], case .approved = charge.outcome, !charge.refunded else { return nil }
        charge.refunded = true
        charges[key] = charge
        balances[charge.customer] = balance(of: charge.customer) + charge.amount.minorUnits
        return charge
    }
}

/// The books of a warehouse: stock, and reservations and shipments that are idempotent by key.
public struct StockLedger: Sendable {
    /// What a SKU never stocked explicitly starts with.
    public let openingStock: Int64
    public private(set) var stock: [SKU: Int64] = [:]
    private var reservations: [LedgerKey: ReservationOutcome] = [:]
    private var shipments: [LedgerKey: String] = [:]

    public init(openingStock: Int64) {
        self.openingStock = openingStock
    }

    public mutating func setStock(_ sku: SKU, _ quantity: Int64) { stock[sku] = quantity }

    /// Makes room for `orders` reservations and shipments (a run whose size is known up front).
    public mutating func reserveCapacity(orders count: Int) {
        reservations.reserveCapacity(count)
        shipments.reserveCapacity(count)
    }

    public func stock(of sku: SKU) -> Int64 { stock[sku] ?? openingStock }

    /// How many reservations took stock (those refused for want of it took none).
    public var stockReservations: Int { reservations.values.count { $0 == .reserved } }

    /// How many parcels went to the carrier.
    public var parcelsShipped: Int { shipments.count }

    /// Reserves every line or none under `key`; `isNew` says whether this call decided it.
    public mutating func reserve(key: String, lines: [OrderLine]) -> (outcome: ReservationOutcome, isNew: Bool) {
        let key = LedgerKey(unchecked: key)
        if let existing = reservations[key] { return (existing, false) }
        // What each SKU needs, in SKU order (an order has a few lines: a list, not a table).
        var needed: [(sku: SKU, quantity: Int64)] = []
        needed.reserveCapacity(lines.count)
        for line in lines {
            if let i = needed.firstIndex(where: { $0.sku == line.sku }) {
                needed[i].quantity += line.quantity
            } else {
                needed.append((line.sku, line.quantity))
            }
        }
        if needed.count > 1 { needed.sort { $0.sku < $1.sku } }
        let outcome: ReservationOutcome
        if let short = needed.first(where: { stock(of: $0.sku) < $0.quantity }) {
            outcome = .insufficientStock(short.sku)
        } else {
            for (sku, quantity) in needed { stock[sku, default: openingStock] -= quantity }
            outcome = .reserved
        }
        reservations[key] = outcome
        return (outcome, true)
    }

    /// Ships what was reserved under `key`; returns the tracking id and whether it is new.
    public mutating func ship(key raw: String) throws(CausewayError) -> (tracking: String, isNew: Bool) {
        let key = LedgerKey(unchecked: raw)
        if let tracking = shipments[key] { return (tracking, false) }
        guard reservations[key] == .reserved else {
            throw CausewayError(.invalidArgument, "nothing reserved under '\(raw)' to ship")
        }
        let tracking = String.prefixed("trk-", shipments.count + 1)
        shipments[key] = tracking
        return (tracking, true)
    }
}
