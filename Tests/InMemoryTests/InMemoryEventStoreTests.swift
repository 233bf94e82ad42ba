import Core
import InMemory
import Testing

/// A clock that stands still (the store only stamps recordedAt with it).
struct FixedClock: TimeSource {
    func now() -> Timestamp { Timestamp(millis: 1000) }
    func sleep(until deadline: Timestamp) async throws {}
}

func newEvent(_ id: String, _ event: OrderEvent = .approved) -> NewEvent {
    NewEvent(eventID: EventID(unchecked: id), event: event, occurredAt: .zero, correlationID: "c", causationID: "c")
}

@Suite struct InMemoryEventStoreTests {
    let store = InMemoryEventStore(clock: FixedClock())
    let s1 = StreamID(unchecked: "order-1")
    let s2 = StreamID(unchecked: "order-2")

    @Test func appendsGetGaplessVersionsAndGlobalPositions() async throws {
        let a = try await store.append([newEvent("a"), newEvent("b")], to: s1, expected: .noStream)
        #expect(a == AppendResult(lastVersion: 2, firstPosition: 1, lastPosition: 2, wasDuplicate: false))
        let b = try await store.append([newEvent("c")], to: s2, expected: .noStream)
        #expect(b.firstPosition == 3 && b.lastVersion == 1)
        let c = try await store.append([newEvent("d")], to: s1, expected: .exact(2))
        #expect(c.lastVersion == 3 && c.lastPosition == 4)
        let stream = try await store.readStream(s1)
        #expect(stream.map(\.streamVersion) == [1, 2, 3])
        #expect(stream.map(\.eventID.rawValue) == ["a", "b", "d"])
        #expect(stream.allSatisfy { $0.recordedAt == Timestamp(millis: 1000) })
    }

    /// Notes what the store tells its observer: each append's events and its stream's number.
    final class Appends: EventStoreObserver, @unchecked Sendable {
        var seen: [String] = []
        func appended(_ events: ArraySlice<RecordedEvent>, stream: Int) {
            seen.append("\(stream): " + events.map(\.eventID.rawValue).joined(separator: ","))
        }
    }

    @Test func theObserverIsToldEachAppendWithItsStreamsNumberInTheOrderStreamsWereMade() async throws {
        let appends = Appends()
        let store = InMemoryEventStore(clock: FixedClock(), observer: appends)
        let s3 = StreamID(unchecked: "customer-7")
        _ = try await store.append([newEvent("a"), newEvent("b")], to: s2, expected: .noStream)
        _ = try await store.append([newEvent("c")], to: s3, expected: .noStream)
        _ = try await store.append([newEvent("d")], to: s2, expected: .exact(2))
        _ = try await store.append([newEvent("e")], to: s1, expected: .noStream)
        // Refused and repeated appends write nothing, so nothing is told.
        _ = try? await store.append([newEvent("f")], to: s1, expected: .noStream)
        _ = try await store.append([newEvent("e")], to: s1, expected: .noStream)
        _ = try await store.append([newEvent("g")], to: s3, expected: .any)
        #expect(appends.seen == ["0: a,b", "1: c", "0: d", "2: e", "1: g"])
    }

