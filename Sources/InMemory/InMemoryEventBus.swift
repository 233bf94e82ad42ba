public import Core
import Synchronization

/// Sees what happens on an in-memory bus (the simulator's trace and checkers). A class, so that
/// holding and calling one costs a plain reference.
public protocol EventBusObserver: AnyObject, Sendable {
    func published(_ record: BusRecord, partition: Int, offset: Int64)
    /// A poll handed `batch` to `member` of `group` (one call per poll: the observer reads each
    /// delivery where it is, instead of a copy of it being made for each call).
    func delivered(_ batch: [Delivery], group: String, member: String)
    func committed(group: String, member: String, topic: String, partition: Int, offset: Int64)
    func rebalanced(group: String, generation: Int, assignment: [(member: String, partitions: [Int])])
}

/// Delays work on the bus (publication latency). The simulator schedules in virtual time;
/// without one, records are visible at once. A class: the bus reads it at every publish, and a
/// reference is copied with one retain where any other value goes through its type's witnesses.
public protocol DelayScheduler: AnyObject, Sendable {
    func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void)
}

/// The in-memory bus: Kafka's model in memory. Topics have a fixed number of partitions; a key
/// always maps to the same partition; consumer groups split partitions among members, keep
/// committed offsets, and rebalance (restarting each partition from its committed offset) when a
/// member joins, leaves or expires.
public final class InMemoryEventBus: EventBus, Sendable {
    public struct Configuration: Sendable {
        public var partitions: Int
        /// Publication latency per record; nil for none.
        public var latency: (@Sendable () -> Duration)?
        /// Whether cancelling a task parked in ``BusConsumer/poll(max:)`` wakes it at once. The
        /// simulator turns this off (a cancellation handler per wait costs it an extra job per
        /// wake-up) and instead wakes parked readers itself with ``wakeAllReaders()``; a
        /// cancelled reader left parked wakes at its member's next wake-up and returns.
        public var cancellationWakesReaders: Bool
        /// The host that parks readers itself (the simulator), or nil for continuations. A parked
        /// reader is woken as one on a continuation is, but never by cancellation.
        public var parking: ReaderParking?
        public init(partitions: Int = 4, latency: (@Sendable () -> Duration)? = nil, cancellationWakesReaders: Bool = true,
                    parking: ReaderParking? = nil) {
            self.partitions = partitions
            self.latency = latency
            self.cancellationWakesReaders = cancellationWakesReaders
            self.parking = parking
        }
    }

    struct TopicPartition: Hashable, Comparable {
        var topic: String
        var partition: Int
        static func < (l: Self, r: Self) -> Bool { (l.topic, l.partition) < (r.topic, r.partition) }

        // Hashed by the partition alone: a bus has a handful of topics, and equality still
        // compares the topic. Every publication and commit looks one up, and hashing the topic's
        // text cost more than the rest of the lookup.
        func hash(into hasher: inout Hasher) { hasher.combine(partition) }

        func _rawHashValue(seed: Int) -> Int {
            let mixed = UInt64(bitPattern: Int64(partition ^ seed)).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
            return Int(truncatingIfNeeded: mixed.high ^ mixed.low)
        }
    }
    /// One partition's records. Reference types below are only touched under the state lock, so
    /// their busiest fields go without runtime exclusivity checks.
    final class Log: @unchecked Sendable {
        @exclusivity(unchecked) var records: [BusRecord] = []
        /// How many of `records` consumers can see (the rest are still in flight).
        @exclusivity(unchecked) var visible = 0
        /// The member of each group that owns this partition, by group name: who to wake when a
        /// record becomes visible. Kept by ``rebalance(_:in:)``.
        var readers: [Reader] = [] {
            didSet { wake = readers.map { ($0.member.waiters, $0.member.interests) } }
        }
        /// The readers' waiters and the event types they read, in the same order: handed out as
        /// is on every publication.
        private(set) var wake: [(waiters: Waiters, interests: UInt64)] = []
        /// The mask (``EventType/bit``) of the types of `records[range]`.
        func types(_ range: Range<Int>) -> UInt64 {
            records.withUnsafeBufferPointer { records in
                var mask: UInt64 = 0
                for i in range { mask |= records[i].event.type.bit }
                return mask
            }
        }
    }
    /// A group's owner of a partition. Unowned: members hold their partitions' logs, so strong
    /// references back would keep a finished bus alive. A member leaves `readers` in the same
    /// rebalance that takes its partitions away.
    struct Reader {
        unowned let group: Group
        unowned let member: Member
    }
    /// A group's committed offset of one partition. A cell of its own, which the member owning
    /// the partition holds in its slot: a commit raises it there, without a lookup by partition.
    final class Committed: @unchecked Sendable {
        /// 0 until the first commit: a member that takes the partition over reads from the start.
        @exclusivity(unchecked) private(set) var offset: Int64 = 0
        /// Whether any member has committed the partition (only those are reported).
        @exclusivity(unchecked) private(set) var isSet = false

