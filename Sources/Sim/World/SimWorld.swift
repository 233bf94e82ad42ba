public import Core
public import InMemory
public import Actors

/// The services a simulated world runs, one node each (as in deployment).
public enum ServiceName: String, CaseIterable, Hashable, Sendable, Comparable {
    case eventstore
    case orders
    case payments
    case shipping
    case orderquery1 = "orderquery-1"
    case orderquery2 = "orderquery-2"

    public static func < (l: Self, r: Self) -> Bool { l.rawValue < r.rawValue }

    /// The case's position in `allCases`: the index of the world's tables kept per node.
    var ordinal: Int {
        switch self {
        case .eventstore: 0
        case .orders: 1
        case .payments: 2
        case .shipping: 3
        case .orderquery1: 4
        case .orderquery2: 5
        }
    }

    /// Hashes the case, not its name.
    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }
}

/// Consumer-group names.
enum Groups {
    static let saga = "orders-saga"
    static let payments = "payments"
    static let shipping = "shipping"
    static let query = "orderquery"
}

/// Settings of a simulated world.
public struct WorldConfiguration: Sendable {
    public var seed: UInt64
    public var partitions = 4
    public var paymentTimeout: Duration = .seconds(10)
    /// How long the bus waits before it declares a silent (crashed) member dead and rebalances.
    public var sessionTimeout: Duration = .seconds(1)
    public var busLatency: ClosedRange<Duration> = .milliseconds(1)...(.milliseconds(5))
    /// What the run does with its trace: hash it (the default), also keep its text (for
    /// `--trace`), or skip it (exploration, which re-runs a failing seed to hash it).
    public var trace: TraceMode = .hash
    /// A deliberately broken service variant to run instead of the real one (self-checks only).
    public var mutant: Mutant?
    /// How many orders the run is expected to place (0: unknown). The store, the read model and
    /// the world's own bookkeeping make room for them up front instead of growing as they come.
    public var expectedOrders = 0

    public init(seed: UInt64) { self.seed = seed }
}

/// One simulated deployment: the in-memory store and bus, the providers, the network, and one
/// node per service, all on one ``SimRuntime``. Crashing a node cancels its tasks and drops its
/// memory; what it persisted (the log, offsets, the read model, the providers' books) stays.
public final class SimWorld: @unchecked Sendable {
    final class Node {
        let name: ServiceName
        /// Where the node's being up is kept, for the network to read.
        private let status: NodeStatus
        var up: Bool {
            get { status[name] }
            set { status[name] = newValue }
        }
        var incarnation = 0
        /// The node's own loops, for as long as the node is up.
        var tasks: [Task<Void, Never>] = []
        /// Client requests the node is serving, by number; each leaves when it ends, so a finished
        /// request's task (and the memory its runtime keeps for it) is not held for the whole run.
        @exclusivity(unchecked) var requests: [Int: Task<Void, Never>] = [:]
        @exclusivity(unchecked) var nextRequest = 0
        var members: [(group: String, member: String)] = []
        init(name: ServiceName, status: NodeStatus) {
            self.name = name
            self.status = status
        }

        /// Cancels every task of the node, in the order they were started.
        func cancelTasks() {
            for task in tasks { task.cancel() }
            tasks = []
            for number in requests.keys.sorted() { requests[number]!.cancel() }
            requests = [:]
        }
    }

    public let configuration: WorldConfiguration
    public let runtime: SimRuntime
    let random: SimRandom
    public let clock: SimClock
    public let trace: TraceRecorder
    public let log = LogModel()
    let checker: StepChecker
    /// What each consumer group handled, for the `consumed` checker.
    let consumption: ConsumptionLedger
    public let store: InMemoryEventStore
    public let bus: InMemoryEventBus
    public let views = InMemoryReadModel()
    let checkpoints = InMemoryCheckpoints()
    public let network: SimNetwork
    /// The fault knobs every wrapper and fake reads.
    public let faults = FaultBox()
    private let faultRandom: SimRandom
    public let provider: SimPaymentProvider
    public let warehouse: SimWarehouse
    /// By ``ServiceName/ordinal``: every simulated call asks whether its server is up.
    private let nodes: [Node]
    private let clocks: [SimClock]
    private(set) var orderService: OrderService<SimStoreClient>?
    /// The order service's broken front under the `orders-ack-unwritten` mutant.
    private var ackingOrders: AckingOrderService<SimStoreClient>?

    public convenience init(_ configuration: WorldConfiguration) {
        self.init(configuration, observers: [])
    }

