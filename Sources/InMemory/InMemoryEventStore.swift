public import Core
import Synchronization

/// Sees every append of an in-memory store, in order (the simulator's trace and checkers). A class,
/// so that holding and calling one costs a plain reference.
public protocol EventStoreObserver: AnyObject, Sendable {
    /// `events` are the append's events, in order (a slice of the stream where they are stored).
    /// `stream` numbers their stream: 0 for the first stream the store made, 1 for the next, and
    /// so on, so that an observer can keep what it knows of each stream in an array.
    func appended(_ events: ArraySlice<RecordedEvent>, stream: Int)
}

/// The in-memory event store: the semantics of the real one (optimistic concurrency, idempotent
/// appends by event id, gapless versions, a global order, live subscriptions), held in memory.
/// Thread-safe, so it serves both the simulator and the embedded deployment.
public final class InMemoryEventStore: EventStore, Sendable {
    struct Stream {
        /// The stream's number, in the order streams were made (see ``EventStoreObserver``).
        let ordinal: Int
        /// The order the stream belongs to, worked out once.
        let orderID: OrderID?
        /// The stream's events in order (the log holds them too): reading a whole stream hands
        /// this array over as it is.
        var events: [RecordedEvent]

        /// Reads a stream where it is stored, as `read(&streams.values[slot])`: a dictionary's
        /// values subscript read plainly copies the whole stream out (retaining its order id and
        /// its events), where an `inout` access lends it in place.
        static func read<T>(_ stream: inout Stream, _ body: (borrowing Stream) -> T) -> T { body(stream) }
    }
    struct State {
        var log: [RecordedEvent] = []
        var streams: [StreamID: Stream] = [:]
        var eventIndex: [EventID: Int] = [:]
    }

    private let state = Mutex(State())
    private let waiters: Waiters
    private let clock: any TimeSource
    private let observer: (any EventStoreObserver)?

    /// With `cancellationWakesSubscribers` off, cancelling a task parked in a subscription's
    /// `next()` does not wake it: whoever cancels it calls ``wakeSubscribers()`` (the simulator
    /// does, saving a cancellation handler and a job per wake-up), or it wakes at the next append.
    /// With `parking`, the host parks subscribers itself (see ``ReaderParking``), and cancellation
    /// never wakes them.
    public init(clock: any TimeSource, observer: (any EventStoreObserver)? = nil, cancellationWakesSubscribers: Bool = true,
                parking: ReaderParking? = nil) {
        self.clock = clock
        self.observer = observer
        waiters = Waiters(wakesOnCancel: cancellationWakesSubscribers, parking: parking)
    }

    /// Makes room for `streams` streams of about `eventsPerStream` events each, so that a run
    /// whose size is known up front does not rehash its tables as they grow.
    public func reserveCapacity(streams: Int, eventsPerStream: Int) {
        state.withLock { s in
            s.log.reserveCapacity(streams * eventsPerStream)
            s.streams.reserveCapacity(streams)
            s.eventIndex.reserveCapacity(streams * eventsPerStream)
        }
    }

    /// Wakes every parked subscriber: those whose tasks were cancelled return.
    public func wakeSubscribers() { waiters.wakeAll() }

    public func append(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) async throws -> AppendResult {
        try appendSync(events, to: stream, expected: expected)
    }

    public func readStream(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]
    {
        try readStreamSync(stream, from: version, direction: direction, limit: limit)
    }

    public func readAll(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try readAllSync(after: position, limit: limit)
    }

    // The store's work never waits, so each port method is also here without `async`: a caller on
    // the simulator's thread then pays no async frame for it.