        /// Sets the offset to `other` if that is larger (a committed offset never moves back).
        func raise(to other: Int64) {
            offset = Swift.max(offset, other)
            isSet = true
        }
    }
    /// A partition assigned to a member, with where the member reads next.
    struct Slot {
        let tp: TopicPartition
        let log: Log
        var fetch: Int64
        /// The group's committed offset of the partition.
        let committed: Committed

        /// Moves `fetch` past the visible records of no interest; whether one of interest is next.
        /// Called under the bus's lock.
        mutating func readPast(_ interests: UInt64) -> Bool {
            guard fetch < Int64(log.visible) else { return false }
            guard interests != .max else { return true }
            let visible = log.visible
            var offset = Int(fetch)
            log.records.withUnsafeBufferPointer { records in
                while offset < visible, interests & records[offset].event.type.bit == 0 { offset += 1 }
            }
            fetch = Int64(offset)
            return offset < visible
        }
    }
    final class Member: @unchecked Sendable {
        let name: String
        @exclusivity(unchecked) var slots: [Slot] = []
        @exclusivity(unchecked) var active = true
        let waiters: Waiters
        /// The event types this member is handed (``EventType/bit``); it reads past the rest.
        let interests: UInt64
        /// The storage of the batch the member was handed last. Its consumer is done with it by
        /// the time it polls again, so the next batch is written into it in place: a poll then
        /// allocates no array.
        @exclusivity(unchecked) var lastBatch: [Delivery] = []
        init(name: String, interests: UInt64, wakesOnCancel: Bool, parking: ReaderParking?) {
            self.name = name
            self.interests = interests
            waiters = Waiters(wakesOnCancel: wakesOnCancel, parking: parking)
        }
    }
    final class Group: @unchecked Sendable {
        let name: String
        var topics: Set<String>
        @exclusivity(unchecked) var generation = 0
        var members: [String: Member] = [:]
        /// Made for a partition when it is first assigned, and kept across rebalances.
        var committed: [TopicPartition: Committed] = [:]
        init(name: String, topics: Set<String>) {
            self.name = name
            self.topics = topics
        }
    }
    struct State {
        var logs: [TopicPartition: Log] = [:]
        var groups: [String: Group] = [:]

        mutating func log(_ tp: TopicPartition) -> Log {
            if let log = logs[tp] { return log }
            let log = Log()
            logs[tp] = log
            return log
        }
    }

    private let state = Mutex(State())
    let configuration: Configuration
    private let scheduler: (any DelayScheduler)?
    private let random: any RandomSource
    private let observer: (any EventBusObserver)?

    public init(configuration: Configuration = .init(), scheduler: (any DelayScheduler)? = nil,
                random: any RandomSource, observer: (any EventBusObserver)? = nil) {
        precondition(configuration.partitions > 0, "a topic needs at least one partition")
        self.configuration = configuration
        self.scheduler = scheduler
        self.random = random
        self.observer = observer
    }

    /// The partition of a key: a stable hash, so one order's events share a partition.
    public func partition(forKey key: String) -> Int {
        Int(StableHash.fnv1a(key) % UInt64(configuration.partitions))
    }

    public func publish(_ records: [BusRecord]) async throws {
        publishSync(records)
    }

