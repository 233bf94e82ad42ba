import AsyncAlgorithms
public import Core
import GRPCCore
import GRPCNIOTransportHTTP2
public import ServiceLifecycle

/// The ``EventStore`` port over the gRPC API: a service in another process uses the store through
/// it unchanged. Reads page through the server's limit; a subscription is one server-streaming
/// call whose events arrive with flow control (the stream is read only as fast as `next()` is
/// called).
///
/// It is a lifecycle ``Service``: `run()` keeps the connection up until a graceful shutdown.
/// Failed calls throw ``CausewayError``s: the server's own code when it sent one, `unavailable`
/// when the server cannot be reached, `timeout` past ``callTimeout``.
public final class GRPCEventStore: EventStore, Service {
    private let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    private let client: Causeway_Eventstore_V1_EventStore.Client<HTTP2ClientTransport.Posix>
    /// The deadline of each unary call.
    public let callTimeout: Duration
    /// The most events one read call asks for; longer reads take several calls.
    public let pageSize: Int
    /// Finished by ``close()``: starts the grace period of ``run()``.
    private let closing = AsyncStream<Never>.makeStream()

    /// A client of the event store at `host:port` (plaintext HTTP/2).
    public init(host: String, port: Int, callTimeout: Duration = .seconds(10), pageSize: Int = ReadLimits.maxPage) throws {
        precondition((1...ReadLimits.maxPage).contains(pageSize), "pageSize must be 1...\(ReadLimits.maxPage)")
        let transport = try HTTP2ClientTransport.Posix(
            target: .dns(host: host, port: port), transportSecurity: .plaintext)
        grpc = GRPCClient(transport: transport)
        client = Causeway_Eventstore_V1_EventStore.Client(wrapping: grpc)
        self.callTimeout = callTimeout
        self.pageSize = pageSize
    }

    /// Maintains the connection until a graceful shutdown (or until ``close()``). Calls in flight
    /// then have up to ``callTimeout`` to end before the connection is cut: the transport goes on
    /// retrying a host name that does not resolve even after it was asked to close, so waiting
    /// for it alone could keep a process from ever exiting.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.grpc.runConnections() }
                group.addTask {
                    for await _ in self.closing.stream {}
                    try? await Task.sleep(for: self.callTimeout)
                }
                // Whichever ends first, the connections or the grace period, ends the other.
                defer { group.cancelAll() }
                try await group.next()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Stops taking new calls and closes the connection once the calls in flight end (at most
    /// ``callTimeout`` later, when ``run()`` is running).
    public func close() {
        grpc.beginGracefulShutdown()
        closing.continuation.finish()
    }

    private var options: CallOptions {
        var options = CallOptions.defaults
        options.timeout = callTimeout
        return options
    }

    private func call<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            throw CausewayError(error)
        }
    }

    public func append(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) async throws -> AppendResult {
        var request = Causeway_Eventstore_V1_AppendRequest()
        request.streamID = stream.rawValue
        request.expectedVersion = .init(expected)
        request.events = events.map(\.proto)
        let size = request.events.reduce(64 + stream.rawValue.utf8.count) { size, e in
            size + 96 + e.eventID.utf8.count + e.type.utf8.count + e.payload.count + e.correlationID.utf8.count
                + e.causationID.utf8.count
        }
        guard size <= MessageLimits.maxRequestBytes else {
            throw CausewayError(.invalidArgument, """
                an append of \(events.count) events is about \(size) bytes, over the \(MessageLimits.maxRequestBytes)-byte \
                message limit: split it
                """)
        }
        let options = self.options
        return try await call { AppendResult(try await client.append(request, options: options)) }
    }

    public func readStream(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]
    {
        try await pages(limit: limit) { size, last in
            let from = last.map { direction == .forwards ? $0.streamVersion + 1 : $0.streamVersion - 1 } ?? version
            if last != nil && from < 1 { return nil }
            var request = Causeway_Eventstore_V1_ReadStreamRequest()
            request.streamID = stream.rawValue
            request.fromVersion = max(from, 0)
            request.direction = direction == .forwards ? .forwards : .backwards
            request.limit = Int32(size)
            return try await client.readStream(request, options: options).events
        }
    }

    public func readAll(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await pages(limit: limit) { size, last in
            var request = Causeway_Eventstore_V1_ReadAllRequest()
            request.afterPosition = max(last?.globalPosition ?? position, 0)
            request.limit = Int32(size)
            return try await client.readAll(request, options: options).events
        }
    }

    /// Reads up to `limit` events in calls of at most ``pageSize``. `fetch(size, last)` asks for
    /// the page after `last` (nil for the first page), or returns nil when nothing can follow.
    private func pages(
        limit: Int, _ fetch: (Int, RecordedEvent?) async throws -> [ProtoRecordedEvent]?
    ) async throws -> [RecordedEvent] {
        guard limit > 0 else { throw CausewayError(.invalidArgument, "limit must be positive (got \(limit))") }
        var events: [RecordedEvent] = []
        while events.count < limit {
            let size = min(limit - events.count, pageSize)
            guard let page = try await call({ try await fetch(size, events.last) }) else { break }
            for p in page { events.append(try RecordedEvent(p)) }
            if page.count < size { break }
        }
        return events
    }

    public func subscribeAll(after position: Int64) async throws -> any EventSubscription {
        try await subscribe(after: position)
    }

    /// Follows the log after `position`, optionally only streams starting with `streamPrefix`
    /// and only events of `types`.
    public func subscribe(
        after position: Int64, streamPrefix: String = "", types: [EventType] = []
    ) async throws -> GRPCSubscription {
        var request = Causeway_Eventstore_V1_SubscribeRequest()
        request.afterPosition = max(position, 0)
        request.streamPrefix = streamPrefix
        request.eventTypes = types.map(\.rawValue)
        return GRPCSubscription(client: client, request: request)
    }
}

/// One server-streaming Subscribe call. Events pass through a rendezvous channel, so the call's
/// response stream is read only when the subscriber asks for the next event. Cancelling the task
/// that waits in `next()`, or ``cancel()``, ends the call.
public final class GRPCSubscription: EventSubscription, @unchecked Sendable {
    private let channel = AsyncThrowingChannel<RecordedEvent, any Error>()
    // Only the one subscriber calls `next()`, one call at a time.
    private var iterator: AsyncThrowingChannel<RecordedEvent, any Error>.Iterator
    private let task: Task<Void, Never>

    init(client: Causeway_Eventstore_V1_EventStore.Client<HTTP2ClientTransport.Posix>,
         request: Causeway_Eventstore_V1_SubscribeRequest)
    {
        let channel = self.channel
        iterator = channel.makeAsyncIterator()
        task = Task {
            do {
                try await client.subscribe(request) { response in
                    for try await message in response.messages {
                        await channel.send(try RecordedEvent(message.event))
                        try Task.checkCancellation()
                    }
                }
                channel.fail(CausewayError(.unavailable, "the event store ended the subscription"))
            } catch let error as RPCError {
                channel.fail(CausewayError(error))
            } catch {
                channel.fail(error)
            }
        }
    }

    deinit { task.cancel() }

    /// Ends the call; a waiting or later `next()` returns nil or throws.
    public func cancel() { task.cancel() }

    public func next() async throws -> RecordedEvent? {
        do {
            return try await withTaskCancellationHandler {
                try await iterator.next()
            } onCancel: { [task] in
                task.cancel()
            }
        } catch is CancellationError {
            return nil
        }
    }
}
