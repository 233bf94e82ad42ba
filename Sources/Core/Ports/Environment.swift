/// The source of time. In the simulator it is virtual and jumps to the next event; in deployment
/// it is the wall clock. Nothing in Core, Actors or Sim reads time any other way.
public protocol TimeSource: Sendable {
    /// The current time.
    func now() -> Timestamp
    /// Suspends until `deadline`. Throws `CancellationError` (or a ``CausewayError`` with code
    /// `cancelled`) when the task is cancelled.
    func sleep(until deadline: Timestamp) async throws
}

extension TimeSource {
    /// Suspends for `duration`.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now() + duration)
    }
}

/// The source of randomness: seeded in the simulator, system entropy in deployment.
public protocol RandomSource: Sendable {
    /// The next 64 random bits.
    func next() -> UInt64
}

extension RandomSource {
    /// A fresh random id: `prefix` followed by 16 lowercase base-32 characters (80 bits).
    public func makeID(prefix: String) -> String {
        let alphabet: StaticString = "0123456789abcdefghjkmnpqrstvwxyz"
        var bits = next()
        var more = next()
        var prefix = prefix
        return prefix.withUTF8 { head in
            // Written straight into the new string's storage: one allocation per id.
            String(unsafeUninitializedCapacity: head.count + 16) { out in
                _ = out.initialize(fromContentsOf: head)
                alphabet.withUTF8Buffer { letters in
                    for i in 0..<16 {
                        if i == 12 { bits = more; more = 0 }
                        out[head.count + i] = letters[Int(bits & 31)]
                        bits >>= 5
                    }
                }
                return head.count + 16
            }
        }
    }

    /// A new event id.
    public func makeEventID() -> EventID { EventID(unchecked: makeID(prefix: "ev-")) }

    /// A value in `0..<upperBound`, without modulo bias worth caring about for simulation.
    public func below(_ upperBound: UInt64) -> UInt64 {
        upperBound == 0 ? 0 : next().multipliedFullWidth(by: upperBound).high
    }
}
