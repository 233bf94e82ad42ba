/// Identifier rules shared by every id in Causeway.
///
/// An id is 1 to 64 characters from `A-Z a-z 0-9 . _ -`, and does not start with `.` or `-`.
/// This set is documented in `docs/scenarios.md` and enforced at every entry point.
public enum IdentifierRules {
    /// The maximum length of an id.
    public static let maxLength = 64

    /// Checks `raw` against the id rules; returns a description of the first problem, or nil.
    public static func problem(in raw: String) -> String? {
        let bytes = Array(raw.utf8)
        if bytes.isEmpty { return "must not be empty" }
        if bytes.count > maxLength { return "must be at most \(maxLength) characters (got \(bytes.count))" }
        if bytes[0] == UInt8(ascii: ".") || bytes[0] == UInt8(ascii: "-") { return "must not start with '.' or '-'" }
        for (index, byte) in bytes.enumerated() where !isAllowed(byte) {
            let shown = byte < 0x80 ? visible(UnicodeScalar(byte)) : "non-ASCII byte"
            return "has '\(shown)' at position \(index + 1); allowed: A-Z a-z 0-9 . _ -"
        }
        return nil
    }

    /// The first problem of `raw` as an id, as a whole sentence that names it: `name 'raw' problem`.
    public static func problem(in raw: String, named name: String) -> String? {
        problem(in: raw).map { "\(name) '\(shown(raw))' \($0)" }
    }

    /// `text` as an error message quotes it: whole up to 64 characters, or its start and its
    /// length, so a value pasted by mistake does not fill the screen; control characters are
    /// written as escapes (`\u{0}`), which a terminal would not show.
    public static func shown(_ text: String) -> String {
        let limit = 64
        let head = text.count > limit ? text.prefix(limit) : Substring(text)
        let escaped = head.unicodeScalars.map(visible).joined()
        return text.count > limit ? "\(escaped)… (\(text.count) characters)" : escaped
    }

    private static func visible(_ scalar: Unicode.Scalar) -> String {
        scalar.value < 0x20 || scalar.value == 0x7F ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
    }

    static func isAllowed(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }
}

/// The hash of ids (see ``ValidatedID``'s `==`).
enum IdentifierHash {
    /// A seeded hash of `string`'s bytes, or nil if it is not ASCII (or not contiguous).
    @inline(__always)
    static func ascii(_ string: String, seed: Int) -> Int? {
        if let hash = smallASCII(string, seed: seed) { return hash }
        return bytes(string, seed: seed)
    }

    /// ``ascii(_:seed:)`` of a small ASCII string, read from the string's own two words (see
    /// ``SmallASCII``), or nil for any other string. Nearly every id is one: its hash needs no
    /// copy of its bytes and no closure to reach them. The bytes are mixed exactly as
    /// ``bytes(_:seed:)`` mixes them, so a string that is kept elsewhere (a large string of the
    /// same text) hashes the same.
    @inline(__always)
    static func smallASCII(_ string: String, seed: Int) -> Int? {
        guard let small = SmallASCII(string) else { return nil }
        let n = UInt64(small.count)
        var h = UInt64(truncatingIfNeeded: seed) ^ (n &* 0x9E37_79B9_7F4A_7C15)
        if n > 0 {
            // Up to eight bytes: the first word, zero-padded; more: the first word, then the
            // last eight bytes (overlapping it), as `bytes` loads them.
            h = mix(h ^ small.low)
            if n > 8 {
                let shift = 8 * (n - 8)
                h = mix(h ^ (small.low >> shift | small.high << (64 - shift)))
            }
        }
        return Int(truncatingIfNeeded: mix(h))
    }

    /// Whether two small ASCII strings are equal, from their words (see ``SmallASCII``); nil
    /// unless both are.
    @inline(__always)
    static func smallASCIIEqual(_ a: String, _ b: String) -> Bool? {
        guard let a = SmallASCII(a), let b = SmallASCII(b) else { return nil }
        return a.low == b.low && a.high == b.high && a.count == b.count
    }

    /// ``ascii(_:seed:)`` from the string's bytes wherever they are.
    static func bytes(_ string: String, seed: Int) -> Int? {
        let hash = string.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            let n = bytes.count
            guard let start = bytes.baseAddress else { return Int(truncatingIfNeeded: mix(UInt64(truncatingIfNeeded: seed))) }
            let raw = UnsafeRawPointer(start)
            var h = UInt64(truncatingIfNeeded: seed) ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15)
            var bits: UInt64 = 0
            var i = 0
            while i + 8 <= n {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                bits |= word
                h = mix(h ^ word)
                i += 8
            }
            if i < n {
                // The last bytes: the last eight, overlapping the word before, when there are
                // eight; otherwise one by one.
                var word: UInt64 = 0
                if n >= 8 {
                    word = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                } else {
                    for j in 0..<n { word |= UInt64(start[j]) << (8 * j) }
                }
                bits |= word
                h = mix(h ^ word)
            }
            guard bits & 0x8080_8080_8080_8080 == 0 else { return nil }
            return Int(truncatingIfNeeded: mix(h))
        }
        return hash ?? nil
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: 0xBF58_476D_1CE4_E5B9)
        return product.high ^ product.low
    }
}

