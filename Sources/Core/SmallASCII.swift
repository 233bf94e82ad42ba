/// The bytes of a small ASCII string, read from and written to the string's own two words.
///
/// Swift keeps a string of up to 15 UTF-8 bytes inside the string value (a "small" string),
/// with no storage to reach. Its two words hold the bytes in order, unused ones zero, and the top
/// byte of the second word says what the string is: `0xE0 | count` for a small ASCII string.
/// That is the same for equal texts however they were made, so two small ASCII strings are equal
/// exactly when their words are. Nearly every id and key of a run is one; ids are hashed and
/// compared, and keys made, from their words (see ``IdentifierHash``, `String.prefixed`).
///
/// Only on 64-bit little-endian platforms (where the layout is the one above); elsewhere every
/// function answers nil and callers take their general path.
///
/// Public, and read by inlinable code, for the simulator's trace, which notes every name and id
/// of a run through it: declared `package`, its inlinable initializer was still called, not
/// inlined, from another module (about 1,500 instructions an order, and a retain of each string).
public struct SmallASCII {
    /// The bytes, the first in the low byte of `low`; bytes 8 to 14 in `high`.
    public var low: UInt64 = 0
    public var high: UInt64 = 0
    /// How many bytes (at most 15).
    public var count: Int = 0

    static let capacity = 15

    public init() {}

    /// The bytes of `string`, or nil unless it is a small ASCII string.
    @inlinable @inline(__always)
    public init?(_ string: String) {
        #if _pointerBitWidth(_64) && _endian(little)
        let (low, high) = unsafeBitCast(string, to: (UInt64, UInt64).self)
        guard high >> 60 == 0xE else { return nil }
        self.low = low
        self.high = high & 0x00FF_FFFF_FFFF_FFFF
        count = Int(high >> 56 & 0x0F)
        #else
        return nil
        #endif
    }

    /// The decimal digits of `number`, or nil if it is negative or has more than 15 digits.
    @inline(__always)
    init?(decimal number: Int) {
        #if _pointerBitWidth(_64) && _endian(little)
        guard (0..<1_000_000_000_000_000).contains(number) else { return nil }
        // The power of ten of the first digit, then each digit from the first on.
        var digits = 1, unit = 1
        while number / unit >= 10 {
            digits += 1
            unit *= 10
        }
        append(count: digits) { _ in
            defer { unit /= 10 }
            return UInt8(0x30 + number / unit % 10)
        }
        #else
        return nil
        #endif
    }

    /// Appends `n` bytes, the `i`-th of them `byte(i)` (ASCII, and room left: the caller checks),
    /// each stored straight into its place in the two words.
    @inline(__always)
    mutating func append(count n: Int, _ byte: (Int) -> UInt8) {
        var words = (low, high)
        let start = count
        withUnsafeMutableBytes(of: &words) { bytes in
            for i in 0..<n { bytes[start + i] = byte(i) }
        }
        (low, high) = words
        count += n
    }

    /// The string. (Only a platform with small strings laid out as above makes a `SmallASCII`.)
    @inline(__always)
    public var string: String {
        #if _pointerBitWidth(_64) && _endian(little)
        unsafeBitCast((low, high | (0xE0 | UInt64(count)) << 56), to: String.self)
        #else
        fatalError("small strings are not read from their words on this platform")
        #endif
    }

    /// `prefix` followed by `rest`, or nil unless `prefix` is ASCII, `rest` a small ASCII
    /// string, and both fit in 15 bytes.
    @inline(__always)
    static func concatenate(_ prefix: StaticString, _ rest: String) -> String? {
        let head = prefix.utf8CodeUnitCount
        guard prefix.hasPointerRepresentation, let tail = SmallASCII(rest), head + tail.count <= capacity else { return nil }
        if head == 0 { return rest }
        // The prefix's bytes copied into the words (not loaded a word at a time: a literal's last
        // bytes may end a page), then the tail's moved up by `head` bytes, across the two words.
        var out = SmallASCII()
        let start = UnsafeRawPointer(prefix.utf8Start)
        withUnsafeMutableBytes(of: &out.low) { $0.copyMemory(from: UnsafeRawBufferPointer(start: start, count: min(head, 8))) }
        if head > 8 {
            withUnsafeMutableBytes(of: &out.high) { $0.copyMemory(from: UnsafeRawBufferPointer(start: start + 8, count: head - 8)) }
        }
        guard (out.low | out.high) & 0x8080_8080_8080_8080 == 0 else { return nil }
        if head < 8 {
            let shift = UInt64(8 * head)
            out.low |= tail.low << shift
            out.high |= tail.low >> (64 - shift) | tail.high << shift
        } else {
            out.high |= tail.low << UInt64(8 * (head - 8))
        }
        out.count = head + tail.count
        return out.string
    }
}
