/// Writes JSON objects, one per line, into one growing byte buffer, fields in the order written:
/// the canonical form of the trace. Faster than an encoder (no allocation per line) and with a
/// fixed field order, which the trace hash depends on.
struct JSONLines {
    private(set) var bytes: [UInt8] = []
    private var fieldsInLine = 0

    init() { bytes.reserveCapacity(1 << 17) }

    /// Starts a line.
    mutating func begin() {
        bytes.append(UInt8(ascii: "{"))
        fieldsInLine = 0
    }

    /// Ends the line.
    mutating func end() {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Hands over what was written and starts empty (keeping the capacity).
    mutating func drain(_ body: ([UInt8]) -> Void) {
        body(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    private mutating func key(_ key: StaticString) {
        if fieldsInLine > 0 { bytes.append(UInt8(ascii: ",")) }
        fieldsInLine += 1
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ name: StaticString, _ value: StaticString) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            // Ids and names need no escaping: copy them whole.
            if !utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
                bytes.append(contentsOf: utf8)
                return
            }
            for b in utf8 {
                switch b {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
                case 0..<0x20:
                    let hex: StaticString = "0123456789abcdef"
                    hex.withUTF8Buffer { h in
                        bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, h[Int(b >> 4)], h[Int(b & 15)]])
                    }
                default: bytes.append(b)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func field(_ name: StaticString, _ value: some BinaryInteger) {
        key(name)
        appendInteger(Int64(value))
    }

    private mutating func appendInteger(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var n = v.magnitude
        var divisor: UInt64 = 1
        while divisor <= n / 10 { divisor *= 10 }
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(n / divisor))
            n %= divisor
            divisor /= 10
        } while divisor > 0
    }
}
