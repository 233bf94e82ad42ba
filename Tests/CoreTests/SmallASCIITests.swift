@testable import Core
import Testing

/// Small ASCII strings made and read in their own words must be the very strings Swift makes.
@Suite struct SmallASCIITests {
    /// Texts of every length a small string holds, and some longer.
    private let texts: [String] = (0...20).map { n in String((0..<n).map { i in Character(UnicodeScalar(UInt8(97 + (i * 7) % 26))) }) }

    @Test func aSmallStringIsReadFromItsWordsAndMadeAgainFromThem() {
        for text in texts {
            let small = SmallASCII(text)
            #expect((small != nil) == (text.utf8.count <= 15), "'\(text)'")
            guard let small else { continue }
            #expect(small.count == text.utf8.count)
            #expect(small.string == text)
            // Byte by byte, the same string; and in one go after a prefix of every length.
            var built = SmallASCII()
            for byte in text.utf8 { built.append(count: 1) { _ in byte } }
            #expect(built.string == text)
            #expect(IdentifierHash.smallASCIIEqual(built.string, text) == true)
            let bytes = Array(text.utf8)
            for split in 0...bytes.count {
                var joined = SmallASCII()
                for byte in bytes[..<split] { joined.append(count: 1) { _ in byte } }
                joined.append(count: bytes.count - split) { bytes[split + $0] }
                #expect(IdentifierHash.smallASCIIEqual(joined.string, text) == true, "'\(text)' split at \(split)")
            }
        }
        // Neither a string kept in a buffer of its own nor a non-ASCII one is read.
        var large = String()
        large.reserveCapacity(32)
        large.append("abc")
        #expect(SmallASCII(large) == nil)
        #expect(SmallASCII("caf\u{E9}") == nil)
    }

    @Test func aPrefixedKeyIsTheStringConcatenationMakes() {
        let prefixes: [StaticString] = ["", "e", "pay-", "ship-", "order-", "12345678", "123456789abcde"]
        for prefix in prefixes {
            for text in texts {
                let expected = "\(prefix)" + text
                let made = String.prefixed(prefix, text)
                #expect(made == expected)
                #expect(made.utf8.count == expected.utf8.count)
                let fits = prefix.utf8CodeUnitCount + text.utf8.count <= 15
                #expect((SmallASCII.concatenate(prefix, text) != nil) == fits, "'\(prefix)' + '\(text)'")
                if fits {
                    // Word for word the small string Swift makes of the same text.
                    #expect(IdentifierHash.smallASCIIEqual(made, expected) == true)
                }
            }
        }
        #expect(String.prefixed("order-", "caf\u{E9}") == "order-caf\u{E9}")
    }

    @Test func aPrefixedNumberIsTheStringInterpolationMakes() {
        let numbers = [0, 1, 9, 10, 99, 100, 12_345, 99_999_999, 100_000_000, 999_999_999_999_999,
                       1_000_000_000_000_000, Int.max, -1, -42, Int.min]
        for prefix: StaticString in ["", "ch-", "trk-", "123456789abcde"] {
            for number in numbers {
                let expected = "\(prefix)\(number)"
                let made = String.prefixed(prefix, number)
                #expect(made == expected)
                let fits = number >= 0 && prefix.utf8CodeUnitCount + String(number).utf8.count <= 15
                if fits { #expect(IdentifierHash.smallASCIIEqual(made, expected) == true, "\(expected)") }
            }
        }
        // Only what has at most 15 digits and no sign is read into words.
        #expect(SmallASCII(decimal: 999_999_999_999_999)?.string == "999999999999999")
        #expect(SmallASCII(decimal: 1_000_000_000_000_000) == nil)
        #expect(SmallASCII(decimal: -1) == nil)
    }

    @Test func aRandomIdIsMadeTheSameWayInItsWordsOrInABuffer() {
        final class Counter: RandomSource, @unchecked Sendable {
            var state: UInt64 = 0x1234_5678
            func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
        }
        // A prefix too long for a small string takes the general way; with the same draws, the
        // short one must give the same letters.
        let a = Counter(), b = Counter()
        for length in [1, 9, 10, 11, 14] {
            let small = a.makeID(prefix: "e", length: length)
            let long = b.makeID(prefix: "a-prefix-longer-than-fifteen-", length: length)
            #expect(small.utf8.count == 1 + length)
            #expect(long.hasSuffix(small.dropFirst()), "\(small) and \(long)")
            #expect(IdentifierHash.smallASCIIEqual(small, String(decoding: Array(small.utf8), as: UTF8.self)) == true)
        }
    }
}