    /// ``append(_:to:expected:)``, done at once.
    public func appendSync(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) throws(CausewayError) -> AppendResult {
        guard !events.isEmpty else { throw CausewayError(.invalidArgument, "an append needs at least one event") }
        let now = clock.now()
        let (result, written, ordinal) = try state.withLock { s throws(CausewayError) -> (AppendResult, ArraySlice<RecordedEvent>, Int) in
            // Every append is a few lookups in tables as large as the log, so each is done once:
            // the ids are claimed as they are checked, and the stream is found by index.
            guard Self.claim(events, at: s.log.count, in: &s.eventIndex) else {
                return (try Self.retriedAppend(events, stream: stream, state: s), [], 0)
            }
            let slot = s.streams.index(forKey: stream)
            let actual: Int64, orderID: OrderID?, ordinal: Int
            if let slot {
                (actual, orderID, ordinal) = Stream.read(&s.streams.values[slot]) { (Int64($0.events.count), $0.orderID, $0.ordinal) }
            } else {
                (actual, orderID, ordinal) = (0, stream.orderID, s.streams.count)
            }
            switch expected {
            case .any: break
            case .noStream where actual == 0: break
            case .exact(let v) where v == actual: break
            default:
                for e in events { s.eventIndex[e.eventID] = nil }
                throw CausewayError(.wrongExpectedVersion,
                                    "stream '\(stream)' expected version \(expected) but is at \(actual)",
                                    actualVersion: actual)
            }
            // The events are written where the stream is stored, and the observers are handed
            // them there, as a slice (a separate array of them cost an allocation and a copy).
            let first = Int64(s.log.count) + 1
            // Writes the events to the log and to `stored`, the stream's events.
            func write(_ log: inout [RecordedEvent], _ stored: inout [RecordedEvent]) {
                // By index: each field is read where it is, not from a copy of the whole event.
                for i in events.indices {
                    let recorded = RecordedEvent(
                        eventID: events[i].eventID, streamID: stream, streamVersion: actual + Int64(i) + 1,
                        globalPosition: first + Int64(i), event: events[i].event, schemaVersion: events[i].schemaVersion,
                        occurredAt: events[i].occurredAt, recordedAt: now, correlationID: events[i].correlationID,
                        causationID: events[i].causationID, orderID: orderID)
                    log.append(recorded)
                    stored.append(recorded)
                }
            }
            let written: ArraySlice<RecordedEvent>
            if let slot {
                write(&s.log, &s.streams.values[slot].events)
                written = Stream.read(&s.streams.values[slot]) { $0.events[Int(actual)...] }
            } else {
                // Room for a few appends more, so an order's next events do not regrow it one by one.
                var new: [RecordedEvent] = []
                new.reserveCapacity(max(events.count, 4))
                write(&s.log, &new)
                s.streams[stream] = Stream(ordinal: ordinal, orderID: orderID, events: new)
                written = new[...]
            }
            let count = Int64(events.count)
            let result = AppendResult(lastVersion: actual + count, firstPosition: first,
                                      lastPosition: first + count - 1, wasDuplicate: false)
            return (result, written, ordinal)
        }
        if !written.isEmpty {
            observer?.appended(written, stream: ordinal)
            waiters.wakeAll()
        }
        return result
    }

    /// Records the ids of `events` as those of the log entries from `position` on, one lookup
    /// each. Returns false, and changes nothing, if any id is already taken (a retry, or a
    /// conflict): ``retriedAppend(_:stream:state:)`` tells which.
    private static func claim(_ events: [NewEvent], at position: Int, in index: inout [EventID: Int]) -> Bool {
        // By index: only each event's id is read, not a copy of the whole event.
        for i in events.indices {
            // An id taken from `position` on was claimed by this append (it repeats an id): the
            // later entry wins, as it always has.
            if let taken = index.updateValue(position + i, forKey: events[i].eventID), taken < position {
                index[events[i].eventID] = taken
                for earlier in events[..<i] { index[earlier.eventID] = nil }
                return false
            }
        }
        return true
    }

