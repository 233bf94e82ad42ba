public import Actors
public import InMemory
public import Logging
public import ServiceLifecycle

/// Every service in one process on the embedded in-process store and bus: what
/// `causeway serve all` runs when no Kafka or MongoDB is configured.
public struct EmbeddedSystem: Sendable {
    public struct Configuration: Sendable {
        /// What every customer's account at the embedded payment provider starts with (minor units).
        public var startingBalance: Int64 = 100_000
        /// What every SKU's stock at the embedded warehouse starts with.
        public var startingStock: Int64 = 1_000
        public var partitions = 4
        public var paymentTimeout: Duration = .seconds(10)
        public init() {}
    }

    public let store: InMemoryEventStore
    public let bus: InMemoryEventBus
    public let views: InMemoryReadModel
    public let provider: EmbeddedPaymentProvider
    public let warehouse: EmbeddedWarehouse
    public let orders: OrderService<InMemoryEventStore>
    public let query: QueryService<InMemoryReadModel>
    public let readiness: Readiness
    /// The long-running loops, to run in a `ServiceGroup` next to the HTTP server.
    public let services: [any Service]

    public init(_ configuration: Configuration, logger: Logger) {
        let clock = SystemClock()
        let random = SystemRandom()
        store = InMemoryEventStore(clock: clock)
        bus = InMemoryEventBus(configuration: .init(partitions: configuration.partitions), random: random)
        views = InMemoryReadModel()
        provider = EmbeddedPaymentProvider(startingBalance: configuration.startingBalance)
        warehouse = EmbeddedWarehouse(startingStock: configuration.startingStock)
        let writer = StreamWriter(store: store, clock: clock, random: random)
        orders = OrderService(writer: writer, configuration: .init(paymentTimeout: configuration.paymentTimeout))
        query = QueryService(views: views)

        let members = ["orders-saga": "orders", "payments": "payments", "shipping": "shipping",
                       "orderquery-1": "orderquery", "orderquery-2": "orderquery"]
        let readiness = Readiness(waitingFor: Set(members.keys))
        self.readiness = readiness
        let bus = self.bus, store = self.store, views = self.views, orders = self.orders
        func consumer<H: EventHandler & Actor>(_ member: String, _ handler: H) -> any Service {
            ConsumerService(bus: bus, group: members[member]!, member: member, handler: handler, clock: clock,
                            readiness: readiness, logger: logger)
        }
        services = [
            RelayService(relay: EventRelay(store: store, bus: bus, checkpoints: InMemoryCheckpoints(), clock: clock,
                                           retry: .forever)),
            DeadlineService(orders: orders),
            consumer("orders-saga", orders),
            consumer("payments", PaymentService(writer: writer, provider: provider)),
            consumer("shipping", ShippingService(writer: writer, warehouse: warehouse)),
            consumer("orderquery-1", OrderQueryWorker(store: store, views: views, clock: clock)),
            consumer("orderquery-2", OrderQueryWorker(store: store, views: views, clock: clock)),
        ]
    }
}
