/// An event a service wants to append: the store assigns its stream version and global position.
public struct NewEvent: Hashable, Sendable {
    /// The event's id, which is also its idempotency key in the store.
    public var eventID: EventID
    /// The domain event.
    public var event: OrderEvent
    /// The payload schema version.
    public var schemaVersion: Int
    /// When the deciding service observed the event happen (its clock).
    public var occurredAt: Timestamp
    /// The id shared by every event of one business flow (the order's creating request).
    public var correlationID: String
    /// The id of the event or request that caused this one.
    public var causationID: String

    public init(
        eventID: EventID, event: OrderEvent, occurredAt: Timestamp,
        correlationID: String, causationID: String, schemaVersion: Int = 1
    ) {
        self.eventID = eventID
        self.event = event
        self.schemaVersion = schemaVersion
        self.occurredAt = occurredAt
        self.correlationID = correlationID
        self.causationID = causationID
    }
}

/// An event as stored in the log: the envelope every consumer sees.
///
/// Immutable, and a class so that handing it from the store to the bus to every consumer costs
/// one reference, not a copy of its strings and payload.
public final class RecordedEvent: Hashable, Sendable, CustomStringConvertible {
    public let eventID: EventID
    public let streamID: StreamID
    /// 1 for a stream's first event, then 2, 3, … without gaps.
    public let streamVersion: Int64
    /// 1 for the log's first event, strictly increasing across all streams.
    public let globalPosition: Int64
    public let event: OrderEvent
    public let schemaVersion: Int
    public let occurredAt: Timestamp
    /// When the store wrote it (the store's clock).
    public let recordedAt: Timestamp
    public let correlationID: String
    public let causationID: String
    /// The order whose stream holds the event (nil for other streams), worked out once: every
    /// consumer and checker asks for it.
    public let orderID: OrderID?

    public convenience init(
        eventID: EventID, streamID: StreamID, streamVersion: Int64, globalPosition: Int64,
        event: OrderEvent, schemaVersion: Int, occurredAt: Timestamp, recordedAt: Timestamp,
        correlationID: String, causationID: String
    ) {
        self.init(eventID: eventID, streamID: streamID, streamVersion: streamVersion, globalPosition: globalPosition,
                  event: event, schemaVersion: schemaVersion, occurredAt: occurredAt, recordedAt: recordedAt,
                  correlationID: correlationID, causationID: causationID, orderID: streamID.orderID)
    }

    /// The same, for a caller that already knows the stream's order (`orderID` must be
    /// `streamID.orderID`): a store writing many events to one stream works it out once.
    public init(
        eventID: EventID, streamID: StreamID, streamVersion: Int64, globalPosition: Int64,
        event: OrderEvent, schemaVersion: Int, occurredAt: Timestamp, recordedAt: Timestamp,
        correlationID: String, causationID: String, orderID: OrderID?
    ) {
        self.eventID = eventID
        self.streamID = streamID
        self.streamVersion = streamVersion
        self.globalPosition = globalPosition
        self.event = event
        self.schemaVersion = schemaVersion
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.correlationID = correlationID
        self.causationID = causationID
        self.orderID = orderID
    }

    /// The event's type name.
    public var type: EventType { event.type }

    public static func == (l: RecordedEvent, r: RecordedEvent) -> Bool {
        l === r
            || (l.eventID == r.eventID && l.streamID == r.streamID && l.streamVersion == r.streamVersion
                && l.globalPosition == r.globalPosition && l.event == r.event && l.schemaVersion == r.schemaVersion
                && l.occurredAt == r.occurredAt && l.recordedAt == r.recordedAt && l.correlationID == r.correlationID
                && l.causationID == r.causationID)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(eventID)
        hasher.combine(globalPosition)
    }

    public var description: String {
        "\(type.rawValue) \(streamID)@\(streamVersion) #\(globalPosition) (\(eventID))"
    }
}

/// What an append expects of the stream before it writes (optimistic concurrency).
public enum ExpectedVersion: Hashable, Sendable, CustomStringConvertible {
    /// Append whatever the stream's version.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last version must be exactly this (0 is the same as ``noStream``).
    case exact(Int64)

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no-stream"
        case .exact(let v): "\(v)"
        }
    }
}

/// The outcome of a successful append.
public struct AppendResult: Hashable, Sendable {
    /// The version of the last event written: the next append's expected version.
    public var lastVersion: Int64
    /// The global position of the first event written.
    public var firstPosition: Int64
    /// The global position of the last event written.
    public var lastPosition: Int64
    /// True when every event id was already in the stream: the append was a retry and wrote nothing.
    public var wasDuplicate: Bool

    public init(lastVersion: Int64, firstPosition: Int64, lastPosition: Int64, wasDuplicate: Bool) {
        self.lastVersion = lastVersion
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.wasDuplicate = wasDuplicate
    }
}
