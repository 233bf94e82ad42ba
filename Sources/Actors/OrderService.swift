public import Core

/// The answer to a place-order request.
public struct PlaceOrderResult: Hashable, Sendable {
    public var orderID: OrderID
    /// The order's total as accepted.
    public var total: Money
    /// True when the request repeated an earlier one's idempotency key: nothing new was created.
    public var wasDuplicate: Bool

    public init(orderID: OrderID, total: Money, wasDuplicate: Bool) {
        self.orderID = orderID
        self.total = total
        self.wasDuplicate = wasDuplicate
    }
}

/// The order service: accepts place-order commands and runs the order saga (cancel on a declined
/// payment, on a failed shipment, and when no payment outcome arrives before the deadline).
///
/// It keeps nothing it cannot rebuild: idempotency comes from ids derived from the client key,
/// and the pending payment deadlines are rebuilt from the log by ``recover()`` after a restart.
public final actor OrderService<Store: EventStore>: EventHandler {
    public struct Configuration: Hashable, Sendable {
        /// How long an order may wait for a payment outcome before the saga cancels it.
        public var paymentTimeout: Duration
        public init(paymentTimeout: Duration = .seconds(10)) { self.paymentTimeout = paymentTimeout }
    }

    let writer: StreamWriter<Store>
    let configuration: Configuration
    // The actor's own state is only touched by its methods, one at a time and never across an
    // `await` in the middle of an access, so it goes without runtime exclusivity checks (every
    // order inserted, searched and removed them several times).
    /// Orders still waiting for a payment outcome, by deadline (kept sorted from `deadlineHead` on;
    /// entries before it have fired and are dropped in bulk).
    @exclusivity(unchecked) private var deadlines: [(at: Timestamp, order: OrderID)] = []
    @exclusivity(unchecked) private var deadlineHead = 0
    @exclusivity(unchecked) private var awaitingPayment: Set<OrderID> = []
    private let deadlineAdded = Wakeup()

    let executor: ServiceExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

    public init(writer: StreamWriter<Store>, configuration: Configuration = .init(), executor: ServiceExecutor = .dedicated()) {
        self.executor = executor
        self.writer = writer
        self.configuration = configuration
    }

    public nonisolated var interests: Set<EventType> {
        [.orderCreated, .paymentDebited, .paymentDeclined, .shipmentFailed]
    }

    // MARK: Commands

    /// Places an order. With a client key the call is idempotent: a repeat returns the same order
    /// (and `wasDuplicate`), a different order under the same key is an `idempotencyConflict`.
    public func place(_ command: PlaceOrder) async throws -> PlaceOrderResult {
        let total = try OrderDecider.validate(command)
        guard let key = command.clientKey else {
            // A random id can be one another order drew already: its stream then exists, and a
            // fresh id is drawn (48 bits each: at a million orders, one draw in about 560 repeats).
            for _ in 1...3 {
                if let placed = try await create(command, total: total, orderID: writer.random.makeOrderID(),
                                                 eventID: writer.random.makeEventID()) {
                    return placed
                }
            }
            throw CausewayError(.unavailable, "no unused order id in three draws")
        }
        let orderID = OrderID.derived(customer: command.customerID, clientKey: key)
        if let placed = try await create(command, total: total, orderID: orderID,
                                         eventID: OrderID.creationEventID(for: orderID)) {
            return placed
        }
        guard let existing = try await writer.load(orderID),
            existing.customerID == command.customerID, existing.lines == command.lines,
            existing.total == total
        else {
            throw CausewayError(.idempotencyConflict, "idempotency key '\(key)' was already used for a different order")
        }
        return PlaceOrderResult(orderID: orderID, total: existing.total, wasDuplicate: true)
    }

    /// Appends the order's creation to a stream that must not exist yet; nil if it exists.
    private func create(_ command: PlaceOrder, total: Money, orderID: OrderID, eventID: EventID) async throws
        -> PlaceOrderResult?
    {
        let events = try OrderDecider.place(command, orderID: orderID)
        let now = writer.clock.now()
        let correlation = String.prefixed("req-", orderID.rawValue)
        let new = events.map {
            NewEvent(eventID: eventID, event: $0, occurredAt: now, correlationID: correlation,
                     causationID: command.clientKey.map { .prefixed("key-", $0) } ?? correlation)
        }
        do {
            let result = try await writer.retry.run(clock: writer.clock) {
                try await writer.store.append(new, to: orderID.streamID, expected: .noStream)
            }
            if !result.wasDuplicate { watchPayment(orderID, createdAt: now) }
            return PlaceOrderResult(orderID: orderID, total: total, wasDuplicate: result.wasDuplicate)
        } catch where CausewayError.isConflict(error) {
            return nil
        }
    }

    // MARK: Saga

    public func handle(_ delivery: Delivery) async throws {
        guard let order = delivery.event.orderID else { return }
        switch delivery.event.event {
        case .created:
            watchPayment(order, createdAt: delivery.event.occurredAt)
        case .paymentDebited:
            awaitingPayment.remove(order)
        case .paymentDeclined, .shipmentFailed:
            awaitingPayment.remove(order)
            try await settle(order, cause: delivery.event.eventID.rawValue) { OrderDecider.react(to: $0) }
        default:
            break
        }
    }

    /// Appends what `decide` says for the order's current state, re-deciding after conflicts.
    private func settle(_ order: OrderID, cause: String, _ decide: (OrderState) -> OrderEvent?) async throws {
        while let state = try await writer.load(order), let event = decide(state) {
            // Matched, not compared with nil: that copies the state through Optional's witnesses.
            if case .some = try await writer.append([event], to: state, causedBy: cause) { return }
        }
    }

    // MARK: Deadlines

    private func watchPayment(_ order: OrderID, createdAt: Timestamp) {
        guard awaitingPayment.insert(order).inserted else { return }
        let at = createdAt + configuration.paymentTimeout
        let index = deadlines[deadlineHead...].lastIndex { $0.at <= at }.map { $0 + 1 } ?? deadlineHead
        deadlines.insert((at, order), at: index)
        deadlineAdded.signal()
    }

    /// Rebuilds the payment deadlines of orders still waiting for a payment outcome by reading the
    /// whole log. Run once at start-up, before ``runDeadlines()``.
    ///
    /// While the store is unreachable it waits, however long that is: the deadlines are the only
    /// record of which orders still wait for a payment outcome (the saga's consumer committed
    /// their `order-created` before the restart), and a service that started without them would
    /// never cancel those orders, nor void a charge the provider took and never confirmed.
    public func recover() async throws {
        var position: Int64 = 0
        var open: [OrderID: OrderState] = [:]
        while true {
            let page = try await RetryPolicy.forever.run(clock: writer.clock) {
                try await writer.store.readAll(after: position, limit: 1000)
            }
            guard let last = page.last else { break }
            for event in page {
                guard let order = event.orderID else { continue }
                OrderState.evolve(&open[order], event)
            }
            position = last.globalPosition
        }
        for state in open.values.sorted(by: { ($0.createdAt, $0.orderID) < ($1.createdAt, $1.orderID) }) where state.status == .created {
            watchPayment(state.orderID, createdAt: state.createdAt)
        }
    }

    /// Cancels orders whose payment deadline passes. Runs until cancelled.
    public func runDeadlines() async throws {
        while true {
            try Cancellation.check()
            guard deadlineHead < deadlines.count else {
                await deadlineAdded.wait()
                continue
            }
            let first = deadlines[deadlineHead]
            // An order whose payment outcome came in needs no wake-up at its deadline: passed
            // over now, the service sleeps only until the first order still waiting.
            let waiting = awaitingPayment.contains(first.order)
            if waiting, first.at > writer.clock.now() {
                try await writer.clock.sleep(until: first.at)
                continue
            }
            deadlineHead += 1
            if deadlineHead > 1024, deadlineHead * 2 > deadlines.count {
                deadlines.removeFirst(deadlineHead)
                deadlineHead = 0
            }
            guard waiting else { continue }
            awaitingPayment.remove(first.order)
            do {
                try await settle(first.order, cause: "deadline") { OrderDecider.paymentDeadlinePassed($0) }
            } catch let error as CausewayError where error.isTransient {
                // The store is unreachable: try this order again a little later.
                watchPayment(first.order, createdAt: writer.clock.now() - configuration.paymentTimeout + .seconds(1))
            }
        }
    }
}