    init(_ configuration: WorldConfiguration, observers extraObservers: [any SimFactObserver]) {
        self.configuration = configuration
        random = SimRandom(seed: configuration.seed)
        runtime = SimRuntime(random: random.split("timers"))
        clock = SimClock(runtime: runtime)
        checker = StepChecker(log: log)
        consumption = ConsumptionLedger(expectedEvents: 4 * configuration.expectedOrders)  // four events an order that ships
        trace = TraceRecorder(runtime: runtime, mode: configuration.trace,
                              observers: [log, checker] + extraObservers)
        store = InMemoryEventStore(clock: clock, observer: trace, cancellationWakesSubscribers: false,
                                   parking: runtime.readerParking)
        let latencyRandom = random.split("bus-latency")
        let latency = configuration.busLatency.wholeMilliseconds
        bus = InMemoryEventBus(
            configuration: .init(partitions: configuration.partitions,
                                 latency: { @Sendable in .milliseconds(latencyRandom.millis(in: latency)) },
                                 cancellationWakesReaders: false, parking: runtime.readerParking),
            scheduler: runtime, random: random.split("bus"), observer: trace)
        let status = NodeStatus()
        network = SimNetwork(clock: clock, random: random.split("network"), faults: faults, nodes: status)
        faultRandom = random.split("faults")
        provider = SimPaymentProvider(clock: clock, random: random.split("provider"))
        warehouse = SimWarehouse(clock: clock, random: random.split("warehouse"))
        provider.observer = trace
        provider.faults = faults
        let runtime = self.runtime, trace = self.trace, checker = self.checker
        checker.now = { runtime.now }
        checker.step = { [unowned trace] in trace.lineCount }  // the trace holds the checker
        checker.stop = { runtime.stop() }
        provider.onBalance = { checker.balance($0, is: $1) }
        warehouse.observer = trace
        nodes = ServiceName.allCases.map { Node(name: $0, status: status) }
        clocks = ServiceName.allCases.map { _ in SimClock(runtime: runtime) }
        network.onLoss = { caller, what in trace.lost(what, caller: caller) }
        network.crash = { [unowned self] in crash($0) }
        if configuration.expectedOrders > 0 {
            // An order that ships has four events.
            let orders = configuration.expectedOrders
            store.reserveCapacity(streams: orders, eventsPerStream: 4)
            views.reserveCapacity(orders)
            log.reserveCapacity(orders: orders, events: 4 * orders)
            provider.reserveCapacity(orders)
            warehouse.reserveCapacity(orders)
        }
    }

    /// Starts every service.
    public func start() {
        for name in ServiceName.allCases { startNode(name) }
    }

    public func isUp(_ name: ServiceName) -> Bool { nodes[name.ordinal].up }

    /// A node's clock (clock faults move it).
    public func clock(of name: ServiceName) -> SimClock { clocks[name.ordinal] }

    /// Crashes a node: its tasks are cancelled, its memory is gone, its group memberships expire
    /// after the session timeout.
    public func crash(_ name: ServiceName) {
        let node = nodes[name.ordinal]
        guard node.up else { return }
        node.up = false
        trace.fault("crash", node: name.rawValue)
        runtime.executor.hosting { node.cancelTasks() }
        if name == .orders {
            orderService = nil
            ackingOrders = nil
        }
        let members = node.members
        node.members = []
        runtime.schedule(at: runtime.now + configuration.sessionTimeout) { [self] in
            for m in members { bus.expire(group: m.group, member: m.member) }
        }
    }

    /// Restarts a crashed node with fresh memory.
    public func restart(_ name: ServiceName) {
        guard !nodes[name.ordinal].up else { return }
        trace.fault("restart", node: name.rawValue)
        startNode(name)
    }

    /// Cancels every task so a finished run leaves nothing suspended.
    public func shutdown() {
        // Cancelling wakes the tasks that wait with a cancellation handler: they resume here.
        runtime.executor.hosting {
            for name in ServiceName.allCases {
                let node = nodes[name.ordinal]
                node.cancelTasks()
                node.up = false
            }
            // Parked readers have no cancellation handler here (see InMemoryEventBus.Configuration).
            bus.wakeAllReaders()
            store.wakeSubscribers()
            runtime.executor.runUntilIdle()
        }
        runtime.drainAfterShutdown()
    }