    /// For an append some of whose ids are taken (``claim(_:at:in:)`` refused it): the original
    /// result if it repeats an earlier append exactly; throws if it reuses ids inconsistently.
    private static func retriedAppend(
        _ events: [NewEvent], stream: StreamID, state s: State
    ) throws(CausewayError) -> AppendResult {
        let indexes = events.compactMap { s.eventIndex[$0.eventID] }
        let consistent = indexes.count == events.count
            && zip(indexes, events).allSatisfy { s.log[$0].streamID == stream && s.log[$0].event == $1.event }
            && zip(indexes, indexes.dropFirst()).allSatisfy { $1 == $0 + 1 || s.log[$1].streamVersion == s.log[$0].streamVersion + 1 }
        guard consistent else {
            throw CausewayError(.idempotencyConflict,
                                "event ids of this append were already used for other events in stream '\(stream)'")
        }
        let first = s.log[indexes.first!], last = s.log[indexes.last!]
        return AppendResult(lastVersion: last.streamVersion, firstPosition: first.globalPosition,
                            lastPosition: last.globalPosition, wasDuplicate: true)
    }

    /// ``readStream(_:from:direction:limit:)``, done at once.
    public func readStreamSync(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) throws(CausewayError)
        -> [RecordedEvent]
    {
        guard limit > 0 else { throw CausewayError(.invalidArgument, "limit must be positive (got \(limit))") }
        return state.withLock { s in
            // The events read where the stream is stored: copying the stream out would retain
            // and release its other fields too.
            guard let i = s.streams.index(forKey: stream) else { return [] }
            let events = Stream.read(&s.streams.values[i]) { $0.events }
            guard !events.isEmpty else { return [] }
            let count = Int64(events.count)
            switch direction {
            case .forwards:
                let start = max(version, 1)
                guard start <= count else { return [] }
                let end = Int64(min(Int(count), Int(start - 1) + min(limit, Int(count))))
                if start == 1, end == count { return events }  // the whole stream: no copy
                return Array(events[Int(start - 1)..<Int(end)])
            case .backwards:
                let start = min(version, count)
                guard start >= 1 else { return [] }
                let end = max(1, start - Int64(min(limit, Int(count))) + 1)
                return stride(from: start, through: end, by: -1).map { events[Int($0 - 1)] }
            }
        }
    }

    /// ``readAll(after:limit:)``, done at once.
    public func readAllSync(after position: Int64, limit: Int) throws(CausewayError) -> [RecordedEvent] {
        guard limit > 0 else { throw CausewayError(.invalidArgument, "limit must be positive (got \(limit))") }
        return state.withLock { s in
            let start = Int(max(position, 0))
            guard start < s.log.count else { return [] }
            return Array(s.log[start..<min(s.log.count, start + limit)])
        }
    }

    public func subscribeAll(after position: Int64) async throws -> any EventSubscription {
        subscribeSync(after: position)
    }

    /// ``subscribeAll(after:)``, done at once.
    public func subscribeSync(after position: Int64) -> any EventSubscription {
        Subscription(store: self, position: position)
    }

    /// The number of events in the log (the last global position).
    public var lastPosition: Int64 { state.withLock { Int64($0.log.count) } }

    /// A copy of the whole log, in order (for checkers and expectations).
    public func snapshot() -> [RecordedEvent] { state.withLock { $0.log } }

    private func event(after position: Int64) -> RecordedEvent? {
        state.withLock { s in position < Int64(s.log.count) ? s.log[Int(position)] : nil }
    }

    final class Subscription: EventSubscription, Sendable {
        let store: InMemoryEventStore
        /// Where the reader is. One reader calls `next` at a time; an atomic, not a lock, keeps the
        /// type safe to share without a lock taken twice per event.
        private let position: Atomic<Int64>

        init(store: InMemoryEventStore, position: Int64) {
            self.store = store
            self.position = Atomic(max(0, position))
        }

        @inline(__always)  // into its protocol witness: one async frame per call, not two
        func next() async throws -> RecordedEvent? {
            while true {
                try Cancellation.check()
                let at = position.load(ordering: .acquiring)
                if let event = store.event(after: at) {
                    position.store(event.globalPosition, ordering: .releasing)
                    return event
                }
                let store = self.store
                await store.waiters.wait { store.lastPosition > at }
            }
        }
    }
}
