import Actors
import Core
import Dispatch
import InMemory
import Synchronization
import Testing

struct StillClock: TimeSource {
    func now() -> Timestamp { Timestamp(millis: 5) }
    func sleep(until deadline: Timestamp) async throws {}
}

final class CountingRandom: RandomSource {
    let counter = Mutex<UInt64>(0)
    func next() -> UInt64 { counter.withLock { $0 &+= 0x9E37_79B9_7F4A_7C15; return $0 } }
}

/// Plays back a fixed list of draws, then repeats its last one.
final class ScriptedRandom: RandomSource {
    let draws: Mutex<[UInt64]>
    init(_ draws: [UInt64]) { self.draws = Mutex(draws) }
    func next() -> UInt64 { draws.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] } }
}

/// A payment provider double: idempotent by key, counts real debits.
final class FakeProvider: PaymentProvider {
    struct State {
        var charges: [String: ChargeOutcome] = [:]
        var debits = 0
        var refunds = 0
        var decline = false
    }
    let state = Mutex(State())

    func charge(key: String, customer: CustomerID, amount: Money) async throws -> ChargeOutcome {
        state.withLock { s in
            if let existing = s.charges[key] { return existing }
            let outcome: ChargeOutcome = s.decline ? .declined(reason: "no") : .approved(chargeID: "ch-\(s.debits + 1)")
            if !s.decline { s.debits += 1 }
            s.charges[key] = outcome
            return outcome
        }
    }

    func refund(key: String) async throws -> RefundOutcome {
        state.withLock { s in
            guard case .approved? = s.charges[key] else { return .nothingToRefund }
            s.charges[key] = .declined(reason: "refunded")
            s.refunds += 1
            return .refunded(Money(minorUnits: 300, currency: .eur))
        }
    }
}

final class FakeWarehouse: Warehouse {
    let stock = Mutex<Int64>(1)
    func reserve(key: String, lines: [OrderLine]) async throws -> ReservationOutcome {
        stock.withLock { s in
            guard s >= lines[0].quantity else { return .insufficientStock(lines[0].sku) }
            s -= lines[0].quantity
            return .reserved
        }
    }
    func ship(key: String) async throws -> String { "trk" }
}

@Suite struct ServiceTests {
    let store: InMemoryEventStore
    let writer: StreamWriter<InMemoryEventStore>

    init() {
        store = InMemoryEventStore(clock: StillClock())
        writer = StreamWriter(store: store, clock: StillClock(), random: CountingRandom())
    }

    let alice = CustomerID(unchecked: "alice")

    func place(key: String? = nil, quantity: Int64 = 1) async throws -> PlaceOrderResult {
        let orders = OrderService(writer: writer)
        return try await orders.place(PlaceOrder(customerID: alice, lines: [OrderLine(sku: SKU(unchecked: "w"), quantity: quantity, unitPrice: 300)],
                                                 currency: .eur, clientKey: key))
    }

    func delivery(_ order: OrderID, version: Int64) async throws -> Delivery {
        let event = try await store.readStream(order.streamID, from: version, direction: .forwards, limit: 1)[0]
        return Delivery(topic: Topics.orders, partition: 0, offset: version, key: order.rawValue, event: event, generation: 1)
    }

