public import Core
public import InMemory

/// Sees the external providers' side effects (the trace and the money checkers).
public protocol ProviderObserver: AnyObject {
    func providerCall(_ kind: StaticString, key: String, effect: ProviderEffect)
}

/// What a provider's call did, as values: the trace writes them out as text on its own thread,
/// and a run without a trace never makes the text at all.
public enum ProviderEffect: Sendable {
    /// A charge: who, how much, and the outcome (`approved <charge id>` or `declined <reason>`).
    case charge(CustomerID, minorUnits: Int64, ChargeOutcome)
    /// A refund: who got how much back.
    case refund(CustomerID, minorUnits: Int64)
    /// A fixed note ("reserved", "after charge", …).
    case note(StaticString)
    /// Text made by the provider (a tracking id).
    case text(String)

    /// The effect as the trace shows it.
    public var description: String {
        switch self {
        case .charge(let customer, let minorUnits, .approved(let chargeID)):
            "\(customer) \(minorUnits) approved \(chargeID)"
        case .charge(let customer, let minorUnits, .declined(let reason)):
            "\(customer) \(minorUnits) declined \(reason)"
        case .refund(let customer, let minorUnits): "\(customer) \(minorUnits)"
        case .note(let note): note.description
        case .text(let text): text
        }
    }
}

/// The simulated payment provider: customer accounts with balances, idempotent charges and
/// refunds by key, and behaviour a scenario controls (decline, latency, timeouts). Only touched on
/// the simulator thread, so its state goes without runtime exclusivity checks.
public final class SimPaymentProvider: PaymentProvider, @unchecked Sendable {
    public enum Mode: Hashable, Sendable {
        case normal
        /// Every call waits the caller's timeout and fails with `timeout`; nothing is charged.
        case timeout
        /// Every charge is declined.
        case declineAll
    }

    let clock: SimClock
    let random: SimRandom
    /// The trace (held strongly: a weak reference would give the trace a side table, and every
    /// reference count change of it would take the runtime's slow path).
    var observer: (any ProviderObserver)?
    var faults: FaultBox?
    /// Told of every balance change (the non-negative balance checker).
    var onBalance: ((CustomerID, Int64) -> Void)?
    @exclusivity(unchecked) public var mode: Mode = .normal
    @exclusivity(unchecked) public var declined: Set<CustomerID> = []
    @exclusivity(unchecked) public var latency: ClosedRange<Duration> = .milliseconds(2)...(.milliseconds(8)) {
        didSet { latencyMillis = latency.wholeMilliseconds }
    }
    /// `latency` in whole milliseconds, converted once rather than at every call.
    @exclusivity(unchecked) private var latencyMillis: ClosedRange<Int64> = 2...8
    /// How long a caller waits before a call counts as timed out.
    public var callTimeout: Duration = .seconds(2)
    /// The provider's books (unknown customers are declined).
    @exclusivity(unchecked) public private(set) var ledger = PaymentLedger(openingBalance: nil)

    init(clock: SimClock, random: SimRandom) {
        self.clock = clock
        self.random = random
    }

    public func open(_ customer: CustomerID, balance: Int64) { ledger.open(customer, balance: balance) }

    /// Makes room for `orders` charges.
    func reserveCapacity(_ orders: Int) { ledger.reserveCapacity(charges: orders) }

    public var balances: [CustomerID: Int64] { ledger.balances }
    public var debitCount: [CustomerID: Int] { ledger.debitCount }

    public func charge(key: String, customer: CustomerID, amount: Money) async throws -> ChargeOutcome {
        try await request()
        let declining = mode == .declineAll || declined.contains(customer) ? "declined-by-provider" : nil
        let (outcome, isNew) = ledger.charge(key: key, customer: customer, amount: amount, declining: declining)
        if isNew {
            if case .approved = outcome { onBalance?(customer, ledger.balance(of: customer)) }
            observer?.providerCall("charge", key: key, effect: .charge(customer, minorUnits: amount.minorUnits, outcome))
        }
        if let faults, random.chance(faults.state.failAfterCharge) {
            observer?.providerCall("reply-lost", key: key, effect: .note("after charge"))
            try await clock.sleep(for: callTimeout)
            throw CausewayError(.timeout, "payment provider did not answer within \(callTimeout)")
        }
        try await reply()
        return outcome
    }

    public func refund(key: String) async throws -> RefundOutcome {
        try await request()
        let refunded = ledger.refund(key: key)
        if let charge = refunded {
            onBalance?(charge.customer, ledger.balance(of: charge.customer))
            observer?.providerCall("refund", key: key, effect: .refund(charge.customer, minorUnits: charge.amount.minorUnits))
        }
        try await reply()
        return refunded.map { .refunded($0.amount) } ?? .nothingToRefund
    }

    /// The request's way to the provider: half the latency, or a timeout when it does not answer.
    @inline(__always)  // an async function of its own costs a frame from the task's allocator
    private func request() async throws {
        if mode == .timeout {
            try await clock.sleep(for: callTimeout)
            throw CausewayError(.timeout, "payment provider did not answer within \(callTimeout)")
        }
        try await clock.sleep(forMillis: halfLatency())
    }

    /// Half a latency drawn from `latency`, in whole milliseconds as every simulated time is (the
    /// same as dividing the duration, without its 128-bit division).
    private func halfLatency() -> Int64 {
        random.millis(in: latencyMillis) / 2
    }

    /// The reply's way back: the other half.
    @inline(__always)
    private func reply() async throws {
        try await clock.sleep(forMillis: halfLatency())
    }
}

/// The simulated warehouse: stock per SKU, idempotent reservations and shipments by key (simulator
/// thread only, without runtime exclusivity checks).
public final class SimWarehouse: Warehouse, @unchecked Sendable {
    let clock: SimClock
    let random: SimRandom
    var observer: (any ProviderObserver)?
    @exclusivity(unchecked) public var latency: ClosedRange<Duration> = .milliseconds(2)...(.milliseconds(8)) {
        didSet { latencyMillis = latency.wholeMilliseconds }
    }
    /// `latency` in whole milliseconds, converted once rather than at every call.
    @exclusivity(unchecked) private var latencyMillis: ClosedRange<Int64> = 2...8
    /// The warehouse's books (SKUs never stocked have none).
    @exclusivity(unchecked) public private(set) var ledger = StockLedger(openingStock: 0)

    init(clock: SimClock, random: SimRandom) {
        self.clock = clock
        self.random = random
    }

    public func setStock(_ sku: SKU, _ quantity: Int64) { ledger.setStock(sku, quantity) }

    /// Makes room for `orders` reservations and shipments.
    func reserveCapacity(_ orders: Int) { ledger.reserveCapacity(orders: orders) }

    public var stock: [SKU: Int64] { ledger.stock }

    public func reserve(key: String, lines: [OrderLine]) async throws -> ReservationOutcome {
        try await clock.sleep(forMillis: random.millis(in: latencyMillis))
        let (outcome, isNew) = ledger.reserve(key: key, lines: lines)
        if isNew {
            observer?.providerCall("reserve", key: key, effect: .note(outcome == .reserved ? "reserved" : "insufficient-stock"))
        }
        return outcome
    }

    public func ship(key: String) async throws -> String {
        try await clock.sleep(forMillis: random.millis(in: latencyMillis))
        let (tracking, isNew) = try ledger.ship(key: key)
        if isNew { observer?.providerCall("ship", key: key, effect: .text(tracking)) }
        return tracking
    }
}
