import Core

/// Writes JSON objects, one per line, into one growing byte buffer, fields in the order written:
/// the canonical form of the trace. Faster than an encoder (no allocation per line) and with a
/// fixed field order, which the trace hash depends on.
///
/// The buffer is raw memory written in place: every trace line goes through here, and an array's
/// per-append capacity and uniqueness checks were a measurable part of a simulated run. Each
/// write first makes room for everything it writes, so the buffer never overflows. Used by one
/// thread at a time (the trace's writer, see `TraceDigest`).
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

    /// Starts a line with its first two fields, `{"at":millis,"kind":"kind"`.
    @inline(__always)
    func begin(at millis: Int64, kind: StaticString) {
        reserve(6)
        var p = base + count
        copy(#"{"at":"#, to: &p)
        count = p - base
        appendInteger(millis)
        reserve(kind.utf8CodeUnitCount + 10)
        p = base + count
        copy(#","kind":""#, to: &p)
        copy(kind, to: &p)
        p.pointee = UInt8(ascii: "\"")
        count = p + 1 - base
        fieldsInLine = 2
    }

    /// Copies a constant to `p` and moves `p` past it; room was reserved. The keys and kinds of
    /// the trace are a few bytes long, less than a call to `memmove` costs: up to 32 bytes are
    /// copied as two overlapping runs of whole words (a word may be written twice, never past
    /// the end).
    @inline(__always)
    private func copy(_ text: StaticString, to p: inout UnsafeMutablePointer<UInt8>) {
        let n = text.utf8CodeUnitCount
        let source = UnsafeRawPointer(text.utf8Start), target = UnsafeMutableRawPointer(p)
        func words<W: FixedWidthInteger>(_: W.Type, _ count: Int) {
            let size = MemoryLayout<W>.size
            for i in 0..<count {
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: i * size, as: W.self), toByteOffset: i * size, as: W.self)
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: n - (i + 1) * size, as: W.self),
                                  toByteOffset: n - (i + 1) * size, as: W.self)
            }
        }
        switch n {
        case 16...32: words(UInt64.self, 2)
        case 8..<16: words(UInt64.self, 1)
        case 4..<8: words(UInt32.self, 1)
        case 0..<4: for i in 0..<n { p[i] = text.utf8Start[i] }
        default: target.copyMemory(from: source, byteCount: n)
        }
        p += n
    }

    /// Ends the line.
    @inline(__always)
    func end() {
        reserve(2)
        base[count] = UInt8(ascii: "}")
        base[count + 1] = UInt8(ascii: "\n")
        count += 2
    }

    /// Hands over what was written and starts empty (keeping the capacity).
    func drain(_ body: (UnsafeRawBufferPointer) -> Void) {
        body(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    func field(_ name: StaticString, _ value: StaticString) {
        key(name)
        value.withUTF8Buffer { quoted($0) }
    }

    @inline(__always)
    func field(_ name: StaticString, _ value: String) {
        key(name)
        if let small = SmallASCII(value), quotedSmall(small, checked: true) { return }
        // Read in place (a small string from the stack): no copy of the string, no retain.
        if value.utf8.withContiguousStorageIfAvailable({ string($0) }) == nil {
            var copy = value
            copy.withUTF8 { string($0) }
        }
    }

    @inline(__always)
    func field(_ name: StaticString, _ value: some BinaryInteger) {
        key(name)
        appendInteger(Int64(value))
    }

    // Each write below reserves room for all it writes, then writes through a local cursor and
    // stores the count once: a byte stored through the buffer could be the count itself as far
    // as the compiler knows, so writing through `count` would reload it after every byte.

    @inline(__always)
    private func key(_ key: StaticString) {
        reserve(key.utf8CodeUnitCount + 4)
        var p = base + count
        if fieldsInLine > 0 {
            p.pointee = UInt8(ascii: ",")
            p += 1
        }
        fieldsInLine += 1
        p.pointee = UInt8(ascii: "\"")
        p += 1
        copy(key, to: &p)
        p[0] = UInt8(ascii: "\"")
        p[1] = UInt8(ascii: ":")
        count = p + 2 - base
    }

    /// A small ASCII string (a trace entry's name or id, see `TraceText`), escaped if it needs
    /// it when `checked` (an id never does).
    @inline(__always)
    func field(_ name: StaticString, _ small: SmallASCII, checked: Bool) {
        key(name)
        if quotedSmall(small, checked: checked) { return }
        var text = small.string
        text.withUTF8 { string($0) }
    }

    /// `small` in quotes, when it needs no escaping or is not `checked`; false, with nothing
    /// written, otherwise. Nearly every name and id of a run is a small ASCII string (see
    /// ``SmallASCII``): its two words are stored whole, the closing quote over the first unused
    /// byte, with no copy of the string to read it from and no call to copy its bytes.
    @inline(__always)
    private func quotedSmall(_ small: SmallASCII, checked: Bool) -> Bool {
        guard !checked || !Self.needsEscaping(small) else { return false }
        reserve(18)
        put(UInt8(ascii: "\""))
        words(small)
        put(UInt8(ascii: "\""))
        return true
    }

    /// `small`'s bytes, its two words stored whole (room for 16 bytes was reserved); the bytes
    /// past its end are written over next.
    @inline(__always)
    private func words(_ small: SmallASCII) {
        let p = UnsafeMutableRawPointer(base + count)
        p.storeBytes(of: small.low, as: UInt64.self)
        p.storeBytes(of: small.high, toByteOffset: 8, as: UInt64.self)
        count += small.count
    }

    /// `utf8` in quotes, as it is (it needs no escaping).
    private func quoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        let n = utf8.count
        reserve(n + 2)
        let p = base + count
        p.pointee = UInt8(ascii: "\"")
        if let start = utf8.baseAddress { (p + 1).update(from: start, count: n) }
        p[n + 1] = UInt8(ascii: "\"")
        count += n + 2
    }

    private func string(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Ids and names need no escaping: copy them whole.
        if !Self.needsEscaping(utf8) {
            quoted(utf8)
            return
        }
        reserve(1)
        put(UInt8(ascii: "\""))
        escaped(utf8)
        reserve(1)
        put(UInt8(ascii: "\""))
    }

    /// `utf8` with every character that needs it escaped, without quotes.
    private func escaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        reserve(6 * utf8.count)
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
    }

    // A text field made of parts (a provider call's detail, a client's outcome), written where it
    // goes rather than made as a string first: `beginText`, the parts, `endText`.

    /// Starts the text field `name`.
    func beginText(_ name: StaticString) {
        key(name)
        reserve(1)
        put(UInt8(ascii: "\""))
    }

    /// A part of the text: a small ASCII string, from its words (escaped, if it needs it).
    func text(_ small: SmallASCII) {
        guard !Self.needsEscaping(small) else { return text(small.string) }
        reserve(16)
        words(small)
    }

    /// A part of the text: any string (escaped, if it needs it).
    func text(_ string: String) {
        var string = string
        string.withUTF8 { escaped($0) }
    }

    /// A part of the text: a constant, which needs no escaping.
    func text(_ literal: StaticString) {
        reserve(literal.utf8CodeUnitCount)
        var p = base + count
        copy(literal, to: &p)
        count = p - base
    }

    /// A part of the text: a number in decimal.
    func text(_ number: Int64) {
        appendInteger(number)
    }

    /// Ends the text field.
    func endText() {
        reserve(1)
        put(UInt8(ascii: "\""))
    }

    /// Whether any byte is a control character, a quote or a backslash. Eight bytes at a time:
    /// a byte below 0x20, or one that XORs to zero with `"` or `\`, sets its top bit in the word
    /// tests below (exact as a yes-or-no answer); the last word may overlap the one before.
    static func needsEscaping(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = utf8.baseAddress else { return false }
        let n = utf8.count
        guard n >= 8 else {
            for b in utf8 where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return true }
            return false
        }
        let raw = UnsafeRawPointer(start)
        func special(_ x: UInt64) -> Bool { specialBytes(x) != 0 }
        var i = 0
        while i + 8 < n {
            if special(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
            i += 8
        }
        return special(raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
    }

    /// ``needsEscaping(_:)`` for a small ASCII string, read from its words. The bytes past its
    /// end (zero, which the control test would flag) are masked out of the answer; a flag is
    /// exact up to the first special byte, and the unused bytes all come after the used ones.
    @inline(__always)
    static func needsEscaping(_ small: SmallASCII) -> Bool {
        let n = UInt64(small.count)
        // The used bytes of each word: all of the first from 8 bytes on, none of the second below 9.
        let lowUsed: UInt64 = n >= 8 ? .max : (1 << (8 * n)) &- 1
        let highUsed: UInt64 = n <= 8 ? 0 : (1 << (8 * (n - 8))) &- 1
        return specialBytes(small.low) & lowUsed | specialBytes(small.high) & highUsed != 0
    }

    /// The top bit of each byte of `x` that is a control character, a quote or a backslash
    /// (exact up to the first such byte; a borrow may flag bytes after it).
    @inline(__always)
    private static func specialBytes(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        let quote = x ^ (ones &* UInt64(UInt8(ascii: "\""))), backslash = x ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let control = (x &- ones &* 0x20) & ~x
        return (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & tops
    }

    private func appendInteger(_ v: Int64) {
        reserve(20)
        var p = base + count
        if v < 0 {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        var n = v.magnitude
        if n < 10 {  // versions, partitions, small offsets: most of the trace's numbers
            p.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n)
            count = p + 1 - base
            return
        }
        // Count the digits, then write them from the last, two at a time from a table, in place
        // (division by a constant is a multiply; no scratch buffer, no copy).
        var digits = 2
        var bound: UInt64 = 100
        while digits < 19, n >= bound {
            digits += 1
            bound &*= 10
        }
        p += digits
        count = p - base
        let pairs = Self.digitPairs.utf8Start
        while n >= 100 {
            let pair = Int(n % 100) &* 2
            n /= 100
            p -= 2
            p[0] = pairs[pair]
            p[1] = pairs[pair &+ 1]
        }
        if n >= 10 {
            let pair = Int(n) &* 2
            p[-2] = pairs[pair]
            p[-1] = pairs[pair &+ 1]
        } else {
            p[-1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n)
        }
    }

    /// "00", "01", … "99", one after the other.
    private static var digitPairs: StaticString {
        """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
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

    /// Writes one byte; room was reserved (the escaping path only).
    @inline(__always) private func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }
}
