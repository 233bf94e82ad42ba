public import Actors
public import Core
import Logging
public import ServiceLifecycle
import Synchronization

/// Whether the deployment is ready to take traffic: every consumer has joined its group.
public final class Readiness: Sendable {
    private let pending: Mutex<Set<String>>

    public init(waitingFor members: Set<String>) {
        pending = Mutex(members)
    }

    func joined(_ member: String) { _ = pending.withLock { $0.remove(member) } }

    public var isReady: Bool { pending.withLock { $0.isEmpty } }
}

/// Runs `body` until it ends or a graceful shutdown cancels it; being cancelled at shutdown is a
/// normal end, not a failure of the service.
func untilShutdown(_ body: @escaping @Sendable () async throws -> Void) async throws {
    do {
        try await cancelWhenGracefulShutdown(body)
    } catch is CancellationError {
        return
    }
}

/// Logs what a consumer loop reports, with the order and correlation ids.
final class LoggingObserver: ConsumerObserver {
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func handlerGaveUp(_ delivery: Delivery, member: String, error: any Error) {
        logger.error("gave up on a delivery", metadata: [
            "member": "\(member)", "order_id": "\(delivery.event.orderID?.rawValue ?? "-")",
            "correlation_id": "\(delivery.event.correlationID)", "event_type": "\(delivery.event.type.rawValue)",
            "error": "\(error)",
        ])
    }
}

/// One consuming service (payments, shipping, the saga, a query worker) as a lifecycle service:
/// joins its group, then polls, handles and commits until shutdown.
public struct ConsumerService<Handler: EventHandler & Actor>: Service {
    let bus: any EventBus
    let group: String
    let member: String
    let handler: Handler
    let clock: any TimeSource
    let readiness: Readiness
    let logger: Logger

    public func run() async throws {
        try await untilShutdown {
            let consumer = try await RetryPolicy.forever.run(clock: clock) {
                try await bus.join(group: group, member: member, topics: [Topics.orders])
            }
            readiness.joined(member)
            logger.info("joined consumer group", metadata: ["group": "\(group)", "member": "\(member)"])
            do {
                try await consume(consumer)
            } catch is CancellationError {
                await consumer.close()
            }
        }
    }

    /// Runs the loop over the consumer as what it is (the bus hands it out as `any BusConsumer`).
    private func consume(_ consumer: some BusConsumer) async throws {
        try await handler.consume(ConsumerLoop(consumer: consumer, handler: handler, member: member, clock: clock,
                                               observer: LoggingObserver(logger: logger)))
    }
}

/// The event store's relay (the store is the outbox) as a lifecycle service.
public struct RelayService<Store: EventStore, Bus: EventBus, Checkpoints: CheckpointStore>: Service {
    let relay: EventRelay<Store, Bus, Checkpoints>

    public func run() async throws {
        try await untilShutdown { try await relay.run() }
    }
}

/// The order saga's payment deadlines as a lifecycle service.
public struct DeadlineService<Store: EventStore>: Service {
    let orders: OrderService<Store>

    public func run() async throws {
        try await untilShutdown {
            // Waits for the store if it is not up yet (a service process started before it).
            try await orders.recover()
            try await orders.runDeadlines()
        }
    }
}
