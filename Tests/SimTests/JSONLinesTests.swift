import Core
import Foundation
@testable import Sim
import Testing

@Suite struct JSONLinesTests {
    private func text(_ lines: JSONLines) -> String {
        var out = ""
        lines.drain { out = String(decoding: $0, as: UTF8.self) }
        return out
    }

    @Test func writesFieldsInOrderWithIntegersAndEscapes() throws {
        let lines = JSONLines()
        lines.begin(at: 1234, kind: "append")
        lines.field("n", Int64.min)
        lines.field("zero", 0)
        lines.field("big", Int64.max)
        lines.field("text", "say \"hi\"\\ then\nnew\u{1}")
        lines.end()
        let written = text(lines)
        #expect(written == #"{"at":1234,"kind":"append","n":-9223372036854775808,"zero":0,"big":9223372036854775807,"text":"say \"hi\"\\ then\u000anew\u0001"}"# + "\n")
        // It is JSON, and the string comes back as written.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any])
        #expect(object["text"] as? String == "say \"hi\"\\ then\nnew\u{1}")
        #expect(lines.count == 0)
    }

    /// Ids are copied whole, short (stored in the string itself, written from its words) or long
    /// (held apart in the batch's texts).
    @Test func writesIds() throws {
        let lines = JSONLines()
        var batch = TraceBatch()
        let short = batch.text("oSRw03enJ"), long = batch.text("ord-110fe248c15a33eb67d7-and-more")
        #expect(short.small != nil && long.small == nil)
        lines.begin(at: 2, kind: "ids")
        batch.texts.withUnsafeBufferPointer { texts in
            short.write("short", to: lines, texts: texts, id: true)
            long.write("long", to: lines, texts: texts, id: true)
        }
        lines.end()
        #expect(text(lines) == #"{"at":2,"kind":"ids","short":"oSRw03enJ","long":"ord-110fe248c15a33eb67d7-and-more"}"# + "\n")
    }

