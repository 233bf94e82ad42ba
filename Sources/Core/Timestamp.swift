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
    /// The duration in whole milliseconds, rounded toward zero.
    ///
    /// Every sleep and deadline goes through this. `components` divides 128 bits twice; a
    /// duration under about 9 seconds (a simulated hop, a provider's latency) fits in 64 bits of
    /// attoseconds and takes one 64-bit division by a constant instead.
    public var wholeMilliseconds: Int64 {
        let atto = attoseconds
        if let small = Int64(exactly: atto) { return small / 1_000_000_000_000_000 }
        return Int64(atto / 1_000_000_000_000_000)
    }
}
