import Core
import GRPCAdapter
import GRPCCore
import GRPCNIOTransportHTTP2
import InMemory
import Logging
import Synchronization
import Testing

struct FixedClock: TimeSource {
    func now() -> Timestamp { Timestamp(millis: 1000) }
    func sleep(until deadline: Timestamp) async throws {}
}

func created(_ order: String) -> OrderEvent {
    .created(OrderCreated(
        orderID: OrderID(unchecked: order), customerID: CustomerID(unchecked: "c1"),
        lines: [OrderLine(sku: SKU(unchecked: "sku-1"), quantity: 2, unitPrice: 500)],
        total: Money(minorUnits: 1000, currency: .eur), clientKey: nil))
}

func newEvent(_ id: String, _ event: OrderEvent = .approved) -> NewEvent {
    NewEvent(eventID: EventID(unchecked: id), event: event, occurredAt: Timestamp(millis: 7),
             correlationID: "corr", causationID: "cause")
}

/// Counts server-side subscriptions that started waiting for an event, and those that ended
/// because their waiting task was cancelled.
final class EndTrackingStore: EventStore {
    let inner = InMemoryEventStore(clock: FixedClock())
    let waiting = Mutex(0)
    let ended = Mutex(0)

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
        Tracked(inner: try await inner.subscribeAll(after: position), store: self)
    }

    struct Tracked: EventSubscription {
        let inner: any EventSubscription
        let store: EndTrackingStore
        func next() async throws -> RecordedEvent? {
            store.waiting.withLock { $0 += 1 }
            do {
                return try await inner.next()
            } catch is CancellationError {
                store.ended.withLock { $0 += 1 }
                throw CancellationError()
            }
        }
    }
}

