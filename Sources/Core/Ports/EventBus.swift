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
public protocol BusConsumer: Sendable {
    /// The next record from this member's partitions, waiting until there is one; nil once closed.
    func poll() async throws -> Delivery?
    /// Commits the delivery's offset (the next offset to read becomes `offset + 1`). Throws
    /// `rebalanced` when the partition is no longer this member's.
    func commit(_ delivery: Delivery) async throws
    /// Leaves the group (the rest rebalance at once).
    func close() async
}

/// A stable 64-bit hash (FNV-1a) for partitioning keys and splitting seeds: the same text gives
/// the same value in every process, unlike `Hasher`.
public enum StableHash {
    public static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