    /// ``publish(_:)``, done at once (it never waits): a caller on the simulator's thread pays no
    /// async frame for it.
    public func publishSync(_ records: [BusRecord]) {
        for record in records {
            let tp = TopicPartition(topic: record.topic, partition: partition(forKey: record.key))
            let (log, offset) = state.withLock { s -> (Log, Int64) in
                let log = s.log(tp)
                log.records.append(record)
                return (log, Int64(log.records.count - 1))
            }
            observer?.published(record, partition: tp.partition, offset: offset)
            if let scheduler, let latency = configuration.latency {
                scheduler.after(latency()) { [self] in makeVisible(log, through: offset) }
            } else {
                makeVisible(log, through: offset)
            }
        }
    }

    /// A partition's log is never replaced, so the publication holds on to it until it lands.
    private func makeVisible(_ log: Log, through offset: Int64) {
        let (toWake, types) = state.withLock { _ -> ([(waiters: Waiters, interests: UInt64)], UInt64) in
            guard Int64(log.visible) <= offset else { return ([], 0) }
            let types = log.types(log.visible..<Int(offset) + 1)
            log.visible = Int(offset) + 1
            return (log.wake, types)
        }
        // A reader that reads none of the new records' types is left asleep.
        for i in toWake.indices where toWake[i].interests & types != 0 { toWake[i].waiters.wakeAll() }
    }

    public func join(group: String, member: String, topics: [String]) async throws -> any BusConsumer {
        joinMember(group: group, member: member, topics: topics)
    }

    /// ``join(group:member:topics:)`` with the member's own type, for a wrapper that calls it
    /// directly rather than through the protocol.
    ///
    /// With `interests`, the member is handed only records of those event types and woken only
    /// for them: it reads past the rest as a Kafka client drops records its application does not
    /// want before they reach it, and its commits cover them (a commit moves the group's offset
    /// to one past the record handed out, whatever was read past before it). Records read past
    /// after the last one handed out stay uncommitted until the next commit, so a member that
    /// takes over the partition reads past them again.
    public func joinMember(group: String, member: String, topics: [String], interests: Set<EventType>? = nil) -> Consumer {
        let mask = interests.map(EventType.mask(of:)) ?? .max
        let (consumer, wake) = state.withLock { s -> (Consumer, [Waiters]) in
            let g: Group
            if let existing = s.groups[group] {
                g = existing
                g.topics.formUnion(topics)
            } else {
                g = Group(name: group, topics: Set(topics))
                s.groups[group] = g
            }
            g.members[member]?.active = false
            let m = Member(name: member, interests: mask, wakesOnCancel: configuration.cancellationWakesReaders,
                           parking: configuration.parking)
            g.members[member] = m
            return (Consumer(bus: self, group: g, member: m), rebalance(g, in: &s))
        }
        for w in wake { w.wakeAll() }
        return consumer
    }

    /// Removes a member whose session expired (it crashed without leaving); the group rebalances.
    public func expire(group: String, member: String) {
        let wake = state.withLock { s -> [Waiters] in
            guard let g = s.groups[group], let m = g.members.removeValue(forKey: member) else { return [] }
            m.active = false
            return rebalance(g, in: &s) + [m.waiters]
        }
        for w in wake { w.wakeAll() }
    }

    /// Wakes every parked reader of every group: those whose tasks were cancelled return, the
    /// rest look for records and park again.
    public func wakeAllReaders() {
        let wake = state.withLock { s in
            // In name order, as everything the bus does: the order of wake-ups is the order of jobs.
            s.groups.sorted { $0.key < $1.key }.flatMap { $0.value.members.sorted { $0.key < $1.key }.map(\.value.waiters) }
        }
        for w in wake { w.wakeAll() }
    }

    /// Forces a rebalance of `group` (a fault, or a member's metadata change).
    public func forceRebalance(group: String) {
        let wake = state.withLock { s -> [Waiters] in
            guard let g = s.groups[group] else { return [] }
            return rebalance(g, in: &s)
        }
        for w in wake { w.wakeAll() }
    }

