public import Core
import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
public import ServiceLifecycle

/// The gRPC event-store API listening on `host:port` (plaintext HTTP/2), as a lifecycle service:
/// it serves until a graceful shutdown, which also ends every open subscription.
public final class EventStoreServer: Service, Sendable {
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let logger: Logger

    /// A server for `store`; port 0 picks a free port (see ``boundPort()``).
    public init<Store: EventStore>(store: Store, host: String, port: Int, logger: Logger) {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = MessageLimits.maxRequestBytes
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: host, port: port), transportSecurity: .plaintext, config: config)
        server = GRPCServer(transport: transport, services: [EventStoreService(store: store, logger: logger)])
        self.logger = logger
    }

    /// The port the server listens on once it has started (nil if it failed to bind).
    public func boundPort() async throws -> Int? {
        try await server.listeningAddress?.ipv4?.port
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await self.server.serve() }
                if let address = try await self.server.listeningAddress?.ipv4 {
                    self.logger.info("gRPC event store listening", metadata: ["address": "\(address.host):\(address.port)"])
                }
            }
        } onGracefulShutdown: {
            self.server.beginGracefulShutdown()
        }
    }

    /// Stops accepting calls, cancels open subscriptions and lets unary calls finish.
    public func shutdown() { server.beginGracefulShutdown() }
}