/// A validated identifier of some kind. Each kind is its own type so they cannot be mixed up.
public protocol ValidatedID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// What the id names, for error messages ("order id", "customer id", …).
    static var kind: String { get }
    /// The validated text.
    var rawValue: String { get }
    /// Wraps text that is already known to be valid.
    init(unchecked rawValue: String)
}

extension ValidatedID {
    /// Validates `raw`, throwing an `invalidArgument` error that names the kind and the problem.
    public init(_ raw: String) throws(CausewayError) {
        if let problem = IdentifierRules.problem(in: raw, named: Self.kind) {
            throw CausewayError(.invalidArgument, problem)
        }
        self.init(unchecked: raw)
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    // Ids key the tables that hold every order (the store's streams and event ids, the read
    // model, the ledgers), so they hash their bytes with a seeded multiply-mix rather than
    // through `Hasher` (SipHash over the normalised string, a tenth of a simulated run's lookups).
    // Equal ids have equal bytes: an id is ASCII, and an ASCII string equals another string only
    // if that one is ASCII with the same bytes or is longer in UTF-8 (a non-ASCII scalar that
    // normalises to ASCII takes two bytes or more). So equality also compares the UTF-8 lengths,
    // and an id that is not ASCII (only `init(unchecked:)` can make one) hashes as its string.

    public static func == (lhs: Self, rhs: Self) -> Bool {
        // Two small ASCII ids (nearly all of them) compare their words: a table's probe compares
        // its key with every id it passes, and most are not equal.
        if let equal = IdentifierHash.smallASCIIEqual(lhs.rawValue, rhs.rawValue) { return equal }
        return lhs.rawValue.utf8.count == rhs.rawValue.utf8.count && lhs.rawValue == rhs.rawValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(_rawHashValue(seed: 0))
    }

    public func _rawHashValue(seed: Int) -> Int {
        IdentifierHash.ascii(rawValue, seed: seed) ?? rawValue._rawHashValue(seed: seed)
    }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        try self.init(raw)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Identifies one order. Its event stream is `order-<id>`.
public struct OrderID: ValidatedID {
    public static let kind = "order id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// The id of this order's event stream.
    public var streamID: StreamID { StreamID(unchecked: .prefixed("order-", rawValue)) }
}

/// Identifies a customer (and their account at the payment provider).
public struct CustomerID: ValidatedID {
    public static let kind = "customer id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A stock-keeping unit: what the warehouse counts.
public struct SKU: ValidatedID {
    public static let kind = "sku"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// Identifies one event; also its idempotency key in the store.
public struct EventID: ValidatedID {
    public static let kind = "event id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// Identifies an event stream (`order-<id>` for orders).
public struct StreamID: ValidatedID {
    public static let kind = "stream id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// The order this stream belongs to, if it is an order stream.
    public var orderID: OrderID? {
        // On the bytes: every new stream asks, and `hasPrefix` with `dropFirst` compared and
        // copied by characters (about 900 instructions).
        var raw = rawValue
        return raw.withUTF8 { bytes -> OrderID? in
            let prefix: StaticString = "order-"
            let head = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
            guard bytes.count >= head.count, bytes.prefix(head.count).elementsEqual(head) else { return nil }
            let rest = UnsafeBufferPointer(rebasing: bytes[head.count...])
            return OrderID(unchecked: String(decoding: rest, as: UTF8.self))
        }
    }
}

extension String {
    /// `prefix` followed by `rest`, written straight into the new string. Ids and keys made from
    /// an order id are 15 bytes or fewer, which Swift keeps inside the string value: this makes
    /// one without the general append's checks (`+` took about 1.7 times the instructions).
    public static func prefixed(_ prefix: StaticString, _ rest: String) -> String {
        // Nearly always both fit in a small string: then it is made from the words of `rest`.
        if let small = SmallASCII.concatenate(prefix, rest) { return small }
        var rest = rest
        return rest.withUTF8 { tail in
            prefix.withUTF8Buffer { head in
                String(unsafeUninitializedCapacity: head.count + tail.count) { out in
                    _ = out.initialize(fromContentsOf: head)
                    _ = out[head.count...].initialize(fromContentsOf: tail)
                    return head.count + tail.count
                }
            }
        }
    }

    /// `prefix` followed by the decimal digits of `number` (a charge's or a shipment's serial
    /// number), made in the string's words when it fits, as the prefix and a string are above:
    /// `String(number)` goes through the general integer formatting.
    public static func prefixed(_ prefix: StaticString, _ number: Int) -> String {
        if let digits = SmallASCII(decimal: number), let small = SmallASCII.concatenate(prefix, digits.string) { return small }
        return prefixed(prefix, String(number))
    }
}

extension Sequence<UInt8> {
    /// The bytes as lowercase hexadecimal.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