/// Runs `body` against a server for `store` on a free loopback port, with a connected client.
func withEventStore(
    _ store: some EventStore, pageSize: Int = ReadLimits.maxPage,
    _ body: @Sendable (GRPCEventStore, Int) async throws -> Void
) async throws {
    let server = EventStoreServer(store: store, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
    try await withThrowingTaskGroup { group in
        group.addTask { try await server.run() }
        let port = try #require(try await server.boundPort())
        let client = try GRPCEventStore(host: "127.0.0.1", port: port, callTimeout: .seconds(5), pageSize: pageSize)
        group.addTask { try await client.run() }
        do {
            try await body(client, port)
        } catch {
            client.close()
            server.shutdown()
            throw error
        }
        client.close()
        server.shutdown()
        try await group.waitForAll()
    }
}

@Suite(.timeLimit(.minutes(1))) struct EventStoreAPITests {
    let s1 = StreamID(unchecked: "order-1")

    @Test func appendReadsBackTheSameEnvelopeOverTheWire() async throws {
        try await withEventStore(InMemoryEventStore(clock: FixedClock())) { store, _ in
            let first = try await store.append([newEvent("e1", created("1")), newEvent("e2")], to: s1, expected: .noStream)
            #expect(first == AppendResult(lastVersion: 2, firstPosition: 1, lastPosition: 2, wasDuplicate: false))
            let read = try await store.readStream(s1)
            #expect(read.map(\.eventID.rawValue) == ["e1", "e2"])
            #expect(read[0].event == created("1"))
            #expect(read[0].occurredAt == Timestamp(millis: 7) && read[0].recordedAt == Timestamp(millis: 1000))
            #expect(read[0].correlationID == "corr" && read[0].causationID == "cause" && read[0].schemaVersion == 1)
        }
    }

    @Test func wrongExpectedVersionComesBackWithTheActualVersion() async throws {
        try await withEventStore(InMemoryEventStore(clock: FixedClock())) { store, _ in
            _ = try await store.append([newEvent("e1")], to: s1, expected: .any)
            await #expect {
                try await store.append([newEvent("e2")], to: s1, expected: .exact(5))
            } throws: { error in
                let e = error as? CausewayError
                return e?.code == .wrongExpectedVersion && e?.actualVersion == 1
            }
            let retried = try await store.append([newEvent("e1")], to: s1, expected: .any)
            #expect(retried.wasDuplicate && retried.lastVersion == 1)
            await #expect {
                try await store.append([newEvent("e1", .cancelled(reason: "other"))], to: StreamID(unchecked: "order-2"),
                                       expected: .any)
            } throws: { ($0 as? CausewayError)?.code == .idempotencyConflict }
        }
    }

    @Test func aMessageOverTheSizeLimitIsAnInvalidArgumentNotATransientError() async throws {
        try await withEventStore(InMemoryEventStore(clock: FixedClock())) { store, _ in
            let huge = (1...5).map { newEvent("big-\($0)", .shipped(trackingID: String(repeating: "t", count: 1 << 20))) }
            await #expect {
                try await store.append(huge, to: s1, expected: .any)
            } throws: { error in
                let e = error as? CausewayError
                return e?.code == .invalidArgument && e?.isTransient == false
            }
            let written = try await store.readStream(s1)
            #expect(written.isEmpty)
        }
    }

    @Test func readsPageThroughTheServerLimitBothWays() async throws {
        try await withEventStore(InMemoryEventStore(clock: FixedClock()), pageSize: 2) { store, _ in
            for i in 1...5 {
                _ = try await store.append([newEvent("e\(i)")], to: s1, expected: .exact(Int64(i - 1)))
            }
            _ = try await store.append([newEvent("other")], to: StreamID(unchecked: "order-2"), expected: .noStream)
            #expect(try await store.readStream(s1).map(\.streamVersion) == [1, 2, 3, 4, 5])
            let back = try await store.readStream(s1, from: .max, direction: .backwards, limit: 4)
            #expect(back.map(\.streamVersion) == [5, 4, 3, 2])
            #expect(try await store.readAll(after: 1, limit: 100).map(\.globalPosition) == [2, 3, 4, 5, 6])
            #expect(try await store.readStream(StreamID(unchecked: "order-9")).isEmpty)
        }
    }

    @Test func subscriptionCatchesUpThenFollowsLiveAppendsWithFilters() async throws {
        try await withEventStore(InMemoryEventStore(clock: FixedClock())) { store, _ in
            _ = try await store.append([newEvent("e1", created("1"))], to: s1, expected: .noStream)
            _ = try await store.append([newEvent("x1")], to: StreamID(unchecked: "other-1"), expected: .noStream)
            let all = try await store.subscribeAll(after: 0)
            let filtered = try await store.subscribe(after: 0, streamPrefix: "order-", types: [.approved])
            #expect(try await all.next()?.eventID.rawValue == "e1")
            #expect(try await all.next()?.eventID.rawValue == "x1")
            _ = try await store.append([newEvent("e2")], to: s1, expected: .exact(1))
            #expect(try await all.next()?.eventID.rawValue == "e2")
            #expect(try await filtered.next()?.eventID.rawValue == "e2")
            filtered.cancel()
        }
    }

    @Test func cancellingASubscriptionEndsTheServerHandler() async throws {
        let store = EndTrackingStore()
        try await withEventStore(store) { client, _ in
            let subscription = try await client.subscribe(after: 0)
            let waiting = Task { try await subscription.next() }
            // Cancel only once the server's handler waits for an event.
            try await eventually { store.waiting.withLock { $0 } == 1 }
            waiting.cancel()
            #expect(try await waiting.value == nil)
            try await eventually { store.ended.withLock { $0 } == 1 }
        }
    }

    @Test func serverShutdownEndsOpenSubscriptions() async throws {
        let store = EndTrackingStore()
        let server = EventStoreServer(store: store, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await withThrowingTaskGroup { group in
            group.addTask { try await server.run() }
            let port = try #require(try await server.boundPort())
            let client = try GRPCEventStore(host: "127.0.0.1", port: port)
            group.addTask { try await client.run() }
            let subscription = try await client.subscribe(after: 0)
            let waiting = Task { try await subscription.next() }
            try await eventually { store.waiting.withLock { $0 } == 1 }
            server.shutdown()
            // The server's run() returns only once the subscription's handler has ended.
            await #expect { try await waiting.value } throws: { ($0 as? CausewayError)?.code == .unavailable }
            client.close()
            try await group.waitForAll()
        }
        #expect(store.ended.withLock { $0 } == 1)
    }

    @Test func anUnreachableServerIsUnavailable() async throws {
        let client = try GRPCEventStore(host: "127.0.0.1", port: 1, callTimeout: .seconds(2))
        try await withThrowingTaskGroup { group in
            group.addTask { try await client.run() }
            await #expect {
                try await client.readAll(after: 0, limit: 1)
            } throws: { error in
                let e = error as? CausewayError
                return e?.isTransient == true
            }
            client.close()
            try await group.waitForAll()
        }
    }

    @Test func aClientOfAHostThatDoesNotResolveStillCloses() async throws {
        // A 70-letter label: the system's resolver refuses it without asking any name server.
        let host = String(repeating: "a", count: 70) + ".invalid"
        let client = try GRPCEventStore(host: host, port: 7, callTimeout: .seconds(1))
        try await withThrowingTaskGroup { group in
            group.addTask { try await client.run() }
            await #expect {
                try await client.readAll(after: 0, limit: 1)
            } throws: { ($0 as? CausewayError)?.isTransient == true }
            client.close()
            // The transport goes on resolving the name after it is asked to close; run() must
            // still end, once the calls in flight have had their deadline.
            try await group.waitForAll()
        }
    }

    @Test func theServerListensOnIPv6AndSaysWhyItCannotStart() async throws {
        let server = EventStoreServer(store: InMemoryEventStore(clock: FixedClock()), host: "::1", port: 0,
                                      logger: Logger(label: "test"))
        try await withThrowingTaskGroup { group in
            group.addTask { try await server.run() }
            let port = try #require(try await server.boundPort())
            let client = try GRPCEventStore(host: "::1", port: port, callTimeout: .seconds(5))
            group.addTask { try await client.run() }
            let appended = try await client.append([newEvent("e1")], to: s1, expected: .noStream)
            #expect(appended.lastVersion == 1)

            // A second server on the same port cannot bind, and says why.
            let second = EventStoreServer(store: InMemoryEventStore(clock: FixedClock()), host: "::1", port: port,
                                          logger: Logger(label: "test"))
            await #expect { try await second.run() } throws: { "\($0)".contains("Address already in use") }
            client.close()
            server.shutdown()
            try await group.waitForAll()
        }
    }
}

/// Polls `condition` until it holds, for up to twenty seconds (a loaded CI machine is slow).
func eventually(_ condition: @Sendable () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<400 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    #expect(condition(), sourceLocation: sourceLocation)
}
