public import Core

/// Something that reacts to deliveries from the bus: every consuming service.
///
/// The services are `final` actors: otherwise a call from another module goes through the
/// actor's method table, and the simulator could not specialise a service for its ports.
public protocol EventHandler: Sendable {
    /// The event types this handler acts on; the rest are committed without a call.
    var interests: Set<EventType> { get }
    /// Handles one delivery. May be called more than once for the same event (at-least-once).
    func handle(_ delivery: Delivery) async throws
}

/// What a consumer loop reports besides handling: the simulator traces it, deployment logs it.
/// A class: the loop calls it on every delivery, and calling through a class reference copies
/// nothing, where any other value is copied out of its existential box for each call.
public protocol ConsumerObserver: AnyObject, Sendable {
    /// A delivery's handler failed for good and the delivery is skipped.
    func handlerGaveUp(_ delivery: Delivery, member: String, error: any Error)
    /// A delivery's handler returned: the delivery was dealt with (before its batch is committed).
    func handled(_ delivery: Delivery, member: String)
}

extension ConsumerObserver {
    public func handled(_ delivery: Delivery, member: String) {}
}

/// The loop every consuming service runs: poll a batch, handle each record, commit the batch,
/// forever. A crash before the commit means the whole batch is delivered again (at least once).
///
/// A delivery whose handler fails with a transient error (a dependency is down) is retried with
/// capped backoff until it succeeds: skipping it could strand an order. One that fails for any
/// other reason (a bug, a malformed event) is reported and skipped. A commit refused because of a
/// rebalance is ignored: the new owner will be handed the record again.
///
/// Generic over the consumer as well as the handler, so that a loop over a known consumer calls
/// its `poll` and `commit` directly (a deployment's consumer, known only as `any BusConsumer`,
/// is opened where the loop is made; see `ConsumerService`).
public struct ConsumerLoop<Handler: EventHandler, Consumer: BusConsumer>: Sendable {
    public let consumer: Consumer
    public let handler: Handler
    public let member: String
    public let clock: any TimeSource
    public let retry: RetryPolicy
    public let observer: (any ConsumerObserver)?
    /// The most records one poll hands out (Kafka's `max.poll.records`).
    public let batchSize: Int

    public init(
        consumer: Consumer, handler: Handler, member: String, clock: any TimeSource,
        retry: RetryPolicy = .forever, observer: (any ConsumerObserver)? = nil, batchSize: Int = 64
    ) {
        precondition(batchSize > 0, "a poll must be allowed at least one record")
        self.batchSize = batchSize
        self.consumer = consumer
        self.handler = handler
        self.member = member
        self.clock = clock
        self.retry = retry
        self.observer = observer
    }

    /// Runs until the consumer is closed or the task is cancelled.
    public func run() async throws {
        let interests = EventType.mask(of: handler.interests)
        while true {
            let batch = try await consumer.poll(max: batchSize)
            if batch.isEmpty { return }
            // By index: a delivery of no interest is skipped without a copy of it.
            for i in batch.indices where interests & batch[i].event.type.bit != 0 {
                let delivery = batch[i]
                do {
                    try await retry.run(clock: clock) { try await handler.handle(delivery) }
                    observer?.handled(delivery, member: member)
                } catch is CancellationError {
                    return
                } catch let error as CausewayError where error.code == .cancelled {
                    return
                } catch {
                    if Task.isCancelled { return }
                    observer?.handlerGaveUp(delivery, member: member, error: error)
                }
            }
            do {
                try await consumer.commit(batch)
            } catch let error as CausewayError where error.code == .rebalanced {
                continue
            }
        }
    }
}

extension EventHandler where Self: Actor {
    /// Runs `loop` on this actor: polling, handling and committing then never leave it, so a
    /// delivery costs no executor switch.
    public func consume<Consumer>(_ loop: ConsumerLoop<Self, Consumer>) async throws {
        try await Self.run(loop, on: self)
    }

    /// A method of a protocol extension is not isolated to the actor by itself; this parameter is
    /// what puts the loop (and every nonisolated call it makes) on it.
    private static func run<Consumer>(_ loop: ConsumerLoop<Self, Consumer>, on handler: isolated Self) async throws {
        try await loop.run()
    }
}
