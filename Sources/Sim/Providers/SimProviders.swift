public import Core

/// Sees the external providers' side effects (the trace and the money checkers).
public protocol ProviderObserver: AnyObject {
    func providerCall(_ kind: String, key: String, detail: String)
}

/// The simulated payment provider: customer accounts with balances, idempotent charges and
/// refunds by key, and behaviour a scenario controls (decline, latency, timeouts).
public final class SimPaymentProvider: PaymentProvider, @unchecked Sendable {
    public enum Mode: Hashable, Sendable {
        case normal
        /// Every call waits the caller's timeout and fails with `timeout`; nothing is charged.
        case timeout
        /// Every charge is declined.
        case declineAll
    }

    public struct Charge: Hashable, Sendable {
        public var customer: CustomerID
        public var amount: Money
        public var outcome: ChargeOutcome
        public var refunded: Bool
    }

    let clock: SimClock
    let random: SimRandom
    weak var observer: (any ProviderObserver)?
    var faults: FaultBox?
    /// Told of every balance change (the non-negative balance checker).
    var onBalance: ((CustomerID, Int64) -> Void)?
    public var mode: Mode = .normal
    public var declined: Set<CustomerID> = []
    public var latency: ClosedRange<Duration> = .milliseconds(2)...(.milliseconds(8))
    /// How long a caller waits before a call counts as timed out.
    public var callTimeout: Duration = .seconds(2)
    public private(set) var balances: [CustomerID: Int64] = [:]
    public private(set) var charges: [String: Charge] = [:]
    /// How many times each customer was actually debited.
    public private(set) var debitCount: [CustomerID: Int] = [:]
    private var nextCharge = 0

    init(clock: SimClock, random: SimRandom) {
        self.clock = clock
        self.random = random
    }

    public func open(_ customer: CustomerID, balance: Int64) { balances[customer] = balance }

    public func charge(key: String, customer: CustomerID, amount: Money) async throws -> ChargeOutcome {
        try await request()
        let outcome = takeCharge(key: key, customer: customer, amount: amount)
        if let faults, random.chance(faults.state.failAfterCharge) {
            observer?.providerCall("reply-lost", key: key, detail: "after charge")
            try await clock.sleep(for: callTimeout)
            throw CausewayError(.timeout, "payment provider did not answer within \(callTimeout)")
        }
        try await reply()
        return outcome
    }

    /// The charge itself, when the request reaches the provider. The reply may still be lost.
    private func takeCharge(key: String, customer: CustomerID, amount: Money) -> ChargeOutcome {
        if let existing = charges[key] { return existing.outcome }
        let outcome: ChargeOutcome
        if mode == .declineAll || declined.contains(customer) {
            outcome = .declined(reason: "declined-by-provider")
        } else if let balance = balances[customer] {
            if balance >= amount.minorUnits {
                balances[customer] = balance - amount.minorUnits
                onBalance?(customer, balance - amount.minorUnits)
                debitCount[customer, default: 0] += 1
                nextCharge += 1
                outcome = .approved(chargeID: "ch-\(nextCharge)")
            } else {
                outcome = .declined(reason: "insufficient-funds")
            }
        } else {
            outcome = .declined(reason: "unknown-customer")
        }
        charges[key] = Charge(customer: customer, amount: amount, outcome: outcome, refunded: false)
        let shown = switch outcome {
        case .approved(let id): "approved \(id)"
        case .declined(let reason): "declined \(reason)"
        }
        observer?.providerCall("charge", key: key, detail: "\(customer) \(amount.minorUnits) \(shown)")
        return outcome
    }

    public func refund(key: String) async throws -> RefundOutcome {
        try await request()
        let outcome = takeRefund(key: key)
        try await reply()
        return outcome
    }

    private func takeRefund(key: String) -> RefundOutcome {
        guard var charge = charges[key], case .approved = charge.outcome, !charge.refunded else {
            return .nothingToRefund
        }
        charge.refunded = true
        charges[key] = charge
        balances[charge.customer, default: 0] += charge.amount.minorUnits
        onBalance?(charge.customer, balances[charge.customer]!)
        observer?.providerCall("refund", key: key, detail: "\(charge.customer) \(charge.amount.minorUnits)")
        return .refunded(charge.amount)
    }

    /// The request's way to the provider: half the latency, or a timeout when it does not answer.
    private func request() async throws {
        if mode == .timeout {
            try await clock.sleep(for: callTimeout)
            throw CausewayError(.timeout, "payment provider did not answer within \(callTimeout)")
        }
        try await clock.sleep(for: random.duration(in: latency) / 2)
    }

    /// The reply's way back: the other half.
    private func reply() async throws {
        try await clock.sleep(for: random.duration(in: latency) / 2)
    }
}

/// The simulated warehouse: stock per SKU, idempotent reservations and shipments by key.
public final class SimWarehouse: Warehouse, @unchecked Sendable {
    let clock: SimClock
    let random: SimRandom
    weak var observer: (any ProviderObserver)?
    public var latency: ClosedRange<Duration> = .milliseconds(2)...(.milliseconds(8))
    public private(set) var stock: [SKU: Int64] = [:]
    public private(set) var reservations: [String: ReservationOutcome] = [:]
    public private(set) var shipments: [String: String] = [:]

    init(clock: SimClock, random: SimRandom) {
        self.clock = clock
        self.random = random
    }

    public func setStock(_ sku: SKU, _ quantity: Int64) { stock[sku] = quantity }

    public func reserve(key: String, lines: [OrderLine]) async throws -> ReservationOutcome {
        try await clock.sleep(for: random.duration(in: latency))
        if let existing = reservations[key] { return existing }
        var needed: [SKU: Int64] = [:]
        for line in lines { needed[line.sku, default: 0] += line.quantity }
        let outcome: ReservationOutcome
        if let short = needed.keys.sorted().first(where: { (stock[$0] ?? 0) < needed[$0]! }) {
            outcome = .insufficientStock(short)
        } else {
            for (sku, quantity) in needed { stock[sku]! -= quantity }
            outcome = .reserved
        }
        reservations[key] = outcome
        observer?.providerCall("reserve", key: key, detail: outcome == .reserved ? "reserved" : "insufficient-stock")
        return outcome
    }

    public func ship(key: String) async throws -> String {
        try await clock.sleep(for: random.duration(in: latency))
        if let tracking = shipments[key] { return tracking }
        guard reservations[key] == .reserved else {
            throw CausewayError(.invalidArgument, "nothing reserved under '\(key)' to ship")
        }
        let tracking = "trk-\(shipments.count + 1)"
        shipments[key] = tracking
        observer?.providerCall("ship", key: key, detail: tracking)
        return tracking
    }
}