    /// Keys and kinds are copied in words: every length, around each word size, comes out whole.
    @Test func copiesKeysOfEveryLength() throws {
        let lines = JSONLines(capacity: 4)
        lines.begin(at: 0, kind: "")
        lines.field("", 1)
        lines.field("abc", 3)
        lines.field("abcdefg", 7)
        lines.field("abcdefgh", 8)
        lines.field("abcdefghijklmno", 15)
        lines.field("abcdefghijklmnop", 16)
        lines.field("abcdefghijklmnopq", 17)
        lines.field("abcdefghijklmnopqrstuvwxyz01234", 31)
        lines.field("abcdefghijklmnopqrstuvwxyz012345", 32)
        lines.field("abcdefghijklmnopqrstuvwxyz0123456", 33)
        lines.field("abcdefghijklmnopqrstuvwxyz0123456789ABCD", 40)
        lines.end()
        let written = text(lines)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any])
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCD")
        for length in [3, 7, 8, 15, 16, 17, 31, 32, 33, 40] {
            #expect(object[String(alphabet[..<length])] as? Int == length, "key of \(length) bytes")
        }
        #expect(object.count == 13)
        #expect(object[""] as? Int == 1)
        #expect(object["kind"] as? String == "")
        #expect(written.hasPrefix(#"{"at":0,"kind":"","":1,"abc":3,"abcdefg":7,"#))
    }

    /// Numbers of every digit count, with the two-digit table's every pair, read back as written.
    @Test func writesIntegersOfEveryLength() {
        let lines = JSONLines(capacity: 4)
        var values: [Int64] = [0, 9, 10, 99, 100, 101, 999, 1000, Int64.max, Int64.min, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        values += (0..<100).map { Int64($0) * 1_010_101 + 7 }
        lines.begin(at: 1, kind: "n")
        for v in values { lines.field("v", v) }
        lines.end()
        let written = text(lines)
        let numbers = written.dropFirst(#"{"at":1,"kind":"n","#.count).dropLast(2)
            .split(separator: ",").map { Int64($0.dropFirst(#""v":"#.count)) }
        #expect(numbers == values.map { Optional($0) })
    }

    @Test func growsPastItsCapacityWithoutLosingBytes() {
        let lines = JSONLines(capacity: 8)
        let long = String(repeating: "x", count: 1000)
        for i in 0..<50 {
            lines.begin(at: Int64(i), kind: "grow")
            lines.field("i", i)
            lines.field("s", long)
            lines.end()
        }
        let written = text(lines).split(separator: "\n")
        #expect(written.count == 50)
        #expect(written.allSatisfy { $0.hasSuffix("\"s\":\"\(long)\"}") })
        #expect(written[49].hasPrefix(#"{"at":49,"kind":"grow","i":49,"#))
    }

    /// The word-at-a-time scan finds a character that needs escaping at every position of strings
    /// of every length around its word size, and finds none in plain ones (bytes up to 0xFF).
    @Test func findsEveryCharacterThatNeedsEscaping() {
        func scan(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { JSONLines.needsEscaping($0) } }
        for length in 0...40 {
            var plain: [UInt8] = []
            for i in 0..<length {
                let byte = UInt8(0x20 + (i * 37) % 0xE0)
                plain.append(byte == 0x22 || byte == 0x5C ? 0x41 : byte)
            }
            #expect(!scan(plain), "length \(length)")
            for position in 0..<length {
                for special: UInt8 in [0x00, 0x0A, 0x1F, 0x22, 0x5C] {
                    var bytes = plain
                    bytes[position] = special
                    #expect(scan(bytes), "length \(length), \(special) at \(position)")
                }
            }
        }
        // The neighbours of the special bytes are plain.
        #expect(!scan([0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xFF, 0x20]))
    }

    /// A small ASCII string is scanned from its two words: the scan agrees with the byte-wise one
    /// at every length up to 15 and every position of a special byte, and is not fooled by the
    /// unused bytes after the string (zero, a control character).
    @Test func scansSmallStringsFromTheirWords() throws {
        for length in 0...15 {
            let plain = (0..<length).map { i -> UInt8 in
                let byte = UInt8(0x20 + (i * 37) % 0x5F)
                return byte == 0x22 || byte == 0x5C ? 0x41 : byte
            }
            let small = try #require(SmallASCII(String(decoding: plain, as: UTF8.self)), "length \(length)")
            #expect(!JSONLines.needsEscaping(small), "length \(length)")
            for position in 0..<length {
                for special: UInt8 in [0x00, 0x0A, 0x1F, 0x22, 0x5C] {
                    var bytes = plain
                    bytes[position] = special
                    let text = String(decoding: bytes, as: UTF8.self)
                    #expect(JSONLines.needsEscaping(try #require(SmallASCII(text))), "length \(length), \(special) at \(position)")
                }
            }
        }
    }

    /// Small strings are written from their words, escaped when they need it, and ids of every
    /// length around the word size come out whole, with the line going on after them.
    @Test func writesSmallStringsWhole() throws {
        let lines = JSONLines(capacity: 4)
        var batch = TraceBatch()
        let lengths = [1, 7, 8, 9, 14, 15, 16]
        let names = ["", "orderquery-1#1", "a\"b", "x\ny"].map { batch.text($0) }
        let ids = lengths.map { batch.text(String(repeating: "o", count: $0)) }
        lines.begin(at: 3, kind: "small")
        batch.texts.withUnsafeBufferPointer { texts in
            for (name, text) in zip(["empty", "plain", "quote", "newline"] as [StaticString], names) {
                text.write(name, to: lines, texts: texts)
            }
            for id in ids { id.write("id", to: lines, texts: texts, id: true) }
        }
        lines.field("after", 5)
        lines.end()
        let written = text(lines)
        let expectedIDs = lengths.map { #","id":""# + String(repeating: "o", count: $0) + "\"" }.joined()
        let expected = #"{"at":3,"kind":"small","empty":"","plain":"orderquery-1#1","quote":"a\"b","newline":"x\u000ay""#
        #expect(written == expected + expectedIDs + #","after":5}"# + "\n")
        #expect(batch.texts == [String(repeating: "o", count: 16)], "only the 16-byte id is held apart")
        _ = try JSONSerialization.jsonObject(with: Data(written.utf8))
    }
}

extension JSONLinesTests {
    /// A text field made of parts is one JSON string: the parts in order, each escaped if it
    /// needs it (a small string from its words, a long string from its bytes), numbers in decimal.
    @Test func writesATextFieldMadeOfParts() throws {
        let lines = JSONLines(capacity: 4)
        lines.begin(at: 4, kind: "parts")
        lines.beginText("detail")
        lines.text(try #require(SmallASCII("c1")))
        lines.text(" ")
        lines.text(Int64(-500))
        lines.text(" declined ")
        lines.text(try #require(SmallASCII("say \"no\"")))
        lines.text(" / ")
        lines.text("a reason long enough to be held apart\n")
        lines.endText()
        lines.end()
        var written = ""
        lines.drain { written = String(decoding: $0, as: UTF8.self) }
        #expect(written == #"{"at":4,"kind":"parts","detail":"c1 -500 declined say \"no\" / a reason long enough to be held apart\u000a"}"# + "\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any])
        #expect(object["detail"] as? String == "c1 -500 declined say \"no\" / a reason long enough to be held apart\n")
    }
}
