public import Core

/// Reads, decides and appends on one order stream with optimistic concurrency. Every service uses
/// it the same way: fold the stream, ask a pure decider, act, append at the exact version read,
/// and start over when someone else appended first.
public struct StreamWriter<Store: EventStore>: Sendable {
    // The store comes last: the fields before it are at the same place for every `Store`, so
    // code that is not specialized for one reads them without asking for the writer's metadata.
    public let clock: any TimeSource
    public let random: any RandomSource
    public let retry: RetryPolicy
    public let store: Store

    public init(store: Store, clock: any TimeSource, random: any RandomSource, retry: RetryPolicy = .standard) {
        self.store = store
        self.clock = clock
        self.random = random
        self.retry = retry
    }

    /// The current state of an order, or nil if its stream is empty.
    public func load(
        _ order: OrderID
    ) async throws -> OrderState? {
        let events = try await retry.run(clock: clock) { try await store.readStream(order.streamID) }
        return OrderState.fold(events)
    }

    /// Appends `events` after `state.version`, caused by `cause`. Returns the state with them folded
    /// in, or nil when the stream moved on (an expected-version conflict): the caller re-decides.
    /// Event ids are made once, so a retry after a lost reply is recognised as the same append.
    ///
    /// `state` is taken, not copied: the new state is it with the events folded in (a copy of a
    /// state retains and releases every string in it).
    public func append(
        _ events: [OrderEvent], to state: consuming OrderState, causedBy cause: String
    ) async throws -> OrderState? {
        let now = clock.now()
        // A loop, not `map`: a closure capturing the writer would need its metadata.
        var new: [NewEvent] = []
        new.reserveCapacity(events.count)
        for event in events {
            new.append(NewEvent(eventID: random.makeEventID(), event: event, occurredAt: now,
                                correlationID: state.correlationID, causationID: cause))
        }
        let order = state.orderID, stream = order.streamID, expected = state.version
        let result: AppendResult
        do {
            result = try await retry.run(clock: clock) {
                try await store.append(new, to: stream, expected: .exact(expected))
            }
        } catch where CausewayError.isConflict(error) {
            return nil
        }
        // The events are folded in as the store recorded them, at the versions it gave them (the
        // fold reads nothing else of a recorded event, so none is made).
        var next = consume state
        var version = result.lastVersion - Int64(new.count)
        for i in new.indices {
            version += 1
            next.apply(new[i].event, version: version)
        }
        return next
    }
}
