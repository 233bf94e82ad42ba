public import Core
public import GRPCCore
public import Logging

/// The gRPC event-store API over any ``EventStore``: what `causeway serve eventstore` (and
/// `serve all --grpc`) exposes. Every request is checked field by field before the store sees it;
/// the store's own errors go back as the statuses the proto file lists.
public struct EventStoreService<Store: EventStore>: Causeway_Eventstore_V1_EventStore.SimpleServiceProtocol {
    let store: Store
    let logger: Logger
    /// The most events one append may carry (and one read return: ``ReadLimits/maxPage``).
    public static var maxEventsPerAppend: Int { ReadLimits.maxPage }

    public init(store: Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    public func append(
        request: Causeway_Eventstore_V1_AppendRequest, context: ServerContext
    ) async throws -> Causeway_Eventstore_V1_AppendResponse {
        let stream = try field("stream_id") { () throws(CausewayError) in try StreamID(request.streamID) }
        guard let expected = request.expectedVersion else {
            throw CausewayError(.invalidArgument, "expected_version: required (one of any, no_stream, exact)")
        }
        guard !request.events.isEmpty else {
            throw CausewayError(.invalidArgument, "events: an append needs at least one event")
        }
        guard request.events.count <= Self.maxEventsPerAppend else {
            throw CausewayError(.invalidArgument,
                                "events: at most \(Self.maxEventsPerAppend) per append (got \(request.events.count))")
        }
        var events: [NewEvent] = []
        events.reserveCapacity(request.events.count)
        for (index, event) in request.events.enumerated() {
            events.append(try NewEvent(event, at: index))
        }
        return try await store.append(events, to: stream, expected: try expected.expected).proto
    }

    public func readStream(
        request: Causeway_Eventstore_V1_ReadStreamRequest, context: ServerContext
    ) async throws -> Causeway_Eventstore_V1_ReadResponse {
        let stream = try field("stream_id") { () throws(CausewayError) in try StreamID(request.streamID) }
        let limit = try ReadLimits.resolve(request.limit)
        guard request.fromVersion >= 0 else {
            throw CausewayError(.invalidArgument, "from_version: must not be negative (got \(request.fromVersion))")
        }
        let direction: ReadDirection
        switch request.direction {
        case .forwards: direction = .forwards
        case .backwards: direction = .backwards
        case .UNRECOGNIZED(let raw):
            throw CausewayError(.invalidArgument, "direction: unknown value \(raw) (FORWARDS or BACKWARDS)")
        }
        let from = direction == .backwards && request.fromVersion == 0 ? Int64.max : request.fromVersion
        let events = try await store.readStream(stream, from: from, direction: direction, limit: limit)
        return .with { $0.events = events.map(\.proto) }
    }

    public func readAll(
        request: Causeway_Eventstore_V1_ReadAllRequest, context: ServerContext
    ) async throws -> Causeway_Eventstore_V1_ReadResponse {
        let limit = try ReadLimits.resolve(request.limit)
        guard request.afterPosition >= 0 else {
            throw CausewayError(.invalidArgument, "after_position: must not be negative (got \(request.afterPosition))")
        }
        let events = try await store.readAll(after: request.afterPosition, limit: limit)
        return .with { $0.events = events.map(\.proto) }
    }

    /// Streams the log until the client cancels or the server shuts down. grpc-swift does not
    /// cancel a handler by itself: its RPC cancellation handler cancels the task that waits for
    /// the next event.
    public func subscribe(
        request: Causeway_Eventstore_V1_SubscribeRequest,
        response: RPCWriter<Causeway_Eventstore_V1_SubscribeResponse>,
        context: ServerContext
    ) async throws {
        guard request.afterPosition >= 0 else {
            throw CausewayError(.invalidArgument, "after_position: must not be negative (got \(request.afterPosition))")
        }
        var types: Set<EventType> = []
        for (index, name) in request.eventTypes.enumerated() {
            types.insert(try field("event_types[\(index)]") { () throws(CausewayError) in try EventType(named: name) })
        }
        let filter = SubscriptionFilter(streamPrefix: request.streamPrefix, types: types)
        let subscription = try await store.subscribeAll(after: request.afterPosition)
        let peer = context.remotePeer
        logger.debug("subscription started", metadata: ["peer": "\(peer)", "after": "\(request.afterPosition)"])

        let pump = Task {
            while let event = try await subscription.next() {
                guard filter.matches(event) else { continue }
                try await response.write(.with { $0.event = event.proto })
            }
        }
        do {
            try await withTaskCancellationHandler {
                try await withRPCCancellationHandler {
                    try await pump.value
                } onCancelRPC: {
                    pump.cancel()
                }
            } onCancel: {
                pump.cancel()
            }
        } catch is CancellationError {
            // Either the client cancelled (it sees its own CANCELLED, not this) or the server is
            // shutting down: UNAVAILABLE tells a client to subscribe again, elsewhere or later.
            logger.debug("subscription ended", metadata: ["peer": "\(peer)"])
            throw CausewayError(.unavailable, "the event store ended the subscription: it is shutting down")
        }
    }
}

/// Which events a subscription passes on.
struct SubscriptionFilter: Sendable {
    let streamPrefix: String
    let types: Set<EventType>

    func matches(_ event: RecordedEvent) -> Bool {
        (streamPrefix.isEmpty || event.streamID.rawValue.hasPrefix(streamPrefix))
            && (types.isEmpty || types.contains(event.type))
    }
}