    private func startNode(_ name: ServiceName) {
        let node = nodes[name.ordinal]
        node.up = true
        node.incarnation += 1
        let clock = clocks[name.ordinal]
        let ids = random.split("ids-\(name.rawValue)-\(node.incarnation)")
        let member = "\(name.rawValue)#\(node.incarnation)"
        let client = SimStoreClient(store: store, network: network, caller: name)
        let writer = StreamWriter(store: client, clock: clock, random: ids)
        let executor = ServiceExecutor.shared(runtime.executor)
        switch name {
        case .eventstore where configuration.mutant == .relaySkipsEvent:
            let relay = SkippingRelay(store: store, bus: FaultyBus(inner: bus, faults: faults), checkpoints: checkpoints, clock: clock)
            let watch = watch(node, "relay")
            node.tasks.append(runtime.spawn {
                do { try await relay.run(); watch.ended() } catch { watch.ended(error) }
            })
        case .eventstore:
            // Under the relay-stops-on-error mutant, one attempt: the first failed publication ends it.
            let once = RetryPolicy(maxAttempts: 1, initialBackoff: .zero, maxBackoff: .zero)
            let relay = EventRelay(store: store, bus: FaultyBus(inner: bus, faults: faults), checkpoints: checkpoints,
                                   clock: clock, retry: configuration.mutant == .relayStopsOnError ? once : .forever)
            let watch = watch(node, "relay")
            node.tasks.append(runtime.spawn {
                do { try await relay.run(); watch.ended() } catch { watch.ended(error) }
            })
        case .orders:
            let service = OrderService(writer: writer, configuration: .init(paymentTimeout: configuration.paymentTimeout),
                                       executor: executor)
            orderService = service
            if configuration.mutant == .ordersAckUnwritten {
                ackingOrders = AckingOrderService(real: service, random: writer.random)
            }
            let watch = watch(node, "payment deadlines")
            node.tasks.append(runtime.spawn {
                do {
                    try await service.recover()
                    try await service.runDeadlines()
                    watch.ended()
                } catch {
                    watch.ended(error)
                }
            })
            consume(node, group: Groups.saga, member: member, handler: service, clock: clock)
        case .payments where configuration.mutant == .paymentDebitsEveryDelivery:
            consume(node, group: Groups.payments, member: member,
                    handler: KeylessPaymentService(writer: writer, provider: provider, executor: executor), clock: clock)
        case .payments where configuration.mutant == .sagaForgetsRefund:
            consume(node, group: Groups.payments, member: member,
                    handler: NonRefundingPaymentService(writer: writer, provider: provider, executor: executor), clock: clock)
        case .payments:
            consume(node, group: Groups.payments, member: member,
                    handler: PaymentService(writer: writer, provider: provider, executor: executor), clock: clock)
        case .shipping where configuration.mutant == .shippingShipsEveryAttempt:
            consume(node, group: Groups.shipping, member: member,
                    handler: BrokenShippingService(.shipsEveryAttempt, writer: writer, warehouse: warehouse, executor: executor),
                    clock: clock)
        case .shipping where configuration.mutant == .shippingShipsUnpaid:
            consume(node, group: Groups.shipping, member: member,
                    handler: BrokenShippingService(.shipsUnpaid, writer: writer, warehouse: warehouse, executor: executor),
                    clock: clock)
        case .shipping:
            consume(node, group: Groups.shipping, member: member,
                    handler: ShippingService(writer: writer, warehouse: warehouse, executor: executor), clock: clock)
        case .orderquery1 where configuration.mutant == .queryIgnoresVersions:
            consume(node, group: Groups.query, member: member, handler: VersionBlindQueryWorker(views: views, executor: executor), clock: clock)
        case .orderquery1, .orderquery2:
            consume(node, group: Groups.query, member: member,
                    handler: OrderQueryWorker(store: client, views: views, clock: clock, executor: executor), clock: clock)
        }
    }

    /// Whether a live node has a member in `group`.
    func hasLiveMember(_ group: String) -> Bool {
        nodes.contains { node in node.up && node.members.contains { $0.group == group } }
    }

    private func consume(_ node: Node, group: String, member: String, handler: some EventHandler & Actor, clock: SimClock) {
        node.members.append((group, member))
        let bus = self.bus, trace = self.trace, name = node.name
        let index = consumption.group(group, interests: handler.interests)
        let observer = ConsumptionLedger.Observer(consumption.groups[index], trace: trace)
        let commitFirst = configuration.mutant == .paymentsCommitFirst && group == Groups.payments
        let context = FaultContext(faults: faults, random: faultRandom, clock: clock, trace: trace,
                                   crash: { [unowned self] in crash($0) })
        let faultyBus = FaultyBus(inner: bus, faults: faults)
        let watch = watch(node, "consumer loop in \(group)")
        node.tasks.append(runtime.spawn {
            do {
                let joined = try await RetryPolicy.forever.run(clock: clock) {
                    try faultyBus.joinMember(group: group, member: member, topics: [Topics.orders], interests: handler.interests)
                }
                let consumer = FaultyConsumer(inner: joined, bus: bus, group: group, member: member, node: name, world: context)
                if commitFirst {
                    try await CommitFirstLoop(consumer: consumer, handler: handler, member: member, clock: clock, observer: observer).run()
                } else {
                    try await handler.consume(ConsumerLoop(consumer: consumer, handler: handler, member: member, clock: clock,
                                                           observer: observer))
                }
                watch.ended()
            } catch {
                watch.ended(error)
            }
        })
    }

