import ArgumentParser
import Core
import Deploy
import Foundation
import GRPCAdapter
import HTTPAdapter
import Hummingbird
import InMemory
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Causeway's services: all in one process, or one per process.",
        discussion: """
            `serve all` runs every service in one process on the embedded in-process event store and \
            bus, so you can place an order with curl at once; with --grpc it also serves the gRPC \
            event-store API. `serve eventstore` serves the event store over gRPC (--grpc). `serve \
            orders|payments|shipping|query` runs one service that reaches the store at --eventstore \
            over gRPC and follows its log; each also serves HTTP (--http): orders takes POST /orders, \
            query answers GET /orders, and all answer /healthz, /readyz and /metrics. The embedded \
            payment provider opens every customer's account with --balance minor units; the embedded \
            warehouse stocks every SKU with --stock. SIGINT or SIGTERM shuts down gracefully.
            """
    )

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case all, eventstore, orders, payments, shipping, query
    }

    @Argument(help: "Which service to run: all, eventstore, orders, payments, shipping or query.")
    var service: Target

    @Option(help: "Address of the HTTP order and query API (not for eventstore).")
    var http: String = "127.0.0.1:8080"

    @Option(help: "IP address and port of the gRPC event-store API (all and eventstore; eventstore defaults to 127.0.0.1:7070).")
    var grpc: String?

    @Option(help: "Address of the event store's gRPC API (orders, payments, shipping, query).")
    var eventstore: String = "127.0.0.1:7070"

    @Option(help: "This process's consumer name (orders, payments, shipping, query); defaults to the service's.")
    var instance: String?

    @Option(help: "Starting balance of every customer at the embedded payment provider (minor units).")
    var balance: Int64 = 100_000

    @Option(help: "Starting stock of every SKU at the embedded warehouse.")
    var stock: Int64 = 1_000

    @Option(name: .customLong("payment-timeout"), help: "Seconds an order may wait for its payment before it is cancelled.")
    var paymentTimeout: Int = 10

    func validate() throws {
        _ = try Self.address(http, flag: "--http")
        if let grpc, !Self.isIPAddress(try Self.address(grpc, flag: "--grpc").host) {
            throw ValidationError("--grpc: the event store listens on an IP address, e.g. 127.0.0.1:7070, 0.0.0.0:7070 or [::1]:7070 (got '\(grpc)')")
        }
        _ = try Self.address(eventstore, flag: "--eventstore")
        if let instance, let problem = IdentifierRules.problem(in: instance, named: "--instance") {
            throw ValidationError(problem)
        }
        switch service {
        case .all:
            if instance != nil { throw ValidationError("--instance names one service's consumer; 'serve all' runs them all") }
        case .eventstore:
            if instance != nil { throw ValidationError("--instance names a consumer; the event store has none") }
        case .orders, .payments, .shipping, .query:
            if grpc != nil {
                throw ValidationError("--grpc is where the event store listens: give it to 'serve eventstore' and pass --eventstore here")
            }
        }
        guard balance >= 0 else { throw ValidationError("--balance must not be negative") }
        guard stock >= 0 else { throw ValidationError("--stock must not be negative") }
        guard (1...86_400).contains(paymentTimeout) else { throw ValidationError("--payment-timeout must be 1 to 86400 seconds") }
    }

    /// `HOST:PORT`; an IPv6 host is written in brackets, `[::1]:8080`.
    static func address(_ text: String, flag: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port), colon != text.startIndex
        else {
            throw ValidationError("\(flag): an address looks like HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080 (got '\(text)')")
        }
        let host = text[..<colon]
        if host.first == "[", host.last == "]", host.count > 2 { return (String(host.dropFirst().dropLast()), port) }
        return (String(host), port)
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    private var embedded: EmbeddedSystem.Configuration {
        var configuration = EmbeddedSystem.Configuration()
        configuration.startingBalance = balance
        configuration.startingStock = stock
        configuration.paymentTimeout = .seconds(paymentTimeout)
        return configuration
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "causeway")
        // Past validation, what stops a service is not a usage error (an address in use, say).
        do {
            try await serve(registry: registry, logger: logger)
        } catch {
            throw CommandFailure(message: "\(error)")
        }
    }

    private func serve(registry: PrometheusCollectorRegistry, logger: Logger) async throws {
        switch service {
        case .all:
            let system = EmbeddedSystem(embedded, logger: logger)
            logger.notice("no Kafka or MongoDB configured: serving every service with the embedded in-process event store and bus")
            var services = system.services
            if let grpc {
                let (host, port) = try Self.address(grpc, flag: "--grpc")
                services.append(EventStoreServer(store: system.store, host: host, port: port, logger: logger))
            }
            let api = OrdersAPI(orders: system.orders, query: system.query, isReady: { system.readiness.isReady },
                                registry: registry, logger: logger)
            try await serveHTTP(api.router(), services: services, logger: logger)

        case .eventstore:
            let (host, port) = try Self.address(grpc ?? "127.0.0.1:7070", flag: "--grpc")
            logger.notice("no MongoDB configured: the event store keeps its log in memory; it is lost at exit")
            let store = InMemoryEventStore(clock: SystemClock())
            let server = EventStoreServer(store: store, host: host, port: port, logger: logger)
            let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            try await group.run()

        case .orders, .payments, .shipping, .query:
            let role = ServiceProcess<GRPCEventStore>.Role(rawValue: service.rawValue)!
            let (host, port) = try Self.address(eventstore, flag: "--eventstore")
            let store = try GRPCEventStore(host: host, port: port)
            let member = instance ?? (role == .query ? "orderquery-1" : role.rawValue)
            let process = ServiceProcess(role: role, store: store, instance: member, configuration: embedded, logger: logger)
            logger.notice("no Kafka configured: following the event store's log directly", metadata: [
                "service": "\(role.rawValue)", "instance": "\(member)", "eventstore": "\(eventstore)",
            ])
            let api = OrdersAPI<GRPCEventStore, InMemoryReadModel>(
                orders: process.orders, query: process.query, isReady: { process.readiness.isReady },
                registry: registry, logger: logger)
            // The client goes first: a service group stops its services in reverse order.
            try await serveHTTP(api.router(), services: [store] + process.services, logger: logger)
        }
    }

    /// Runs the HTTP API next to `services` until SIGINT or SIGTERM.
    private func serveHTTP(_ router: Router<BasicRequestContext>, services: [any Service], logger: Logger) async throws {
        let (host, port) = try Self.address(http, flag: "--http")
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "causeway"),
            services: services,
            onServerRunning: { channel in
                logger.notice("HTTP API listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? http)"])
            },
            logger: logger
        )
        try await app.runService()
    }
}