    /// Reassigns every partition of the group's topics round-robin over its members (sorted by
    /// name), restarting each from its committed offset. Returns the waiters to wake.
    private func rebalance(_ g: Group, in s: inout State) -> [Waiters] {
        g.generation += 1
        let names = g.members.keys.sorted()
        let members = names.map { g.members[$0]! }
        var partitions: [TopicPartition] = []
        for topic in g.topics.sorted() {
            for p in 0..<configuration.partitions { partitions.append(TopicPartition(topic: topic, partition: p)) }
        }
        for m in members { m.slots = [] }
        for (i, tp) in partitions.enumerated() {
            let log = s.log(tp)
            log.readers.removeAll { $0.group === g }
            guard !members.isEmpty else { continue }
            let m = members[i % members.count]
            let committed = g.committed[tp] ?? Committed()
            g.committed[tp] = committed
            m.slots.append(Slot(tp: tp, log: log, fetch: committed.offset, committed: committed))
            let at = log.readers.firstIndex { $0.group.name > g.name } ?? log.readers.endIndex
            log.readers.insert(Reader(group: g, member: m), at: at)
        }
        let assignment = members.map { m in (member: m.name, partitions: m.slots.map(\.tp.partition)) }
        observer?.rebalanced(group: g.name, generation: g.generation, assignment: assignment)
        return members.map(\.waiters)
    }

    enum PollStep {
        case records([Delivery])
        /// Nothing to read: wait on the member's waiters until ``hasWork(_:_:generation:)``.
        case wait(Waiters, generation: Int)
        case closed
    }

    /// Takes up to `max` visible records from one of the member's partitions with data.
    fileprivate func pollStep(_ g: Group, _ m: Member, max: Int) -> PollStep {
        state.withLock { _ -> PollStep in
            guard m.active else { return .closed }
            // The member's slots through one pointer: reading a slot's log through the array
            // property would retain the array and the log at every step.
            let interests = m.interests
            let step = m.slots.withUnsafeMutableBufferPointer { slots -> (batch: [Delivery], empty: Bool) in
                var ready = 0
                for i in slots.indices where slots[i].readPast(interests) { ready += 1 }
                guard ready > 0 else { return ([], true) }
                // The partition to read from: the n-th with data, n drawn from the seed when several have.
                var n = ready == 1 ? 0 : Int(random.below(UInt64(ready)))
                var i = slots.startIndex
                while true {
                    if slots[i].fetch < Int64(slots[i].log.visible) {
                        if n == 0 { break }
                        n -= 1
                    }
                    i += 1
                }
                let first = Int(slots[i].fetch), visible = slots[i].log.visible, limit = Swift.max(max, 1)
                var batch = m.lastBatch
                m.lastBatch = []
                batch.empty()
                batch.reserveCapacity(Swift.min(visible - first, limit))
                // The record's fields read where they are (a copy of the record would retain them
                // once more and release them again).
                let tp = slots[i].tp, generation = g.generation
                var offset = first
                slots[i].log.records.withUnsafeBufferPointer { records in
                    while offset < visible, batch.count < limit {
                        if interests & records[offset].event.type.bit != 0 {
                            batch.append(Delivery(topic: tp.topic, partition: tp.partition, offset: Int64(offset),
                                                  key: records[offset].key, event: records[offset].event, generation: generation))
                        }
                        offset += 1
                    }
                }
                slots[i].fetch = Int64(offset)
                m.lastBatch = batch
                return (batch, false)
            }
            return step.empty ? .wait(m.waiters, generation: g.generation) : .records(step.batch)
        }
    }

    /// Whether a parked member should wake: data is visible, or the group changed under it.
    fileprivate func hasWork(_ g: Group, _ m: Member, generation: Int) -> Bool {
        state.withLock { _ in
            guard m.active, g.generation == generation else { return true }
            let interests = m.interests
            return m.slots.withUnsafeMutableBufferPointer { slots in slots.indices.contains { slots[$0].readPast(interests) } }
        }
    }

