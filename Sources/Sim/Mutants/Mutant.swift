import Core
import Actors

/// Deliberately broken variants of the services. They exist to prove the checkers work: each
/// one breaks one rule, and `causeway selfcheck` shows a checker catching it. They are only ever
/// wired into the simulator.
public enum Mutant: String, CaseIterable, Hashable, Sendable {
    /// Payment charges the provider with a fresh key on every delivery (no idempotency key).
    case paymentDebitsEveryDelivery = "payment-debits-every-delivery"
    /// Shipping ships as soon as an order is created, paid or not.
    case shippingShipsUnpaid = "shipping-ships-unpaid"
    /// A query worker applies every delivery, ignoring stream versions.
    case queryIgnoresVersions = "query-ignores-versions"
    /// The relay never publishes every seventh event.
    case relaySkipsEvent = "relay-skips-event"
    /// Nobody refunds an order that was paid and then cancelled.
    case sagaForgetsRefund = "saga-forgets-refund"
    /// The order service tells a client its order was taken when writing it failed.
    case ordersAckUnwritten = "orders-ack-unwritten"
    /// Shipping ships under a fresh warehouse key on every attempt (no idempotency key).
    case shippingShipsEveryAttempt = "shipping-ships-every-attempt"
    /// Payment commits each batch before handling it: at most once, not at least once.
    case paymentsCommitFirst = "payments-commit-first"
    /// The relay gives up at its first failed publication (no retry): the error ends it, as an
    /// unhandled one ends a loop.
    case relayStopsOnError = "relay-stops-on-error"

    /// What it breaks, in a line.
    public var summary: String {
        switch self {
        case .paymentDebitsEveryDelivery: "payment charges again on every delivery"
        case .shippingShipsUnpaid: "shipping ships without a debit"
        case .queryIgnoresVersions: "a query worker ignores stream versions"
        case .relaySkipsEvent: "the relay skips an event"
        case .sagaForgetsRefund: "the saga forgets to refund"
        case .ordersAckUnwritten: "the order service acknowledges an order it did not write"
        case .shippingShipsEveryAttempt: "shipping hands a parcel to the carrier on every attempt"
        case .paymentsCommitFirst: "payment commits a batch before handling it"
        case .relayStopsOnError: "the relay stops at its first failed publication"
        }
    }
}

/// An order service that answers "accepted" when it could not write the order (the store was
/// unreachable, say), as a service that acknowledged before its write came back would.
struct AckingOrderService<Store: EventStore>: Sendable {
    let real: OrderService<Store>
    let random: any RandomSource

    func place(_ command: PlaceOrder) async throws -> PlaceOrderResult {
        do {
            return try await real.place(command)
        } catch let error as CausewayError where error.isTransient {
            let id = command.clientKey.map { OrderID.derived(customer: command.customerID, clientKey: $0) } ?? random.makeOrderID()
            return PlaceOrderResult(orderID: id, total: try OrderDecider.validate(command), wasDuplicate: false)
        }
    }
}

/// Payment without an idempotency key: a redelivered or retried charge is a new charge.
/// Everything else (refunds, voids) it leaves to the real service, so only the key is broken.
actor KeylessPaymentService<Store: EventStore, Provider: PaymentProvider>: EventHandler {
    let writer: StreamWriter<Store>
    let provider: Provider
    let real: PaymentService<Store, Provider>
    private var calls = 0
    let executor: ServiceExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

    init(writer: StreamWriter<Store>, provider: Provider, executor: ServiceExecutor) {
        self.executor = executor
        self.writer = writer
        self.provider = provider
        real = PaymentService(writer: writer, provider: provider, executor: executor)
    }

    nonisolated var interests: Set<EventType> { [.orderCreated, .cancelled] }

    func handle(_ delivery: Delivery) async throws {
        guard let order = delivery.event.orderID else { return }
        guard delivery.event.type == .orderCreated else { return try await real.handle(delivery) }
        calls += 1
        let key = "pay-\(order)-\(calls)"
        guard let state = try await writer.load(order), case .charge(let customer, let amount) = PaymentDecider.next(state)
        else { return }
        let outcome = try await provider.charge(key: key, customer: customer, amount: amount)
        _ = try await writer.append([PaymentDecider.record(outcome, amount: amount)], to: state, causedBy: key)
    }
}

/// Payment that never refunds (charges correctly, as the real one does).
actor NonRefundingPaymentService<Store: EventStore, Provider: PaymentProvider>: EventHandler {
    let real: PaymentService<Store, Provider>
    let executor: ServiceExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

    init(writer: StreamWriter<Store>, provider: Provider, executor: ServiceExecutor) {
        self.executor = executor
        real = PaymentService(writer: writer, provider: provider, executor: executor)
    }

    nonisolated var interests: Set<EventType> { [.orderCreated] }

    func handle(_ delivery: Delivery) async throws {
        try await real.handle(delivery)
    }
}

