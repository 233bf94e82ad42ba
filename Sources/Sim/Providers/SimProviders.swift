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
    @exclusivity(unchecked) var observer: (any ProviderObserver)?
    @exclusivity(unchecked) var faults: FaultBox?
    /// Told of every balance change (the non-negative balance checker).
    @exclusivity(unchecked) var onBalance: ((CustomerID, Int64) -> Void)?
    @exclusivity(unchecked) public var mode: Mode = .normal
    @exclusivity(unchecked) public var declined: Set<CustomerID> = []
    /// A call's latency, in whole milliseconds as every simulated time is.
    public var latency: ClosedRange<Duration> {
        get { latencyMillis.durations }
        set { latencyMillis = newValue.wholeMilliseconds }
    }
    /// `latency` as it is drawn from: converted once, not at every call.
    @exclusivity(unchecked) private var latencyMillis = SimPaymentProvider.normalLatency.wholeMilliseconds
    /// The latency of a provider behaving normally (a scenario's `provider normal` restores it).
    public static let normalLatency: ClosedRange<Duration> = .milliseconds(2)...(.milliseconds(8))
    /// How long a caller waits before a call counts as timed out.
    @exclusivity(unchecked) public var callTimeout: Duration = .seconds(2)
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
        let call = Call(.charge(key: key, customer: customer, amount: amount), to: self)
        try await send(call)
        return call.charged!
    }

    public func refund(key: String) async throws -> RefundOutcome {
        let call = Call(.refund(key: key), to: self)
        try await send(call)
        return call.refunded!
    }

    /// Carries `call` to the provider and back. The caller waits once: the request does the work
    /// where it arrives, and wakes the caller when the reply is due, or at its timeout when the
    /// reply is lost (as a store call does; see `StoreCall`). A provider in timeout mode answers
    /// nothing: the caller waits out its timeout.
    @inline(__always)
    private func send(_ call: Call) async throws {
        if mode == .timeout {
            try await clock.sleep(for: callTimeout)
            throw timedOut
        }
        try await call.send(arrivingAt: Timestamp(millis: clock.runtime.now.millis + halfLatency()), on: clock.runtime)
    }

    private var timedOut: CausewayError {
        CausewayError(.timeout, "payment provider did not answer within \(callTimeout)")
    }

    /// Does the provider's side of `request`. Returns when the caller hears back.
    private func serve(_ request: Call.Request, for call: Call) -> Timestamp {
        let now = clock.runtime.now
        switch request {
        case .charge(let key, let customer, let amount):
            let declining = mode == .declineAll || declined.contains(customer) ? "declined-by-provider" : nil
            let (outcome, isNew) = ledger.charge(key: key, customer: customer, amount: amount, declining: declining)
            if isNew {
                if case .approved = outcome { onBalance?(customer, ledger.balance(of: customer)) }
                observer?.providerCall("charge", key: key, effect: .charge(customer, minorUnits: amount.minorUnits, outcome))
            }
            if let faults, random.chance(faults.state.failAfterCharge) {
                observer?.providerCall("reply-lost", key: key, effect: .note("after charge"))
                call.failure = timedOut
                return now + callTimeout
            }
            call.charged = outcome
        case .refund(let key):
            let refunded = ledger.refund(key: key)
            if let charge = refunded {
                onBalance?(charge.customer, ledger.balance(of: charge.customer))
                observer?.providerCall("refund", key: key, effect: .refund(charge.customer, minorUnits: charge.amount.minorUnits))
            }
            call.refunded = refunded.map { .refunded($0.amount) } ?? .nothingToRefund
        }
        return Timestamp(millis: now.millis + halfLatency())
    }

    /// Half a latency drawn from `latency`, in whole milliseconds as every simulated time is (the
    /// same as dividing the duration, without its 128-bit division). A call's request takes one
    /// half and its reply the other.
    private func halfLatency() -> Int64 {
        random.millis(in: latencyMillis) / 2
    }

    /// One call to the provider on its way (see ``send(_:)``).
    private final class Call: SimCall, @unchecked Sendable {
        enum Request {
            case charge(key: String, customer: CustomerID, amount: Money)
            case refund(key: String)
        }

        let provider: SimPaymentProvider
        let caller: WaitingTask
        /// Taken when the request arrives.
        private var request: Request?
        /// The answer, in the field of the request's kind.
        var charged: ChargeOutcome?
        var refunded: RefundOutcome?

        init(_ request: Request, to provider: SimPaymentProvider) {
            self.request = request
            self.provider = provider
            caller = .current
        }

        override func arrive() {
            let request = self.request.take()!
            // A caller cancelled on the way (its node crashed) is woken at once, as its sleeping
            // task would have thrown here, and nothing is done for it.
            let runtime = provider.clock.runtime
            guard !caller.isCancelled else { return answerNow(on: runtime) }
            answer(at: provider.serve(request, for: self), on: runtime)
        }

        override func abandon() { answerNow(on: provider.clock.runtime) }
    }
}

/// The simulated warehouse: stock per SKU, idempotent reservations and shipments by key (simulator
/// thread only, without runtime exclusivity checks).
public final class SimWarehouse: Warehouse, @unchecked Sendable {
    let clock: SimClock
    let random: SimRandom
    @exclusivity(unchecked) var observer: (any ProviderObserver)?
    /// A call's latency, in whole milliseconds as every simulated time is.
    public var latency: ClosedRange<Duration> {
        get { latencyMillis.durations }
        set { latencyMillis = newValue.wholeMilliseconds }
    }
    /// `latency` as it is drawn from: converted once, not at every call.
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
