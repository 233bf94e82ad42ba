public import Core
import Synchronization

/// Sees what happens on an in-memory bus (the simulator's trace and checkers).
public protocol EventBusObserver: Sendable {
    func published(_ record: BusRecord, partition: Int, offset: Int64)
    func delivered(_ delivery: Delivery, group: String, member: String)
    func committed(group: String, member: String, topic: String, partition: Int, offset: Int64)
    func rebalanced(group: String, generation: Int, assignment: [(member: String, partitions: [Int])])
}

/// Delays work on the bus (publication latency). The simulator schedules in virtual time;
/// without one, records are visible at once.
public protocol DelayScheduler: Sendable {
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
        public init(partitions: Int = 4, latency: (@Sendable () -> Duration)? = nil) {
            self.partitions = partitions
            self.latency = latency
        }
    }

    struct TopicPartition: Hashable, Comparable {
        var topic: String
        var partition: Int
        static func < (l: Self, r: Self) -> Bool { (l.topic, l.partition) < (r.topic, r.partition) }
    }
    struct Log {
        var records: [BusRecord] = []
        /// How many of `records` consumers can see (the rest are still in flight).
        var visible = 0
    }
    struct Member {
        var assigned: [TopicPartition] = []
        var fetch: [TopicPartition: Int64] = [:]
        let waiters = Waiters()
    }
    struct Group {
        var topics: Set<String>
        var generation = 0
        var members: [String: Member] = [:]
        var committed: [TopicPartition: Int64] = [:]
    }
    struct State {
        var logs: [TopicPartition: Log] = [:]
        var groups: [String: Group] = [:]
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
        for record in records {
            let tp = TopicPartition(topic: record.topic, partition: partition(forKey: record.key))
            let offset = state.withLock { s -> Int64 in
                s.logs[tp, default: Log()].records.append(record)
                return Int64(s.logs[tp]!.records.count - 1)
            }
            observer?.published(record, partition: tp.partition, offset: offset)
            if let scheduler, let latency = configuration.latency {
                scheduler.after(latency()) { [self] in makeVisible(tp, through: offset) }
            } else {
                makeVisible(tp, through: offset)
            }
        }
    }

    private func makeVisible(_ tp: TopicPartition, through offset: Int64) {
        let toWake = state.withLock { s -> [Waiters] in
            guard var log = s.logs[tp], Int64(log.visible) <= offset else { return [] }
            log.visible = Int(offset) + 1
            s.logs[tp] = log
            return s.groups.keys.sorted().compactMap { name in
                let group = s.groups[name]!
                guard group.topics.contains(tp.topic) else { return nil }
                return group.members.keys.sorted().lazy.compactMap { group.members[$0] }.first { $0.assigned.contains(tp) }?.waiters
            }
        }
        for w in toWake { w.wakeAll() }
    }

    public func join(group: String, member: String, topics: [String]) async throws -> any BusConsumer {
        let wake = state.withLock { s -> [Waiters] in
            var g = s.groups[group] ?? Group(topics: Set(topics))
            g.topics.formUnion(topics)
            g.members[member] = Member()
            s.groups[group] = g
            return rebalance(group, in: &s)
        }
        for w in wake { w.wakeAll() }
        return Consumer(bus: self, group: group, member: member)
    }

    /// Removes a member whose session expired (it crashed without leaving); the group rebalances.
    public func expire(group: String, member: String) {
        let wake = state.withLock { s -> [Waiters] in
            guard s.groups[group]?.members.removeValue(forKey: member) != nil else { return [] }
            return rebalance(group, in: &s)
        }
        for w in wake { w.wakeAll() }
    }

    /// Forces a rebalance of `group` (a fault, or a member's metadata change).
    public func forceRebalance(group: String) {
        let wake = state.withLock { s -> [Waiters] in
            guard s.groups[group] != nil else { return [] }
            return rebalance(group, in: &s)
        }
        for w in wake { w.wakeAll() }
    }

    /// Reassigns every partition of the group's topics round-robin over its members (sorted by
    /// name), restarting each from its committed offset. Returns the waiters to wake.
    private func rebalance(_ name: String, in s: inout State) -> [Waiters] {
        guard var g = s.groups[name] else { return [] }
        g.generation += 1
        let members = g.members.keys.sorted()
        var partitions: [TopicPartition] = []
        for topic in g.topics.sorted() {
            for p in 0..<configuration.partitions { partitions.append(TopicPartition(topic: topic, partition: p)) }
        }
        for m in members {
            g.members[m]!.assigned = []
            g.members[m]!.fetch = [:]
        }
        if !members.isEmpty {
            for (i, tp) in partitions.enumerated() {
                let m = members[i % members.count]
                g.members[m]!.assigned.append(tp)
                g.members[m]!.fetch[tp] = g.committed[tp] ?? 0
            }
        }
        s.groups[name] = g
        let assignment = members.map { m in (member: m, partitions: g.members[m]!.assigned.map(\.partition)) }
        observer?.rebalanced(group: name, generation: g.generation, assignment: assignment)
        return members.map { g.members[$0]!.waiters }
    }

    enum PollStep {
        case record(Delivery)
        case wait(Waiters, readyCheck: @Sendable () -> Bool)
        case closed
    }

    fileprivate func pollStep(group: String, member: String) -> PollStep {
        state.withLock { s -> PollStep in
            guard let g = s.groups[group], let m = g.members[member] else { return .closed }
            var ready: [TopicPartition] = []
            for tp in m.assigned {
                if let log = s.logs[tp], let at = m.fetch[tp], at < Int64(log.visible) { ready.append(tp) }
            }
            guard !ready.isEmpty else {
                let generation = g.generation
                return .wait(m.waiters, readyCheck: { [self] in hasWork(group: group, member: member, generation: generation) })
            }
            let tp = ready.count == 1 ? ready[0] : ready[Int(random.below(UInt64(ready.count)))]
            let offset = m.fetch[tp]!
            let record = s.logs[tp]!.records[Int(offset)]
            s.groups[group]!.members[member]!.fetch[tp] = offset + 1
            return .record(Delivery(topic: tp.topic, partition: tp.partition, offset: offset, key: record.key,
                                    event: record.event, generation: g.generation))
        }
    }

    /// Whether a parked member should wake: data is visible, or the group changed under it.
    private func hasWork(group: String, member: String, generation: Int) -> Bool {
        state.withLock { s in
            guard let g = s.groups[group], let m = g.members[member], g.generation == generation else { return true }
            return m.assigned.contains { tp in
                guard let log = s.logs[tp], let at = m.fetch[tp] else { return false }
                return at < Int64(log.visible)
            }
        }
    }

    fileprivate func commit(_ delivery: Delivery, group: String, member: String) throws {
        let tp = TopicPartition(topic: delivery.topic, partition: delivery.partition)
        try state.withLock { s throws(CausewayError) in
            guard let g = s.groups[group], g.generation == delivery.generation,
                let m = g.members[member], m.assigned.contains(tp)
            else {
                throw CausewayError(.rebalanced, "partition \(delivery.partition) of '\(delivery.topic)' is no longer assigned to '\(member)'")
            }
            s.groups[group]!.committed[tp] = max(g.committed[tp] ?? 0, delivery.offset + 1)
        }
        observer?.committed(group: group, member: member, topic: delivery.topic, partition: delivery.partition,
                            offset: delivery.offset + 1)
    }

    /// Moves a member's fetch position in one partition back to `offset` (the member re-fetches
    /// after a lost fetch response). Ignored if the partition moved meanwhile.
    public func seek(group: String, member: String, to delivery: Delivery) {
        let tp = TopicPartition(topic: delivery.topic, partition: delivery.partition)
        state.withLock { s in
            guard let g = s.groups[group], g.generation == delivery.generation,
                let m = g.members[member], m.assigned.contains(tp), let at = m.fetch[tp], at > delivery.offset
            else { return }
            s.groups[group]!.members[member]!.fetch[tp] = delivery.offset
        }
    }

    fileprivate func leave(group: String, member: String) {
        expire(group: group, member: member)
    }

    /// The committed offsets of a group, by partition of `topic`.
    public func committedOffsets(group: String, topic: String) -> [Int: Int64] {
        state.withLock { s in
            var out: [Int: Int64] = [:]
            for (tp, offset) in s.groups[group]?.committed ?? [:] where tp.topic == topic { out[tp.partition] = offset }
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

    final class Consumer: BusConsumer {
        let bus: InMemoryEventBus
        let group: String
        let member: String

        init(bus: InMemoryEventBus, group: String, member: String) {
            self.bus = bus
            self.group = group
            self.member = member
        }

        func poll() async throws -> Delivery? {
            while true {
                try Task.checkCancellation()
                switch bus.pollStep(group: group, member: member) {
                case .record(let delivery):
                    bus.observer?.delivered(delivery, group: group, member: member)
                    return delivery
                case .closed:
                    return nil
                case .wait(let waiters, let ready):
                    await waiters.wait(unless: ready)
                }
            }
        }

        func commit(_ delivery: Delivery) async throws {
            try bus.commit(delivery, group: group, member: member)
        }

        func close() async {
            bus.leave(group: group, member: member)
        }
    }
}
