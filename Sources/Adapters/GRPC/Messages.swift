import Core
import Foundation

/// Conversions between the wire messages and the Core types. Decoding checks every field and
/// names the one at fault (`events[2].event_id: …`), so nothing half-valid reaches the store.
typealias ProtoEmpty = Causeway_Eventstore_V1_Empty
typealias ProtoProposedEvent = Causeway_Eventstore_V1_ProposedEvent
typealias ProtoRecordedEvent = Causeway_Eventstore_V1_RecordedEvent

/// The page size when a read asks for none, and the most one read returns.
public enum ReadLimits {
    public static let defaultPage = 1_000
    public static let maxPage = 10_000

    /// The limit a read request means, or an error naming the field.
    static func resolve(_ limit: Int32, field: String = "limit") throws(CausewayError) -> Int {
        if limit < 0 { throw CausewayError(.invalidArgument, "\(field): must not be negative (got \(limit))") }
        if limit == 0 { return defaultPage }
        if Int(limit) > maxPage { throw CausewayError(.invalidArgument, "\(field): at most \(maxPage) (got \(limit))") }
        return Int(limit)
    }
}

/// The size of the largest request the server takes. The server resets a larger call's stream,
/// which a client cannot tell from a broken connection, so the client refuses it before sending.
public enum MessageLimits {
    public static let maxRequestBytes = 4 * 1024 * 1024
}

/// Prefixes an invalid-argument error's message with the field it concerns.
func field<T>(_ name: String, _ body: () throws(CausewayError) -> T) throws(CausewayError) -> T {
    do {
        return try body()
    } catch {
        throw CausewayError(error.code, "\(name): \(error.message)", actualVersion: error.actualVersion)
    }
}

extension NewEvent {
    /// The longest correlation or causation id the API accepts.
    static let maxTraceIDLength = 256

    init(_ p: ProtoProposedEvent, at index: Int) throws(CausewayError) {
        let path = "events[\(index)]"
        let id = try field("\(path).event_id") { () throws(CausewayError) in try EventID(p.eventID) }
        let event = try field("\(path)") { () throws(CausewayError) in try OrderEvent(type: p.type, payload: Array(p.payload)) }
        for (name, value) in [("correlation_id", p.correlationID), ("causation_id", p.causationID)]
        where value.utf8.count > Self.maxTraceIDLength {
            throw CausewayError(.invalidArgument,
                                "\(path).\(name): at most \(Self.maxTraceIDLength) bytes (got \(value.utf8.count))")
        }
        if p.schemaVersion < 0 {
            throw CausewayError(.invalidArgument, "\(path).schema_version: must not be negative (got \(p.schemaVersion))")
        }
        self.init(eventID: id, event: event, occurredAt: Timestamp(millis: p.occurredAtMillis),
                  correlationID: p.correlationID, causationID: p.causationID,
                  schemaVersion: p.schemaVersion == 0 ? 1 : Int(p.schemaVersion))
    }

    var proto: ProtoProposedEvent {
        var p = ProtoProposedEvent()
        p.eventID = eventID.rawValue
        p.type = event.type.rawValue
        p.payload = Data(event.encodedPayload())
        p.schemaVersion = Int32(clamping: schemaVersion)
        p.occurredAtMillis = occurredAt.millis
        p.correlationID = correlationID
        p.causationID = causationID
        return p
    }
}

extension RecordedEvent {
    convenience init(_ p: ProtoRecordedEvent) throws(CausewayError) {
        try self.init(
            eventID: EventID(p.eventID), streamID: StreamID(p.streamID), streamVersion: p.streamVersion,
            globalPosition: p.globalPosition, event: OrderEvent(type: p.type, payload: Array(p.payload)),
            schemaVersion: Int(p.schemaVersion), occurredAt: Timestamp(millis: p.occurredAtMillis),
            recordedAt: Timestamp(millis: p.recordedAtMillis), correlationID: p.correlationID,
            causationID: p.causationID)
    }

    var proto: ProtoRecordedEvent {
        var p = ProtoRecordedEvent()
        p.eventID = eventID.rawValue
        p.streamID = streamID.rawValue
        p.streamVersion = streamVersion
        p.globalPosition = globalPosition
        p.type = event.type.rawValue
        p.payload = Data(event.encodedPayload())
        p.schemaVersion = Int32(clamping: schemaVersion)
        p.occurredAtMillis = occurredAt.millis
        p.recordedAtMillis = recordedAt.millis
        p.correlationID = correlationID
        p.causationID = causationID
        return p
    }
}

extension Causeway_Eventstore_V1_AppendRequest.OneOf_ExpectedVersion {
    init(_ expected: ExpectedVersion) {
        switch expected {
        case .any: self = .any(ProtoEmpty())
        case .noStream: self = .noStream(ProtoEmpty())
        case .exact(let v): self = .exact(v)
        }
    }

    var expected: ExpectedVersion {
        get throws(CausewayError) {
            switch self {
            case .any: return .any
            case .noStream: return .noStream
            case .exact(let v) where v >= 0: return .exact(v)
            case .exact(let v): throw CausewayError(.invalidArgument, "expected_version.exact: must not be negative (got \(v))")
            }
        }
    }
}

extension AppendResult {
    init(_ p: Causeway_Eventstore_V1_AppendResponse) {
        self.init(lastVersion: p.lastVersion, firstPosition: p.firstPosition, lastPosition: p.lastPosition,
                  wasDuplicate: p.wasDuplicate)
    }

    var proto: Causeway_Eventstore_V1_AppendResponse {
        var p = Causeway_Eventstore_V1_AppendResponse()
        p.lastVersion = lastVersion
        p.firstPosition = firstPosition
        p.lastPosition = lastPosition
        p.wasDuplicate = wasDuplicate
        return p
    }
}
