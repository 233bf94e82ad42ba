public import Core

/// The payment service: debits a customer exactly once per order, even when events are
/// redelivered or a reply is lost, and refunds cancelled orders that were paid.
///
/// Exactly-once rests on two things: the provider is idempotent by a key derived from the order,
/// and the service re-reads the stream and appends at the exact version it decided on.
public final actor PaymentService<Store: EventStore, Provider: PaymentProvider>: EventHandler {
    let writer: StreamWriter<Store>
    let provider: Provider
    /// How often the provider is tried for a charge before the service gives up on it (the saga's
    /// deadline then cancels the order, and the cancellation voids any charge taken meanwhile).
    /// Refunds and voids are never given up: their transient failures go back to the consumer
    /// loop, which retries the delivery until they succeed.
    let providerRetry: RetryPolicy
    let executor: ServiceExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

    public init(writer: StreamWriter<Store>, provider: Provider,
                providerRetry: RetryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(200), maxBackoff: .seconds(1)),
                executor: ServiceExecutor = .dedicated()) {
        self.executor = executor
        self.writer = writer
        self.provider = provider
        self.providerRetry = providerRetry
    }

    public nonisolated var interests: Set<EventType> { [.orderCreated, .cancelled] }

    /// The provider key of an order's charge.
    public nonisolated static func chargeKey(_ order: OrderID) -> String { .prefixed("pay-", order.rawValue) }

    /// Nonisolated: it touches no state of the actor's own, so it runs where it is called (the
    /// consumer loop runs on this actor), without a switch to the actor and back per delivery.
    public nonisolated func handle(_ delivery: Delivery) async throws {
        guard let order = delivery.event.orderID else { return }
        let key = Self.chargeKey(order)
        let cause = delivery.event.eventID.rawValue
        var current = try await writer.load(order)
        while let state = current.take() {  // taken: each step hands the state on without a copy
            switch PaymentDecider.next(state) {
            case .charge(let customer, let amount):
                let outcome: ChargeOutcome
                do {
                    outcome = try await providerRetry.run(clock: writer.clock) {
                        try await provider.charge(key: key, customer: customer, amount: amount)
                    }
                } catch let error as CausewayError where error.isTransient {
                    // The provider does not answer. Give up on this charge: the saga cancels the
                    // order at its deadline, and the cancellation voids anything charged meanwhile.
                    return
                }
                let event = PaymentDecider.record(outcome, amount: amount)
                current = try await writer.append([event], to: state, causedBy: cause)
            case .refund(let amount):
                _ = try await providerRetry.run(clock: writer.clock) { try await provider.refund(key: key) }
                current = try await writer.append([.paymentRefunded(amount: amount)], to: state, causedBy: cause)
            case .voidUnrecorded:
                _ = try await providerRetry.run(clock: writer.clock) { try await provider.refund(key: key) }
                return
            case .nothing:
                return
            }
            // A conflict: read the stream again. (A match, not `== nil`, which copies the state
            // through Optional's generic witnesses to compare it.)
            if case .none = current { current = try await writer.load(order) }
        }
    }
}