    /// Watches one of a node's own loops (the relay, a consumer loop, the saga's deadlines). Each
    /// runs for as long as its node is up: one that ends while the node is up (it returned, or
    /// gave up with an error) has silently stopped doing its part, and the step checker says so.
    /// Ending because the node crashed or the run is over is what loops do. (The loop's task
    /// calls ``LoopWatch/ended(_:)`` itself: a loop handed over as a closure to a task started
    /// here would run off the simulator's executor and hop back on every call it makes.)
    func watch(_ node: Node, _ loop: String) -> LoopWatch {
        LoopWatch(world: self, ordinal: node.name.ordinal, incarnation: node.incarnation, loop: loop)
    }

    final class LoopWatch: Sendable {
        unowned let world: SimWorld
        let ordinal: Int, incarnation: Int
        let loop: String

        init(world: SimWorld, ordinal: Int, incarnation: Int, loop: String) {
            self.world = world
            self.ordinal = ordinal
            self.incarnation = incarnation
            self.loop = loop
        }

        func ended(_ error: (any Error)? = nil) {
            let node = world.nodes[ordinal]
            guard node.up, node.incarnation == incarnation else { return }
            world.checker.loopEnded("the \(node.name.rawValue) service's \(loop)", ending: error.map { "\($0)" } ?? "it returned")
        }
    }

    /// Injects a fault now; a lasting one is undone after `duration` (nil: it lasts).
    public func inject(_ fault: Fault, for duration: Duration?) {
        trace.injected(fault.kind.rawValue, detail: Scenario.show(.fault(fault, for: duration), currency: .eur))
        switch fault {
        case .busRebalance(let group): bus.forceRebalance(group: group)
        case .clockJump(let name, let by): clocks[name.ordinal].offset += by
        default:
            faults.state.set(fault, on: true)
            if let duration {
                runtime.schedule(at: runtime.now + duration) { [self] in
                    trace.injected(fault.kind.rawValue, detail: "ended")
                    faults.state.set(fault, on: false)
                }
            }
        }
    }

    /// Places an order as a client would: one request to the order service over the network, and
    /// with an idempotency key, retries after failures. `done` gets the outcome, once the checker
    /// has seen that an order the client is told was taken is in the log.
    public func place(_ command: PlaceOrder, done: @escaping (Result<PlaceOrderResult, CausewayError>) -> Void) {
        attemptPlace(command, attempt: 1, done: done)
    }

    private func attemptPlace(_ command: PlaceOrder, attempt: Int,
                              done: @escaping (Result<PlaceOrderResult, CausewayError>) -> Void) {
        let node = nodes[ServiceName.orders.ordinal]
        let placement = Placement(world: self, command: command, attempt: attempt, done: done, node: node)
        guard node.up, let service = orderService else {
            placement.finish(.failure(CausewayError(.unavailable, "the order service is down")))
            return
        }
        node.requests[placement.number] = runtime.spawn { await placement.run(on: service) }
    }

    /// One attempt of a client's request, from the simulator thread to its task and back: what it
    /// needs is held here, once, rather than in a closure and a box each.
    private final class Placement: @unchecked Sendable {
        let world: SimWorld
        let command: PlaceOrder
        let attempt: Int
        let done: (Result<PlaceOrderResult, CausewayError>) -> Void
        let node: Node
        let number: Int

        init(world: SimWorld, command: PlaceOrder, attempt: Int,
             done: @escaping (Result<PlaceOrderResult, CausewayError>) -> Void, node: Node) {
            self.world = world
            self.command = command
            self.attempt = attempt
            self.done = done
            self.node = node
            number = node.nextRequest
            node.nextRequest += 1
        }

        /// Sends the request to the order service over the network and finishes with its answer.
        func run(on service: OrderService<SimStoreClient>) async {
            defer { node.requests[number] = nil }
            let result: Result<PlaceOrderResult, CausewayError>
            do {
                let command = self.command
                let acking = world.ackingOrders
                let placed = try await world.network.call(from: nil, to: .orders) {
                    if let acking { try await acking.place(command) } else { try await service.place(command) }
                }
                result = .success(placed)
            } catch let error as CausewayError {
                result = .failure(error)
            } catch {
                result = .failure(CausewayError(.unavailable, "the order service went away during the request"))
            }
            finish(result)
        }

        /// Hands the outcome to the client, or, for a transient failure of a request with an
        /// idempotency key, tries again a little later.
        func finish(_ result: Result<PlaceOrderResult, CausewayError>) {
            if case .failure(let error) = result, error.isTransient, command.clientKey != nil, attempt < 5 {
                world.runtime.schedule(at: world.runtime.now + .milliseconds(200 * attempt)) { [self] in
                    world.attemptPlace(command, attempt: attempt + 1, done: done)
                }
            } else {
                if case .success(let placed) = result { world.checker.accepted(placed.orderID) }
                done(result)
            }
        }
    }
}