    fileprivate func commit(_ deliveries: [Delivery], _ g: Group, _ m: Member) throws {
        // A batch from one poll is from one partition: its next offset needs no table. One pass,
        // by index, so no delivery is copied.
        guard !deliveries.isEmpty else { return try commit(deliveries, deliveries.nextOffsets, g, m) }
        let topic = deliveries[0].topic, partition = deliveries[0].partition
        var last = deliveries[0].offset
        for i in deliveries.indices {
            guard deliveries[i].partition == partition, deliveries[i].topic == topic else {
                return try commit(deliveries, deliveries.nextOffsets, g, m)
            }
            last = Swift.max(last, deliveries[i].offset)
        }
        try commit(deliveries, CollectionOfOne((topic: topic, partition: partition, offset: last + 1)), g, m)
    }

    /// Commits `offsets`, the next offset of each partition in `deliveries`.
    private func commit(
        _ deliveries: [Delivery], _ offsets: some Collection<(topic: String, partition: Int, offset: Int64)>,
        _ g: Group, _ m: Member
    ) throws {
        try state.withLock { _ throws(CausewayError) in
            // Each partition is in the slots of exactly one member of the current generation.
            func moved(_ topic: String, _ partition: Int) -> CausewayError {
                CausewayError(.rebalanced, "partition \(partition) of '\(topic)' is no longer assigned to '\(m.name)'")
            }
            for i in deliveries.indices where !m.active || g.generation != deliveries[i].generation {
                throw moved(deliveries[i].topic, deliveries[i].partition)
            }
            func slot(_ next: (topic: String, partition: Int, offset: Int64)) -> Int? {
                m.slots.firstIndex { $0.tp.partition == next.partition && $0.tp.topic == next.topic }
            }
            for next in offsets where slot(next) == nil { throw moved(next.topic, next.partition) }
            for next in offsets { m.slots[slot(next)!].committed.raise(to: next.offset) }
        }
        for next in offsets {
            observer?.committed(group: g.name, member: m.name, topic: next.topic, partition: next.partition, offset: next.offset)
        }
    }

    /// Moves a member's fetch position in one partition back to `offset` (the member re-fetches
    /// after a lost fetch response). Ignored if the partition moved meanwhile.
    public func seek(group: String, member: String, to delivery: Delivery) {
        state.withLock { s in
            guard let g = s.groups[group], g.generation == delivery.generation, let m = g.members[member],
                let i = m.slots.firstIndex(where: { $0.tp.topic == delivery.topic && $0.tp.partition == delivery.partition }),
                m.slots[i].fetch > delivery.offset
            else { return }
            m.slots[i].fetch = delivery.offset
        }
    }

    /// The committed offsets of a group, by partition of `topic`.
    public func committedOffsets(group: String, topic: String) -> [Int: Int64] {
        state.withLock { s in
            var out: [Int: Int64] = [:]
            for (tp, committed) in s.groups[group]?.committed ?? [:] where tp.topic == topic && committed.isSet { out[tp.partition] = committed.offset }
            return out
        }
    }

    /// How many records each partition of `topic` holds.
    public func endOffsets(topic: String) -> [Int: Int64] {
        state.withLock { s in
            var out: [Int: Int64] = [:]
            for (tp, log) in s.logs where tp.topic == topic { out[tp.partition] = Int64(log.records.count) }
            return out
        }
    }

    /// One member of a consumer group.
    public final class Consumer: BusConsumer, @unchecked Sendable {
        let bus: InMemoryEventBus
        let group: Group
        let member: Member

        init(bus: InMemoryEventBus, group: Group, member: Member) {
            self.bus = bus
            self.group = group
            self.member = member
        }

        // Inlined into their protocol witnesses, which consumers call: one async frame per call
        // instead of two.
        @inline(__always)
        public func poll(max: Int) async throws -> [Delivery] {
            while true {
                try Cancellation.check()
                switch bus.pollStep(group, member, max: max) {
                case .records(let batch):
                    bus.observer?.delivered(batch, group: group.name, member: member.name)
                    return batch
                case .closed:
                    return []
                case .wait(let waiters, let generation):
                    await waiters.wait { bus.hasWork(group, member, generation: generation) }
                }
            }
        }

        @inline(__always)
        public func commit(_ deliveries: [Delivery]) async throws {
            try bus.commit(deliveries, group, member)
        }

        public func close() async {
            bus.expire(group: group.name, member: member.name)
        }
    }
}
