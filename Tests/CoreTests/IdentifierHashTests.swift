@testable import Core
import Testing

@Suite struct IdentifierHashTests {
    /// Ids of every length up to past two words, differing in one byte at every position.
    private var ids: [String] {
        (0...40).flatMap { length -> [String] in
            let base = String(repeating: "a", count: length)
            return [base] + (0..<length).map { i in
                var bytes = Array(base.utf8)
                bytes[i] = UInt8(ascii: "b")
                return String(decoding: bytes, as: UTF8.self)
            }
        }
    }

    @Test func equalIdsHashEquallyAndDifferentOnesApart() {
        let all = ids
        // The same text built another way (a native copy, not a literal) hashes the same.
        for raw in all {
            let copy = String(decoding: Array(raw.utf8), as: UTF8.self)
            #expect(OrderID(unchecked: raw) == OrderID(unchecked: copy))
            #expect(OrderID(unchecked: raw).hashValue == OrderID(unchecked: copy).hashValue)
            #expect(OrderID(unchecked: raw)._rawHashValue(seed: 42) == OrderID(unchecked: copy)._rawHashValue(seed: 42))
        }
        // One byte of difference anywhere, or one byte more, changes the hash.
        let hashes = Set(all.map { StreamID(unchecked: $0)._rawHashValue(seed: 7) })
        #expect(hashes.count == all.count)
        // The seed changes it too.
        #expect(EventID(unchecked: "e1")._rawHashValue(seed: 1) != EventID(unchecked: "e1")._rawHashValue(seed: 2))
    }

    @Test func aSmallStringHashesAsItsBytesDoWhereverTheyAreKept() {
        for raw in ids + ["order-ogMFKX_ar", "ehaKqWPMOIuxmw8", "o1", "x"] {
            // A string kept in a buffer of its own, however short: the hash of its bytes.
            var large = String()
            large.reserveCapacity(64)
            large.append(raw)
            #expect(IdentifierHash.smallASCII(large, seed: 3) == nil)
            let expected = IdentifierHash.bytes(large, seed: 3)
            #expect(expected != nil)
            // The same text built as a small string in several ways, read from its words.
            for small in [raw, String(decoding: Array(raw.utf8), as: UTF8.self), "\(raw)", String(raw[...])] {
                #expect(IdentifierHash.ascii(small, seed: 3) == expected)
                if raw.utf8.count <= 15 {
                    #expect(IdentifierHash.smallASCII(small, seed: 3) == expected, "'\(raw)' is small and ASCII")
                }
            }
        }
        // Small ASCII ids compare by their words: equal texts however built, and one byte apart.
        let all = ids.filter { $0.utf8.count <= 15 }
        for (i, raw) in all.enumerated() {
            let copy = String(decoding: Array(raw.utf8), as: UTF8.self)
            #expect(IdentifierHash.smallASCIIEqual(raw, copy) == true)
            #expect(IdentifierHash.smallASCIIEqual(raw, all[(i + 1) % all.count]) == false)
        }
        var large = String()
        large.reserveCapacity(64)
        large.append("o1")
        #expect(IdentifierHash.smallASCIIEqual("o1", large) == nil)
        #expect(OrderID(unchecked: "o1") == OrderID(unchecked: large))
        // Not ASCII: neither way gives a hash (the id then hashes as its string).
        #expect(IdentifierHash.ascii("caf\u{E9}", seed: 3) == nil)
    }

    @Test func aStreamNamesItsOrderOnlyAfterTheOrderPrefix() {
        #expect(OrderID(unchecked: "o1").streamID.orderID == OrderID(unchecked: "o1"))
        #expect(StreamID(unchecked: "order-ord-0123456789abcdef0123").orderID == OrderID(unchecked: "ord-0123456789abcdef0123"))
        #expect(StreamID(unchecked: "order-").orderID == OrderID(unchecked: ""))
        #expect(StreamID(unchecked: "orders-1").orderID == nil)
        #expect(StreamID(unchecked: "order").orderID == nil)
        #expect(StreamID(unchecked: "Order-o1").orderID == nil)
        #expect(StreamID(unchecked: "").orderID == nil)
    }

    @Test func tablesKeyedByIdsFindEveryKey() {
        var table: [CustomerID: Int] = [:]
        for (i, raw) in ids.enumerated() { table[CustomerID(unchecked: raw)] = i }
        for (i, raw) in ids.enumerated() { #expect(table[CustomerID(unchecked: String(decoding: Array(raw.utf8), as: UTF8.self))] == i) }
        #expect(table[CustomerID(unchecked: "zz")] == nil)
    }

    @Test func anIdThatIsNotASCIIStillKeepsEqualityAndHashingInStep() {
        // U+212A KELVIN SIGN is canonically equal to "K" as a string, but as ids they differ
        // (an id is its bytes), so neither may stand for the other in a table.
        let kelvin = SKU(unchecked: "\u{212A}"), k = SKU(unchecked: "K")
        #expect(kelvin != k)
        let table: [SKU: Int] = [k: 1, kelvin: 2]
        #expect(table.count == 2 && table[k] == 1 && table[kelvin] == 2)
        // Two spellings of "é" are equal strings of equal length in UTF-8 only when composed the
        // same way; equal ones hash equally.
        let composed = SKU(unchecked: "caf\u{E9}"), again = SKU(unchecked: String("caf\u{E9}".unicodeScalars.map(Character.init)))
        #expect(composed == again && composed.hashValue == again.hashValue)
    }
}
