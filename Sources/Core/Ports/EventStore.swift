/// Which way a stream read goes.
public enum ReadDirection: Hashable, Sendable {
    case forwards
    case backwards
}

/// The immutable event log: streams with optimistic concurrency, a global order, subscriptions.
///
/// Every implementation (in-memory, the gRPC client, MongoDB) keeps these rules:
/// - An append writes all its events or none. It checks `expected` against the stream's last
///   version and throws `wrongExpectedVersion` (with `actualVersion`) when they differ.
/// - An append whose event ids are all already in the stream, in the same order, is a retry:
///   it writes nothing and returns the original result with `wasDuplicate` set. Reusing some of
///   the ids, or an id for a different event, throws `idempotencyConflict`.
/// - Stream versions start at 1 and have no gaps; global positions start at 1 and strictly increase.
/// Errors are ``CausewayError``s; `unavailable` and `timeout` are transient.
public protocol EventStore: Sendable {
    /// Appends `events` to `stream` if its version matches `expected`.
    func append(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) async throws -> AppendResult

    /// Reads up to `limit` events of one stream, starting at version `from` (inclusive) and going
    /// forwards or backwards. An unknown stream reads as empty.
    func readStream(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]

    /// Reads up to `limit` events of the whole log with a global position greater than `position`.
    func readAll(after position: Int64, limit: Int) async throws -> [RecordedEvent]

    /// Follows the log from just after `position`: first what is stored, then live appends.
    func subscribeAll(after position: Int64) async throws -> any EventSubscription
}

/// A live, ordered view of the log. Ends (returns nil) when cancelled or when its store stops.
public protocol EventSubscription: Sendable {
    /// The next event, waiting until one is appended.
    func next() async throws -> RecordedEvent?
}

extension EventStore {
    /// Reads a whole stream forwards.
    @inlinable @inline(__always)  // an async frame of its own for every load otherwise
    public func readStream(_ stream: StreamID) async throws -> [RecordedEvent] {
        try await readStream(stream, from: 1, direction: .forwards, limit: Int.max)
    }
}

/// Where long-running readers keep how far they got (the relay's published position).
public protocol CheckpointStore: Sendable {
    /// The saved position for `name`, or 0 when none was saved.
    func load(_ name: String) async throws -> Int64
    /// Saves `position` for `name`.
    func save(_ name: String, position: Int64) async throws
}
