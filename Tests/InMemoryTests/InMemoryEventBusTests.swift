import Core
import InMemory
import Synchronization
import Testing

func record(_ order: String, version: Int64, _ event: OrderEvent = .approved) -> BusRecord {
    let event = RecordedEvent(
        eventID: EventID(unchecked: "\(order)-\(version)"), streamID: OrderID(unchecked: order).streamID,
        streamVersion: version, globalPosition: version, event: event, schemaVersion: 1, occurredAt: .zero,
        recordedAt: .zero, correlationID: "c", causationID: "c")
    return BusRecord(event)
}

/// A plain deterministic random source for the bus's choice among ready partitions.
final class CountingRandom: RandomSource {
    let state = Mutex<UInt64>(0)
    func next() -> UInt64 { state.withLock { $0 &+= 0x9E37_79B9_7F4A_7C15; return $0 } }
}

@Suite struct InMemoryEventBusTests {
    let bus = InMemoryEventBus(configuration: .init(partitions: 4), random: CountingRandom())

    @Test func aKeyAlwaysMapsToOnePartitionAndKeepsOrder() async throws {
        let consumer = try await bus.join(group: "g", member: "m1", topics: [Topics.orders])
        try await bus.publish((1...5).map { record("o1", version: $0) })
        var seen: [Delivery] = []
        for _ in 1...5 { seen.append(try #require(try await consumer.poll())) }
        #expect(Set(seen.map(\.partition)).count == 1)
        #expect(seen.map(\.partition).first == bus.partition(forKey: "o1"))
        #expect(seen.map(\.event.streamVersion) == [1, 2, 3, 4, 5])
        #expect(seen.map(\.offset) == [0, 1, 2, 3, 4])
    }

    @Test func membersSplitPartitionsAndRebalanceOnJoin() async throws {
        let m1 = try await bus.join(group: "g", member: "m1", topics: [Topics.orders])
        // Orders spread over partitions: find two keys in different partitions.
        let keys = (0..<50).map { "o\($0)" }
        let byPartition = Dictionary(grouping: keys, by: bus.partition(forKey:))
        #expect(byPartition.count == 4)
        _ = try await bus.join(group: "g", member: "m2", topics: [Topics.orders])
        for key in keys { try await bus.publish([record(key, version: 1)]) }
        var m1Partitions = Set<Int>()
        for _ in 0..<byPartition.filter({ [0, 2].contains($0.key) }).map(\.value.count).reduce(0, +) {
            m1Partitions.insert(try #require(try await m1.poll()).partition)
        }
        #expect(m1Partitions == [0, 2])
    }

    @Test func uncommittedRecordsAreRedeliveredAfterAMemberExpires() async throws {
        let m1 = try await bus.join(group: "g", member: "m1", topics: [Topics.orders])
        try await bus.publish([record("o1", version: 1), record("o1", version: 2), record("o1", version: 3)])
        let first = try #require(try await m1.poll())
        try await m1.commit(first)
        _ = try #require(try await m1.poll())  // handled, never committed: then m1 crashes
        let m2 = try await bus.join(group: "g", member: "m2", topics: [Topics.orders])
        bus.expire(group: "g", member: "m1")
        let again = try #require(try await m2.poll())
        #expect(again.event.streamVersion == 2)
        #expect(bus.committedOffsets(group: "g", topic: Topics.orders)[first.partition] == 1)
        #expect(try await m1.poll() == nil)  // an expired member's consumer is closed
    }

    @Test func commitFromAnOldGenerationIsRefused() async throws {
        let m1 = try await bus.join(group: "g", member: "m1", topics: [Topics.orders])
        try await bus.publish([record("o1", version: 1)])
        let delivery = try #require(try await m1.poll())
        bus.forceRebalance(group: "g")
        await #expect {
            try await m1.commit(delivery)
        } throws: { ($0 as? CausewayError)?.code == .rebalanced }
        // The rebalance restarted the partition from its committed offset: the record comes again.
        let again = try #require(try await m1.poll())
        #expect(again.offset == delivery.offset && again.generation == delivery.generation + 1)
        try await m1.commit(again)
    }

    @Test func groupsConsumeIndependently() async throws {
        let a = try await bus.join(group: "a", member: "x", topics: [Topics.orders])
        let b = try await bus.join(group: "b", member: "x", topics: [Topics.orders])
        try await bus.publish([record("o1", version: 1)])
        #expect(try await a.poll()?.event.eventID == (try await b.poll()?.event.eventID))
    }

    @Test func aPollHandsOutABatchFromOnePartitionAndItsCommitCoversIt() async throws {
        let consumer = try await bus.join(group: "g", member: "m1", topics: [Topics.orders])
        try await bus.publish((1...5).map { record("o1", version: $0) })
        let batch = try await consumer.poll(max: 3)
        #expect(batch.map(\.offset) == [0, 1, 2])
        #expect(Set(batch.map(\.partition)) == [bus.partition(forKey: "o1")])
        let rest = try await consumer.poll(max: 10)  // only what is there: no waiting for a full batch
        #expect(rest.map(\.offset) == [3, 4])
        try await consumer.commit(batch)
        #expect(bus.committedOffsets(group: "g", topic: Topics.orders)[batch[0].partition] == 3)
        // Out of order, with a duplicate, and behind what is committed: the offset never moves back.
        try await consumer.commit([batch[1], batch[0], batch[1]])
        #expect(bus.committedOffsets(group: "g", topic: Topics.orders)[batch[0].partition] == 3)
        try await consumer.commit([rest[1], rest[0]])
        #expect(bus.committedOffsets(group: "g", topic: Topics.orders)[batch[0].partition] == 5)
        // A batch with records of two partitions commits each partition's highest.
        let other = (0..<50).map { "k\($0)" }.first { bus.partition(forKey: $0) != batch[0].partition }!
        try await bus.publish([record(other, version: 1)])
        let single = try #require(try await consumer.poll())
        try await consumer.commit(rest + [single])
        let committed = bus.committedOffsets(group: "g", topic: Topics.orders)
        #expect(committed[batch[0].partition] == 5 && committed[single.partition] == 1)
        // Partitions no one has committed have no committed offset.
        #expect(committed.count == 2)
    }

    @Test func aBatchFromAnOldGenerationCommitsNothing() async throws {
        let m1 = try await bus.join(group: "g", member: "m1", topics: [Topics.orders])
        try await bus.publish((1...3).map { record("o1", version: $0) })
        let batch = try await m1.poll(max: 2)
        try await m1.commit([batch[0]])
        bus.forceRebalance(group: "g")
        await #expect {
            try await m1.commit(batch)
        } throws: { ($0 as? CausewayError)?.code == .rebalanced }
        #expect(bus.committedOffsets(group: "g", topic: Topics.orders)[batch[0].partition] == 1)
        // The whole uncommitted rest comes again, from the committed offset.
        #expect(try await m1.poll(max: 10).map(\.offset) == [1, 2])
    }

    @Test func aMemberWithInterestsIsHandedOnlyThoseTypesAndReadsPastTheRest() async throws {
        let cancelled = OrderEvent.cancelled(reason: "test")
        let m1 = bus.joinMember(group: "g", member: "m1", topics: [Topics.orders], interests: [.cancelled])
        try await bus.publish([record("o1", version: 1), record("o1", version: 2), record("o1", version: 3, cancelled),
                               record("o1", version: 4)])
        let first = try await m1.poll(max: 10)
        #expect(first.map(\.event.streamVersion) == [3])
        try await m1.commit(first)
        // The commit covers what was read past before the record handed out, not after it.
        let partition = bus.partition(forKey: "o1")
        #expect(bus.committedOffsets(group: "g", topic: Topics.orders)[partition] == 3)
        // A parked member is handed the next record it wants, past those it does not.
        let parked = Task { try await m1.poll(max: 10) }
        try await bus.publish([record("o1", version: 5)])
        try await bus.publish([record("o1", version: 6, cancelled)])
        #expect(try await parked.value.map(\.event.streamVersion) == [6])
        // Not committed: the member taking the partition over reads past 4 and 5 again and is
        // handed 6 again (at least once).
        let m2 = bus.joinMember(group: "g", member: "m2", topics: [Topics.orders], interests: [.cancelled])
        bus.expire(group: "g", member: "m1")
        let again = try await m2.poll(max: 10)
        #expect(again.map(\.event.streamVersion) == [6])
        #expect(again.map(\.offset) == [5])
        // A member of another group without interests is handed everything.
        let all = try await bus.join(group: "h", member: "x", topics: [Topics.orders])
        #expect(try await all.poll(max: 10).map(\.event.streamVersion) == [1, 2, 3, 4, 5, 6])
    }

    @Test(arguments: [true, false])
    func aCancelledParkedReaderReturns(cancellationWakes: Bool) async throws {
        let bus = InMemoryEventBus(configuration: .init(partitions: 2, cancellationWakesReaders: cancellationWakes),
                                   random: CountingRandom())
        let consumer = try await bus.join(group: "g", member: "m1", topics: [Topics.orders])
        let parked = Task { try await consumer.poll(max: 10) }
        try await Task.sleep(for: .milliseconds(20))  // let it find nothing and park
        parked.cancel()
        // Without the handler, whoever cancels wakes it (the simulator does at the end of a run).
        if !cancellationWakes { bus.wakeAllReaders() }
        await #expect(throws: CancellationError.self) { try await parked.value }
        // Nothing was taken from the partitions: a live member still gets everything.
        try await bus.publish([record("o1", version: 1)])
        let other = try await bus.join(group: "g", member: "m2", topics: [Topics.orders])
        bus.expire(group: "g", member: "m1")
        #expect(try await other.poll()?.event.streamVersion == 1)
    }
}
