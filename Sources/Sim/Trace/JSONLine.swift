/// Writes JSON objects, one per line, into one growing byte buffer, fields in the order written:
/// the canonical form of the trace. Faster than an encoder (no allocation per line) and with a
/// fixed field order, which the trace hash depends on.
///
/// The buffer is raw memory written in place: every trace line goes through here, and an array's
/// per-append capacity and uniqueness checks were a measurable part of a simulated run. Each
/// write first makes room for everything it writes, so the buffer never overflows. Only ever
/// used from the simulator thread.
final class JSONLines {
    @exclusivity(unchecked) private var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    /// Bytes written and not yet drained.
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var fieldsInLine = 0

    init(capacity: Int = 1 << 17) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Starts a line.
    func begin() {
        reserve(1)
        put(UInt8(ascii: "{"))
        fieldsInLine = 0
    }

    /// Ends the line.
    func end() {
        reserve(2)
        put(UInt8(ascii: "}"))
        put(UInt8(ascii: "\n"))
    }

    /// Hands over what was written and starts empty (keeping the capacity).
    func drain(_ body: (UnsafeRawBufferPointer) -> Void) {
        body(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    func field(_ name: StaticString, _ value: StaticString) {
        key(name)
        value.withUTF8Buffer { utf8 in
            reserve(utf8.count + 2)
            put(UInt8(ascii: "\""))
            put(utf8)
            put(UInt8(ascii: "\""))
        }
    }

    func field(_ name: StaticString, _ value: String) {
        key(name)
        // Read in place (a small string from the stack): no copy of the string, no retain.
        if value.utf8.withContiguousStorageIfAvailable({ string($0) }) == nil {
            var copy = value
            copy.withUTF8 { string($0) }
        }
    }

    private func string(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Ids and names need no escaping: copy them whole.
        if !utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
            reserve(utf8.count + 2)
            put(UInt8(ascii: "\""))
            put(utf8)
            put(UInt8(ascii: "\""))
            return
        }
        reserve(6 * utf8.count + 2)
        put(UInt8(ascii: "\""))
        for b in utf8 {
            switch b {
            case UInt8(ascii: "\""):
                put(0x5C)
                put(0x22)
            case UInt8(ascii: "\\"):
                put(0x5C)
                put(0x5C)
            case 0..<0x20:
                let hex: StaticString = "0123456789abcdef"
                hex.withUTF8Buffer { h in
                    for c in [0x5C, UInt8(ascii: "u"), 0x30, 0x30, h[Int(b >> 4)], h[Int(b & 15)]] { put(c) }
                }
            default: put(b)
            }
        }
        put(UInt8(ascii: "\""))
    }

    func field(_ name: StaticString, _ value: some BinaryInteger) {
        key(name)
        appendInteger(Int64(value))
    }

    private func key(_ key: StaticString) {
        key.withUTF8Buffer { utf8 in
            reserve(utf8.count + 4)
            if fieldsInLine > 0 { put(UInt8(ascii: ",")) }
            fieldsInLine += 1
            put(UInt8(ascii: "\""))
            put(utf8)
            put(UInt8(ascii: "\""))
            put(UInt8(ascii: ":"))
        }
    }

    private func appendInteger(_ v: Int64) {
        reserve(20)
        if v < 0 { put(UInt8(ascii: "-")) }
        var n = v.magnitude
        // Count the digits, then write them from the last, in place (division by a constant is a
        // multiply; no scratch buffer, no copy).
        var digits = 1
        var rest = n / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var i = count + digits
        count = i
        repeat {
            i -= 1
            base[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10)
            n /= 10
        } while n > 0
    }

    /// Makes room for `n` more bytes.
    @inline(__always) private func reserve(_ n: Int) {
        if count + n > capacity { grow(to: count + n) }
    }

    private func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        new.update(from: base, count: count)
        base.deallocate()
        base = new
        capacity = newCapacity
    }

    /// Writes one byte; room was reserved.
    @inline(__always) private func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// Writes bytes; room was reserved.
    @inline(__always) private func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress else { return }
        (base + count).update(from: start, count: bytes.count)
        count += bytes.count
    }
}
