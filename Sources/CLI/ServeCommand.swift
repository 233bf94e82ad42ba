import ArgumentParser
import Deploy
import Foundation
import HTTPAdapter
import Hummingbird
import Logging
import Metrics
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Causeway's services: `serve all` runs every service in one process.",
        discussion: """
            With no Kafka or MongoDB configured, `serve all` uses the embedded in-process event store \
            and bus, so you can place an order with curl at once. The embedded payment provider opens \
            every customer's account with --balance minor units; the embedded warehouse stocks every \
            SKU with --stock. SIGINT or SIGTERM shuts down gracefully.
            """
    )

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case all, eventstore, orders, payments, shipping, query
    }

    @Argument(help: "Which service to run: all, eventstore, orders, payments, shipping or query.")
    var service: Target

    @Option(help: "Address of the HTTP order and query API.")
    var http: String = "127.0.0.1:8080"

    @Option(help: "Starting balance of every customer at the embedded payment provider (minor units).")
    var balance: Int64 = 100_000

    @Option(help: "Starting stock of every SKU at the embedded warehouse.")
    var stock: Int64 = 1_000

    @Option(name: .customLong("payment-timeout"), help: "Seconds an order may wait for its payment before it is cancelled.")
    var paymentTimeout: Int = 10

    func validate() throws {
        _ = try Self.address(http)
        guard balance >= 0 else { throw ValidationError("--balance must not be negative") }
        guard stock >= 0 else { throw ValidationError("--stock must not be negative") }
        guard (1...86_400).contains(paymentTimeout) else { throw ValidationError("--payment-timeout must be 1 to 86400 seconds") }
    }

    static func address(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port), colon != text.startIndex
        else {
            throw ValidationError("an address looks like HOST:PORT, e.g. 127.0.0.1:8080 (got '\(text)')")
        }
        return (String(text[..<colon]), port)
    }

    func run() async throws {
        guard service == .all else {
            throw InputError(message: """
                'serve \(service.rawValue)' runs one service per process, which needs the gRPC event-store \
                API; it is not available yet. Use 'causeway serve all'.
                """)
        }
        let (host, port) = try Self.address(http)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "causeway")

        var configuration = EmbeddedSystem.Configuration()
        configuration.startingBalance = balance
        configuration.startingStock = stock
        configuration.paymentTimeout = .seconds(paymentTimeout)
        let system = EmbeddedSystem(configuration, logger: logger)
        logger.notice("no Kafka or MongoDB configured: serving every service with the embedded in-process event store and bus")

        let api = OrdersAPI(orders: system.orders, query: system.query, isReady: { system.readiness.isReady },
                            registry: registry, logger: logger)
        let app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "causeway"),
            services: system.services,
            onServerRunning: { channel in
                logger.notice("HTTP API listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? http)"])
            },
            logger: logger
        )
        try await app.runService()
    }
}
