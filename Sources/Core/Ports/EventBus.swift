/// A message to publish: an event, keyed by its order so one order's events share a partition.
public struct BusRecord: Hashable, Sendable {
    public var topic: String
    public var key: String
    public var event: RecordedEvent

    public init(topic: String, key: String, event: RecordedEvent) {
        self.topic = topic
        self.key = key
        self.event = event
    }

    /// The standard record for an event of the log: topic `orders`, key the order id.
    public init(_ event: RecordedEvent) {
        self.init(topic: Topics.orders, key: event.orderID?.rawValue ?? event.streamID.rawValue, event: event)
    }
}

/// Topic and consumer-group names used across Causeway.
public enum Topics {
    /// Every order event.
    public static let orders = "orders"
}

/// One record handed to one consumer-group member.
public struct Delivery: Hashable, Sendable {
    public var topic: String
    public var partition: Int
    public var offset: Int64
    public var key: String
    public var event: RecordedEvent
    /// The group generation the member held when it received this record; a commit from an older
    /// generation is refused (the partition moved).
    public var generation: Int

    public init(topic: String, partition: Int, offset: Int64, key: String, event: RecordedEvent, generation: Int) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.event = event
        self.generation = generation
    }
}

/// A partitioned, at-least-once log of messages with consumer groups (Kafka's model).
///
/// - A record's partition is a stable hash of its key, so one key's records stay in order.
/// - Members of one group split the topic's partitions; when a member joins, leaves or is found
///   dead, the group rebalances and each partition restarts from its committed offset, so
///   anything handled but not committed is delivered again.
public protocol EventBus: Sendable {
    /// Publishes records; when it returns they are durable on the bus.
    func publish(_ records: [BusRecord]) async throws

    /// Joins `group` as `member`, consuming `topics`.
    func join(group: String, member: String, topics: [String]) async throws -> any BusConsumer
}

/// One member of a consumer group.
///
/// Records come in batches and are committed in batches, as a Kafka consumer polls and commits:
/// a busy member pays for one poll and one commit per batch, not per record.
public protocol BusConsumer: Sendable {
    /// The next records from this member's partitions: at least one and at most `max`, waiting
    /// until there is one; empty once closed. Records of one partition come in offset order.
    func poll(max: Int) async throws -> [Delivery]
    /// Commits the deliveries' offsets: for each partition among them, the next offset to read
    /// becomes one past the highest delivered. Throws `rebalanced` (and commits nothing) when a
    /// partition is no longer this member's.
    func commit(_ deliveries: [Delivery]) async throws
    /// Leaves the group (the rest rebalance at once).
    func close() async
}

extension BusConsumer {
    /// The next record, waiting until there is one; nil once closed.
    public func poll() async throws -> Delivery? { try await poll(max: 1).first }

    /// Commits one delivery's offset.
    public func commit(_ delivery: Delivery) async throws { try await commit([delivery]) }
}

extension Sequence<Delivery> {
    /// The offset to commit per partition: one past the highest delivered.
    public var nextOffsets: [(topic: String, partition: Int, offset: Int64)] {
        var out: [(topic: String, partition: Int, offset: Int64)] = []
        for d in self {
            if let i = out.firstIndex(where: { $0.partition == d.partition && $0.topic == d.topic }) {
                out[i].offset = Swift.max(out[i].offset, d.offset + 1)
            } else {
                out.append((d.topic, d.partition, d.offset + 1))
            }
        }
        return out
    }
}

/// A stable 64-bit hash (FNV-1a) for partitioning keys and splitting seeds: the same text gives
/// the same value in every process, unlike `Hasher`.
public enum StableHash {
    public static func fnv1a(_ text: String) -> UInt64 {
        // Over the bytes where they are: iterating `utf8` costs several times as much per byte.
        var text = text
        return text.withUTF8 { bytes in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return h
        }
    }
}
