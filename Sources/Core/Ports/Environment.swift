/// The source of time. In the simulator it is virtual and jumps to the next event; in deployment
/// it is the wall clock. Nothing in Core, Actors or Sim reads time any other way.
public protocol TimeSource: Sendable {
    /// The current time.
    func now() -> Timestamp
    /// Suspends until `deadline`. Throws `CancellationError` (or a ``CausewayError`` with code
    /// `cancelled`) when the task is cancelled.
    func sleep(until deadline: Timestamp) async throws
    /// Suspends for `duration`. A requirement (with a default) so that a clock can suspend in
    /// one call: the simulator's sleeps are the most common suspension of a run.
    func sleep(for duration: Duration) async throws
}

extension TimeSource {
    /// Suspends until `now() + duration`.
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
    /// A fresh random id: `prefix` followed by `length` characters (at most 20) of the 64 that
    /// ids allow besides `.` (`0-9 A-Z a-z _ -`), 6 random bits each.
    public func makeID(prefix: String, length: Int) -> String {
        precondition((1...20).contains(length), "an id's random part is 1 to 20 characters")
        let alphabet: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"
        var bits = next()
        // Nearly always short enough for a small string: then it is made in its two words.
        if var small = SmallASCII(prefix), small.count + length <= SmallASCII.capacity {
            let letters = alphabet.utf8Start
            small.append(count: length) { i in
                if i == 10 { bits = next() }
                defer { bits >>= 6 }
                return letters[Int(bits & 63)]
            }
            return small.string
        }
        var prefix = prefix
        return prefix.withUTF8 { head in
            // Written straight into the new string's storage, which for 15 bytes or fewer is the
            // string itself: no allocation at all.
            String(unsafeUninitializedCapacity: head.count + length) { out in
                _ = out.initialize(fromContentsOf: head)
                alphabet.withUTF8Buffer { letters in
                    for i in 0..<length {
                        if i == 10 { bits = next() }
                        out[head.count + i] = letters[Int(bits & 63)]
                        bits >>= 6
                    }
                }
                return head.count + length
            }
        }
    }

    /// A new event id: `e` and 14 random characters (84 bits). Fifteen bytes, so Swift keeps it
    /// inside the string value, without an allocation, and compares it without following a
    /// pointer; the store looks every event id up.
    public func makeEventID() -> EventID { EventID(unchecked: makeID(prefix: "e", length: 14)) }

    /// A new order id: `o` and 8 random characters (48 bits). Short enough that the order's stream
    /// id (`order-` and the order id) is fifteen bytes too. Two orders can draw the same id; the
    /// order service then draws again (an order's stream must not exist when it is created).
    public func makeOrderID() -> OrderID { OrderID(unchecked: makeID(prefix: "o", length: 8)) }

    /// A value in `0..<upperBound`, without modulo bias worth caring about for simulation.
    public func below(_ upperBound: UInt64) -> UInt64 {
        upperBound == 0 ? 0 : next().multipliedFullWidth(by: upperBound).high
    }
}
