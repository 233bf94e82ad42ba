/// A point in time, in milliseconds since the Unix epoch (virtual time in the simulator).
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since the epoch.
    public var millis: Int64

    public init(millis: Int64) { self.millis = millis }

    /// The epoch; the simulator's clock starts here.
    public static let zero = Timestamp(millis: 0)

    public static func < (l: Timestamp, r: Timestamp) -> Bool { l.millis < r.millis }
    public static func + (l: Timestamp, r: Duration) -> Timestamp {
        Timestamp(millis: l.millis + r.wholeMilliseconds)
    }
    public static func - (l: Timestamp, r: Duration) -> Timestamp {
        Timestamp(millis: l.millis - r.wholeMilliseconds)
    }
    public static func - (l: Timestamp, r: Timestamp) -> Duration { .milliseconds(l.millis - r.millis) }

    public var description: String { "\(millis)ms" }

    public init(from decoder: any Decoder) throws {
        millis = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(millis)
    }
}

extension Duration {
    /// The duration rounded down to whole milliseconds.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