    @Test func wrongExpectedVersionIsRefusedWithTheActualVersion() async throws {
        _ = try await store.append([newEvent("a")], to: s1, expected: .noStream)
        for expected in [ExpectedVersion.noStream, .exact(0), .exact(2)] {
            await #expect {
                try await store.append([newEvent("x")], to: s1, expected: expected)
            } throws: { error in
                let e = error as? CausewayError
                return e?.code == .wrongExpectedVersion && e?.actualVersion == 1
            }
        }
        await #expect(throws: CausewayError.self) { try await store.append([newEvent("y")], to: s2, expected: .exact(1)) }
        _ = try await store.append([newEvent("z")], to: s1, expected: .any)
        #expect(store.lastPosition == 2)
    }

    @Test func retriedAppendIsIdempotent() async throws {
        let first = try await store.append([newEvent("a"), newEvent("b")], to: s1, expected: .noStream)
        _ = try await store.append([newEvent("c")], to: s1, expected: .exact(2))
        // The same append again (a retry after a lost reply) writes nothing and returns the original result.
        let again = try await store.append([newEvent("a"), newEvent("b")], to: s1, expected: .noStream)
        #expect(again.wasDuplicate)
        #expect(again.lastVersion == first.lastVersion && again.firstPosition == first.firstPosition)
        #expect(store.lastPosition == 3)
    }

    @Test func reusedEventIdsForOtherEventsConflict() async throws {
        _ = try await store.append([newEvent("a"), newEvent("b")], to: s1, expected: .noStream)
        await #expect {
            try await store.append([newEvent("a"), newEvent("new")], to: s1, expected: .any)
        } throws: { ($0 as? CausewayError)?.code == .idempotencyConflict }
        await #expect {
            try await store.append([newEvent("a", .shipped(trackingID: "t"))], to: s1, expected: .any)
        } throws: { ($0 as? CausewayError)?.code == .idempotencyConflict }
        #expect(store.lastPosition == 2)
    }

    /// An append that is refused writes nothing, not even its ids: they stay free for the append
    /// that does go through, which is then a write and not a retry.
    @Test func aRefusedAppendLeavesItsIdsFree() async throws {
        _ = try await store.append([newEvent("a")], to: s1, expected: .noStream)
        await #expect(throws: CausewayError.self) {
            try await store.append([newEvent("x"), newEvent("y")], to: s1, expected: .exact(5))
        }
        await #expect(throws: CausewayError.self) {
            try await store.append([newEvent("z"), newEvent("a", .shipped(trackingID: "t"))], to: s1, expected: .any)
        }
        let written = try await store.append([newEvent("x"), newEvent("y"), newEvent("z")], to: s1, expected: .exact(1))
        #expect(!written.wasDuplicate)
        #expect(written == AppendResult(lastVersion: 4, firstPosition: 2, lastPosition: 4, wasDuplicate: false))
        // And each id now names its own event: a retry of the last append is recognised as one.
        let again = try await store.append([newEvent("x"), newEvent("y"), newEvent("z")], to: s1, expected: .exact(1))
        #expect(again.wasDuplicate && again.firstPosition == 2)
        #expect(try await store.readStream(s1).map(\.eventID.rawValue) == ["a", "x", "y", "z"])
    }

    @Test func readsForwardsBackwardsAndAll() async throws {
        _ = try await store.append((1...5).map { newEvent("e\($0)") }, to: s1, expected: .noStream)
        _ = try await store.append([newEvent("f1")], to: s2, expected: .noStream)
        #expect(try await store.readStream(s1, from: 2, direction: .forwards, limit: 2).map(\.streamVersion) == [2, 3])
        #expect(try await store.readStream(s1, from: 5, direction: .backwards, limit: 3).map(\.streamVersion) == [5, 4, 3])
        #expect(try await store.readStream(s1, from: 9, direction: .forwards, limit: 3).isEmpty)
        #expect(try await store.readStream(StreamID(unchecked: "none"), from: 1, direction: .forwards, limit: 3).isEmpty)
        #expect(try await store.readAll(after: 4, limit: 10).map(\.globalPosition) == [5, 6])
        await #expect(throws: CausewayError.self) { try await store.readAll(after: 0, limit: 0) }
    }

    @Test func subscriptionCatchesUpThenFollowsLiveAppends() async throws {
        _ = try await store.append([newEvent("a"), newEvent("b")], to: s1, expected: .noStream)
        let subscription = try await store.subscribeAll(after: 1)
        #expect(try await subscription.next()?.eventID.rawValue == "b")
        async let live = subscription.next()
        _ = try await store.append([newEvent("c")], to: s2, expected: .noStream)
        #expect(try await live?.eventID.rawValue == "c")
    }
}