    @Test func placingWithTheSameKeyIsIdempotent() async throws {
        let first = try await place(key: "k1")
        let again = try await place(key: "k1")
        #expect(first.orderID == again.orderID && !first.wasDuplicate && again.wasDuplicate)
        #expect(store.lastPosition == 1)
        await #expect {
            try await place(key: "k1", quantity: 2)
        } throws: { ($0 as? CausewayError)?.code == .idempotencyConflict }
        let other = try await place()
        #expect(other.orderID != first.orderID)
    }

    @Test func anOrderThatDrawsATakenIdDrawsAgain() async throws {
        // An order id takes one draw, an event id two: the second order's first id is the first's.
        let random = ScriptedRandom([1, 2, 3, 1, 4, 5, 6, 7, 8])
        let orders = OrderService(writer: StreamWriter(store: store, clock: StillClock(), random: random))
        let command = PlaceOrder(customerID: alice, lines: [OrderLine(sku: SKU(unchecked: "w"), quantity: 1, unitPrice: 300)],
                                 currency: .eur, clientKey: nil)
        let first = try await orders.place(command)
        let second = try await orders.place(command)
        #expect(first.orderID == ScriptedRandom([1]).makeOrderID())
        #expect(second.orderID == ScriptedRandom([6]).makeOrderID())
        #expect(!first.wasDuplicate && !second.wasDuplicate)
        #expect(try await store.readStream(first.orderID.streamID, from: 1, direction: .forwards, limit: 10).count == 1)
        #expect(try await store.readStream(second.orderID.streamID, from: 1, direction: .forwards, limit: 10).count == 1)
        #expect(first.orderID.streamID.rawValue.utf8.count == 15)

        // Only taken ids, three times: the order is refused as a transient failure, nothing written.
        let stuck = OrderService(writer: StreamWriter(store: store, clock: StillClock(), random: ScriptedRandom([1])))
        await #expect {
            try await stuck.place(command)
        } throws: { ($0 as? CausewayError)?.code == .unavailable }
        #expect(store.lastPosition == 2)
    }

    @Test func redeliveredOrderCreatedIsChargedOnce() async throws {
        let provider = FakeProvider()
        let payments = PaymentService(writer: writer, provider: provider)
        let order = try await place().orderID
        let created = try await delivery(order, version: 1)
        try await payments.handle(created)
        try await payments.handle(created)
        #expect(provider.state.withLock { $0.debits } == 1)
        #expect(try await store.readStream(order.streamID).map(\.type) == [.orderCreated, .paymentDebited])
    }

    @Test func aChargeTakenBeforeACrashIsRecordedWithoutChargingAgain() async throws {
        let provider = FakeProvider()
        let order = try await place().orderID
        // The provider charged, but the service died before it appended.
        _ = try await provider.charge(key: PaymentService<InMemoryEventStore, FakeProvider>.chargeKey(order), customer: alice,
                                      amount: Money(minorUnits: 300, currency: .eur))
        let payments = PaymentService(writer: writer, provider: provider)
        try await payments.handle(try await delivery(order, version: 1))
        #expect(provider.state.withLock { $0.debits } == 1)
        #expect(try await store.readStream(order.streamID).last?.type == .paymentDebited)
    }

    @Test func aCancelledPaidOrderIsRefundedOnce() async throws {
        let provider = FakeProvider()
        let payments = PaymentService(writer: writer, provider: provider)
        let order = try await place().orderID
        try await payments.handle(try await delivery(order, version: 1))
        let state = try #require(try await writer.load(order))
        _ = try await writer.append([.shipmentFailed(reason: "x"), .cancelled(reason: "shipment-failed")], to: state, causedBy: "t")
        let cancelled = try await delivery(order, version: 4)
        try await payments.handle(cancelled)
        try await payments.handle(cancelled)
        #expect(provider.state.withLock { $0.refunds } == 1)
        #expect(try await store.readStream(order.streamID).last?.type == .paymentRefunded)
    }

    @Test func shippingApprovesAndShipsOrFails() async throws {
        let provider = FakeProvider()
        let payments = PaymentService(writer: writer, provider: provider)
        let shipping = ShippingService(writer: writer, warehouse: FakeWarehouse())
        let a = try await place().orderID
        let b = try await place().orderID
        for order in [a, b] {
            try await payments.handle(try await delivery(order, version: 1))
            try await shipping.handle(try await delivery(order, version: 2))
        }
        #expect(try await store.readStream(a.streamID).map(\.type) == [.orderCreated, .paymentDebited, .approved, .shipped])
        #expect(try await store.readStream(b.streamID).map(\.type) == [.orderCreated, .paymentDebited, .shipmentFailed])
        // The saga cancels the failed one.
        let orders = OrderService(writer: writer)
        try await orders.handle(try await delivery(b, version: 3))
        #expect(try await writer.load(b)?.status == .cancelled)
    }

    @Test(arguments: [false, true])
    func queryWorkerSkipsDuplicatesAndFillsGaps(compareAndSetOnly: Bool) async throws {
        let memory = InMemoryReadModel()
        if compareAndSetOnly {
            try await checkQueryWorker(CompareAndSetReadModel(inner: memory))
        } else {
            try await checkQueryWorker(memory)
        }
    }

    private func checkQueryWorker<Views: ReadModelStore>(_ views: Views) async throws {
        let worker = OrderQueryWorker(store: store, views: views, clock: StillClock())
        let order = try await place().orderID
        let state = try #require(try await writer.load(order))
        _ = try await writer.append([.paymentDeclined(reason: "x"), .cancelled(reason: "payment-declined")], to: state, causedBy: "t")
        // Version 3 arrives first (its partition moved): the worker reads 1...3 from the store.
        try await worker.handle(try await delivery(order, version: 3))
        #expect(try await views.view(of: order)?.version == 3)
        try await worker.handle(try await delivery(order, version: 1))
        try await worker.handle(try await delivery(order, version: 2))
        let view = try #require(try await views.view(of: order))
        #expect(view == OrderView.fold(try await store.readStream(order.streamID)))
        #expect(view.history.count == 3)
        let listed = try await QueryService(views: views).orders(OrderQuery(customerID: alice, status: .cancelled))
        #expect(listed.map(\.orderID) == [order])
        await #expect(throws: CausewayError.self) { try await QueryService(views: views).order(OrderID(unchecked: "nope")) }
    }
}

