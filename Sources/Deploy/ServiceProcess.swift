public import Actors
public import Core
public import InMemory
public import Logging
public import ServiceLifecycle

/// One of Causeway's services in its own process, on an event store reached through `store`
/// (the gRPC client in deployment) and the ``StoreFedBus`` over it.
public struct ServiceProcess<Store: EventStore>: Sendable {
    public enum Role: String, Sendable, CaseIterable {
        case orders, payments, shipping, query
    }

    /// The order service (`orders` only): the HTTP API places orders through it.
    public let orders: OrderService<Store>?
    /// The query service over this process's read model (`query` only).
    public let query: QueryService<InMemoryReadModel>?
    public let readiness: Readiness
    /// The long-running loops, to run next to the HTTP server.
    public let services: [any Service]

    /// - Parameter instance: the consumer-group member name (`orderquery-1`, …).
    public init(role: Role, store: Store, instance: String, configuration: EmbeddedSystem.Configuration, logger: Logger) {
        let clock = SystemClock()
        let random = SystemRandom()
        let bus = StoreFedBus(store: store, clock: clock, logger: logger)
        let writer = StreamWriter(store: store, clock: clock, random: random)
        let readiness = Readiness(waitingFor: [instance])
        self.readiness = readiness
        func consumer<H: EventHandler & Actor>(group: String, _ handler: H) -> any Service {
            ConsumerService(bus: bus, group: group, member: instance, handler: handler, clock: clock,
                            readiness: readiness, logger: logger)
        }
        switch role {
        case .orders:
            let service = OrderService(writer: writer, configuration: .init(paymentTimeout: configuration.paymentTimeout))
            orders = service
            query = nil
            services = [DeadlineService(orders: service), consumer(group: "orders", service)]
        case .payments:
            orders = nil
            query = nil
            let provider = EmbeddedPaymentProvider(startingBalance: configuration.startingBalance)
            services = [consumer(group: "payments", PaymentService(writer: writer, provider: provider))]
        case .shipping:
            orders = nil
            query = nil
            let warehouse = EmbeddedWarehouse(startingStock: configuration.startingStock)
            services = [consumer(group: "shipping", ShippingService(writer: writer, warehouse: warehouse))]
        case .query:
            orders = nil
            let views = InMemoryReadModel()
            query = QueryService(views: views)
            services = [consumer(group: "orderquery", OrderQueryWorker(store: store, views: views, clock: clock))]
        }
    }
}
