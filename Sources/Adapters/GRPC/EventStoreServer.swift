public import Core
import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
public import ServiceLifecycle

/// The gRPC event-store API listening on `host:port` (plaintext HTTP/2), as a lifecycle service:
/// it serves until a graceful shutdown, which also ends every open subscription. The host is an
/// IPv4 or IPv6 address (`127.0.0.1`, `0.0.0.0`, `::1`).
public final class EventStoreServer: Service, Sendable {
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let logger: Logger

    /// A server for `store`; port 0 picks a free port (see ``boundPort()``).
    public init<Store: EventStore>(store: Store, host: String, port: Int, logger: Logger) {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = MessageLimits.maxRequestBytes
        let transport = HTTP2ServerTransport.Posix(
            address: host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port),
            transportSecurity: .plaintext, config: config)
        server = GRPCServer(transport: transport, services: [EventStoreService(store: store, logger: logger)])
        self.logger = logger
    }

    /// The port the server listens on once it has started (nil if it failed to bind).
    public func boundPort() async throws -> Int? {
        let address = try await server.listeningAddress
        return address?.ipv4?.port ?? address?.ipv6?.port
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await self.server.serve() }
                // When the server could not start, `serve()` throws why (the address is in use, say).
                if let address = try? await self.server.listeningAddress {
                    let text = address.ipv4.map { "\($0.host):\($0.port)" } ?? address.ipv6.map { "[\($0.host)]:\($0.port)" }
                    self.logger.info("gRPC event store listening", metadata: ["address": "\(text ?? "\(address)")"])
                }
            }
        } onGracefulShutdown: {
            self.server.beginGracefulShutdown()
        }
    }

    /// Stops accepting calls, cancels open subscriptions and lets unary calls finish.
    public func shutdown() { server.beginGracefulShutdown() }
}