extension ServiceTests {
    /// Both ways of applying an event to the read model (in place in the in-memory store, and
    /// the port's read and compare-and-set) give the same outcomes and views.
    @Test(arguments: [false, true])
    func applyingToTheReadModelSaysWhatItDid(compareAndSetOnly: Bool) async throws {
        let memory = InMemoryReadModel()
        let views: any ReadModelStore = compareAndSetOnly ? CompareAndSetReadModel(inner: memory) : memory
        let order = try await place().orderID
        let state = try #require(try await writer.load(order))
        _ = try await writer.append([.paymentDeclined(reason: "x"), .cancelled(reason: "payment-declined")], to: state, causedBy: "t")
        let events = try await store.readStream(order.streamID)

        // Nothing stored: only the first event starts a view.
        #expect(try await views.apply(events[1], to: order) == .behind(nil))
        #expect(try await views.view(of: order) == nil)
        #expect(try await views.apply(events[0], to: order) == .applied)
        #expect(try await views.view(of: order) == OrderView.fold(Array(events[..<1])))
        // A redelivery is skipped; a gap writes nothing and hands back the view as it is.
        #expect(try await views.apply(events[0], to: order) == .skipped)
        let first = try await views.view(of: order)
        #expect(try await views.apply(events[2], to: order) == .behind(first))
        #expect(try await views.view(of: order) == first)
        #expect(try await views.apply(events[1], to: order) == .applied)
        #expect(try await views.apply(events[2], to: order) == .applied)
        #expect(try await views.view(of: order) == OrderView.fold(events))
        // A stream whose first event is not order-created starts no view.
        let stray = RecordedEvent(eventID: EventID(unchecked: "e-stray"), streamID: StreamID(unchecked: "order-stray"),
                                  streamVersion: 1, globalPosition: 99, event: .approved, schemaVersion: 1,
                                  occurredAt: .zero, recordedAt: .zero, correlationID: "c", causationID: "c")
        #expect(try await views.apply(stray, to: OrderID(unchecked: "stray")) == .skipped)
        #expect(try await views.view(of: OrderID(unchecked: "stray")) == nil)
    }
}

/// A read model with only the port's read and compare-and-set: `apply` is the port's default.
struct CompareAndSetReadModel: ReadModelStore {
    let inner: InMemoryReadModel
    func view(of order: OrderID) async throws -> OrderView? { try await inner.view(of: order) }
    func save(_ view: OrderView, replacingVersion: Int64) async throws -> Bool {
        try await inner.save(view, replacingVersion: replacingVersion)
    }
    func list(_ query: OrderQuery) async throws -> [OrderView] { try await inner.list(query) }
}

/// An event store that counts stream reads.
final class ReadCountingStore: EventStore {
    let inner: InMemoryEventStore
    let reads = Mutex(0)
    init(_ inner: InMemoryEventStore) { self.inner = inner }

    func append(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) async throws -> AppendResult {
        try await inner.append(events, to: stream, expected: expected)
    }
    func readStream(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) async throws -> [RecordedEvent] {
        reads.withLock { $0 += 1 }
        return try await inner.readStream(stream, from: version, direction: direction, limit: limit)
    }
    func readAll(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await inner.readAll(after: position, limit: limit)
    }
    func subscribeAll(after position: Int64) async throws -> any EventSubscription {
        try await inner.subscribeAll(after: position)
    }
}

extension ServiceTests {
    @Test func shippingNeedsNoReadForAnOrderItAlreadyShipped() async throws {
        let counting = ReadCountingStore(store)
        let countingWriter = StreamWriter(store: counting, clock: StillClock(), random: writer.random)  // one id sequence
        let payments = PaymentService(writer: writer, provider: FakeProvider())
        let shipping = ShippingService(writer: countingWriter, warehouse: FakeWarehouse())
        let order = try await place().orderID
        try await payments.handle(try await delivery(order, version: 1))
        try await shipping.handle(try await delivery(order, version: 2))
        #expect(try await store.readStream(order.streamID).last?.type == .shipped)
        let readsToShip = counting.reads.withLock { $0 }
        // The approved event comes after the service shipped the order itself: nothing to read.
        try await shipping.handle(try await delivery(order, version: 3))
        #expect(counting.reads.withLock { $0 } == readsToShip)
        // A restarted instance has forgotten, reads the stream, and still does nothing more.
        let restarted = ShippingService(writer: countingWriter, warehouse: FakeWarehouse())
        try await restarted.handle(try await delivery(order, version: 3))
        #expect(counting.reads.withLock { $0 } == readsToShip + 1)
        #expect(try await store.readStream(order.streamID).map(\.type) == [.orderCreated, .paymentDebited, .approved, .shipped])
    }