/// Shipping broken one of two ways.
actor BrokenShippingService<Store: EventStore, Stock: Warehouse>: EventHandler {
    enum Breakage {
        /// Ships on `order-created`, paid or not.
        case shipsUnpaid
        /// No stable idempotency key at the warehouse: each attempt at an order reserves and
        /// ships under a key of its own, so an attempt repeated after a crash ships a second parcel.
        case shipsEveryAttempt
    }

    let breakage: Breakage
    let writer: StreamWriter<Store>
    let warehouse: Stock
    private var attempts = 0
    let executor: ServiceExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

    init(_ breakage: Breakage, writer: StreamWriter<Store>, warehouse: Stock, executor: ServiceExecutor) {
        self.breakage = breakage
        self.executor = executor
        self.writer = writer
        self.warehouse = warehouse
    }

    nonisolated var interests: Set<EventType> {
        switch breakage {
        case .shipsUnpaid: [.orderCreated]
        case .shipsEveryAttempt: [.paymentDebited, .approved]
        }
    }

    func handle(_ delivery: Delivery) async throws {
        guard let order = delivery.event.orderID else { return }
        let key = ShippingService<Store, Stock>.shipmentKey(order)
        switch breakage {
        case .shipsUnpaid:
            guard let state = try await writer.load(order), state.trackingID == nil else { return }
            guard try await warehouse.reserve(key: key, lines: state.lines) == .reserved else { return }
            let tracking = try await warehouse.ship(key: key)
            _ = try await writer.append([.shipped(trackingID: tracking)], to: state, causedBy: key)
        case .shipsEveryAttempt:
            attempts += 1
            try await shipEveryAttempt(order, key: key + "-\(attempts)")
        }
    }

    private func shipEveryAttempt(_ order: OrderID, key: String) async throws {
        var reserved = false
        var current = try await writer.load(order)
        while let state = current.take() {
            switch ShipmentDecider.next(state) {
            case .reserve(let lines):
                let outcome = try await warehouse.reserve(key: key, lines: lines)
                reserved = outcome == .reserved
                current = try await writer.append([ShipmentDecider.record(outcome)], to: state, causedBy: key)
            case .ship:
                if !reserved {
                    guard try await warehouse.reserve(key: key, lines: state.lines) == .reserved else { return }
                    reserved = true
                }
                let tracking = try await warehouse.ship(key: key)
                current = try await writer.append([.shipped(trackingID: tracking)], to: state, causedBy: key)
            case .nothing:
                return
            }
            if case .none = current { current = try await writer.load(order) }
        }
    }
}

/// A query worker that applies whatever it is handed.
actor VersionBlindQueryWorker<Views: ReadModelStore>: EventHandler {
    let views: Views
    let executor: ServiceExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

    init(views: Views, executor: ServiceExecutor) {
        self.views = views
        self.executor = executor
    }

    nonisolated var interests: Set<EventType> { Set(EventType.allCases) }

    func handle(_ delivery: Delivery) async throws {
        let event = delivery.event
        guard let order = event.orderID else { return }
        let current = try await views.view(of: order)
        var next: OrderView
        if let current, let state = OrderState.evolve(current.state, event) {
            next = current
            next.state = state
            next.history.append(OrderHistoryEntry(version: event.streamVersion, type: event.type, at: event.recordedAt))
        } else if let first = OrderView(first: event) {
            next = first
        } else {
            return
        }
        _ = try await views.save(next, replacingVersion: current?.version ?? 0)
    }
}

/// A relay that drops every seventh event on the floor.
struct SkippingRelay<Store: EventStore, Bus: EventBus, Checkpoints: CheckpointStore>: Sendable {
    let store: Store
    let bus: Bus
    let checkpoints: Checkpoints
    let clock: any TimeSource

    func run() async throws {
        let start = try await checkpoints.load("relay")
        let subscription = try await store.subscribeAll(after: start)
        while let event = try await subscription.next() {
            if event.globalPosition % 7 != 0 {
                try await RetryPolicy.forever.run(clock: clock) { try await bus.publish([BusRecord(event)]) }
            }
            try await checkpoints.save("relay", position: event.globalPosition)
        }
    }
}

/// A consumer loop that commits each batch as soon as it is polled, then handles it: a crash
/// while handling loses the rest of the batch, as a client with auto-commit on loses it.
struct CommitFirstLoop<Handler: EventHandler, Consumer: BusConsumer>: Sendable {
    let consumer: Consumer
    let handler: Handler
    let member: String
    let clock: any TimeSource
    let observer: (any ConsumerObserver)?

    func run() async throws {
        while true {
            let batch = try await consumer.poll(max: 64)
            if batch.isEmpty { return }
            try? await consumer.commit(batch)
            for delivery in batch where handler.interests.contains(delivery.event.type) {
                try await RetryPolicy.forever.run(clock: clock) { try await handler.handle(delivery) }
                observer?.handled(delivery, member: member)
            }
        }
    }
}
