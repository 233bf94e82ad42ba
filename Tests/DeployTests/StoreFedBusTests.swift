import Core
import Deploy
import InMemory
import Synchronization
import Testing

struct InstantClock: TimeSource {
    func now() -> Timestamp { Timestamp(millis: 1000) }
    func sleep(until deadline: Timestamp) async throws { await Task.yield() }
}

func event(_ id: String) -> NewEvent {
    NewEvent(eventID: EventID(unchecked: id), event: .approved, occurredAt: .zero, correlationID: "c", causationID: "c")
}

/// A store whose subscriptions fail once, after handing out `failAfter` events: what a consumer
/// sees when the event store's server shuts down mid-stream.
final class FlakyStore: EventStore {
    let inner = InMemoryEventStore(clock: InstantClock())
    let failAfter: Int
    let subscriptions = Mutex<[Int64]>([])

    init(failAfter: Int) { self.failAfter = failAfter }

    func append(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) async throws -> AppendResult {
        try await inner.append(events, to: stream, expected: expected)
    }
    func readStream(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]
    {
        try await inner.readStream(stream, from: version, direction: direction, limit: limit)
    }
    func readAll(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await inner.readAll(after: position, limit: limit)
    }
    func subscribeAll(after position: Int64) async throws -> any EventSubscription {
        let first = subscriptions.withLock { s in
            s.append(position)
            return s.count == 1
        }
        return Failing(inner: try await inner.subscribeAll(after: position), remaining: first ? failAfter : .max)
    }

    final class Failing: EventSubscription {
        let inner: any EventSubscription
        let remaining: Mutex<Int>
        init(inner: any EventSubscription, remaining: Int) {
            self.inner = inner
            self.remaining = Mutex(remaining)
        }
        func next() async throws -> RecordedEvent? {
            let left = remaining.withLock { r in
                defer { r -= 1 }
                return r
            }
            if left <= 0 { throw CausewayError(.unavailable, "the event store ended the subscription") }
            return try await inner.next()
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct StoreFedBusTests {
    @Test func deliversTheLogInOrderWithPositionsAsOffsets() async throws {
        let store = InMemoryEventStore(clock: InstantClock())
        _ = try await store.append([event("a")], to: StreamID(unchecked: "order-1"), expected: .any)
        _ = try await store.append([event("b")], to: StreamID(unchecked: "order-2"), expected: .any)
        let consumer = try await StoreFedBus(store: store, clock: InstantClock())
            .join(group: "payments", member: "payments", topics: [Topics.orders])
        let first = try #require(try await consumer.poll())
        let second = try #require(try await consumer.poll())
        #expect([first.offset, second.offset] == [1, 2])
        #expect([first.key, second.key] == ["1", "2"])
        #expect(first.event.eventID.rawValue == "a")
    }

    @Test func aTransientEndResubscribesFromTheLastCommit() async throws {
        let store = FlakyStore(failAfter: 2)
        for i in 1...3 {
            _ = try await store.append([event("e\(i)")], to: StreamID(unchecked: "order-\(i)"), expected: .any)
        }
        let consumer = try await StoreFedBus(store: store, clock: InstantClock())
            .join(group: "shipping", member: "shipping", topics: [Topics.orders])
        let one = try #require(try await consumer.poll())
        try await consumer.commit(one)
        _ = try #require(try await consumer.poll())  // handled but not committed when the stream breaks
        var offsets: [Int64] = []
        for _ in 0..<2 { offsets.append(try #require(try await consumer.poll()).offset) }
        // The uncommitted event comes again: at least once, never lost.
        #expect(offsets == [2, 3])
        #expect(store.subscriptions.withLock { $0 } == [0, 1])
    }

    @Test func publishingIsRefusedAndOtherTopicsAreUnknown() async throws {
        let bus = StoreFedBus(store: InMemoryEventStore(clock: InstantClock()), clock: InstantClock())
        await #expect(throws: CausewayError.self) { try await bus.join(group: "g", member: "m", topics: ["audit"]) }
        let e = RecordedEvent(eventID: EventID(unchecked: "x"), streamID: StreamID(unchecked: "order-1"), streamVersion: 1,
                              globalPosition: 1, event: .approved, schemaVersion: 1, occurredAt: .zero, recordedAt: .zero,
                              correlationID: "c", causationID: "c")
        await #expect(throws: CausewayError.self) { try await bus.publish([BusRecord(e)]) }
    }

    @Test func closeEndsPolling() async throws {
        let consumer = try await StoreFedBus(store: InMemoryEventStore(clock: InstantClock()), clock: InstantClock())
            .join(group: "g", member: "m", topics: [Topics.orders])
        await consumer.close()
        #expect(try await consumer.poll() == nil)
    }
}