    @Test func recentOrdersForgetsTheOldestFirst() {
        var recent = RecentOrders(capacity: 2)
        let (a, b, c) = (OrderID(unchecked: "a"), OrderID(unchecked: "b"), OrderID(unchecked: "c"))
        recent.insert(a)
        recent.insert(b)
        recent.insert(a)  // already there: still the oldest
        recent.insert(c)
        #expect(!recent.contains(a) && recent.contains(b) && recent.contains(c))
    }
}

/// A serial executor that counts the jobs it is given and runs them, in order, on a queue.
final class CountingExecutor: SerialExecutor, @unchecked Sendable {
    let jobs = Mutex(0)
    private let queue = DispatchQueue(label: "counting-executor")

    func enqueue(_ job: consuming ExecutorJob) {
        jobs.withLock { $0 += 1 }
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}

extension ServiceTests {
    @Test func aServiceRunsOnTheExecutorItIsGiven() async throws {
        let executor = CountingExecutor()
        let shared = ServiceExecutor.shared(executor)
        let provider = FakeProvider()
        let payments = PaymentService(writer: writer, provider: provider, executor: shared)
        let shipping = ShippingService(writer: writer, warehouse: FakeWarehouse(), executor: shared)
        let order = try await place().orderID
        // Payments touches no state of its actor: its handler runs where it is called (its consumer
        // loop runs on the actor), so a call from here puts nothing on the executor.
        try await payments.handle(try await delivery(order, version: 1))
        #expect(executor.jobs.withLock { $0 } == 0)
        try await shipping.handle(try await delivery(order, version: 2))
        let jobs = executor.jobs.withLock { $0 }
        #expect(jobs >= 1)
        #expect(try await store.readStream(order.streamID).map(\.type) == [.orderCreated, .paymentDebited, .approved, .shipped])
        // By default a service has a queue of its own, as a default actor has: nothing lands on the shared one.
        let own = ShippingService(writer: writer, warehouse: FakeWarehouse())
        let second = try await place().orderID
        try await payments.handle(try await delivery(second, version: 1))
        try await own.handle(try await delivery(second, version: 2))
        #expect(executor.jobs.withLock { $0 } == jobs)
        #expect(try await store.readStream(second.streamID).last?.type == .shipped)
    }
}

/// Records what it handles.
actor RecordingHandler: EventHandler {
    var handled: [Int64] = []
    nonisolated var interests: Set<EventType> { Set(EventType.allCases) }
    func handle(_ delivery: Delivery) async throws { handled.append(delivery.offset) }
}

/// Counts the bus's commits.
final class CommitCounter: EventBusObserver {
    let commits = Mutex<[Int64]>([])
    func published(_ record: BusRecord, partition: Int, offset: Int64) {}
    func delivered(_ batch: [Delivery], group: String, member: String) {}
    func committed(group: String, member: String, topic: String, partition: Int, offset: Int64) {
        commits.withLock { $0.append(offset) }
    }
    func rebalanced(group: String, generation: Int, assignment: [(member: String, partitions: [Int])]) {}
}

extension ServiceTests {
    @Test func theConsumerLoopHandlesEveryRecordAndCommitsOncePerBatch() async throws {
        let counter = CommitCounter()
        let bus = InMemoryEventBus(configuration: .init(partitions: 1), random: CountingRandom(), observer: counter)
        let order = try await place().orderID
        let created = try await store.readStream(order.streamID)[0]
        try await bus.publish(Array(repeating: BusRecord(created), count: 5))
        let consumer = bus.joinMember(group: "g", member: "m", topics: [Topics.orders])
        let handler = RecordingHandler()
        let loop = Task { try await handler.consume(ConsumerLoop(consumer: consumer, handler: handler, member: "m",
                                                                 clock: StillClock(), batchSize: 2)) }
        while await handler.handled.count < 5 || counter.commits.withLock({ $0.last }) != 5 { await Task.yield() }
        await consumer.close()
        try await loop.value
        #expect(await handler.handled == [0, 1, 2, 3, 4])
        #expect(counter.commits.withLock { $0 } == [2, 4, 5])
    }
}
