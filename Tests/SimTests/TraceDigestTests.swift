import Core
import Crypto
@testable import Sim
import Testing

@Suite struct TraceDigestTests {
    /// Adds entry `i` to `batch`: entries of every kind, numbered so that any reordering or loss
    /// changes the bytes, with small strings and strings held apart in the batch's texts.
    private func add(_ i: Int, to batch: inout TraceBatch) {
        let n = Int64(i)
        let entry: TraceEntry
        switch i % 6 {
        case 0: entry = .append(at: n, stream: batch.text("order-o\(i)"), version: n, position: n,
                                type: .orderCreated, event: batch.text("ev\(i)"))
        case 1: entry = .deliver(at: n, group: batch.text("payment"), member: batch.text("payment#1"), partition: i % 8,
                                 offset: n, stream: batch.text("order-o\(i)"), version: 1)
        case 2: entry = .commit(at: n, group: batch.text("shipping"), member: batch.text("shipping#1"), partition: i % 8, offset: n + 1)
        case 3: entry = .pair(at: n, kind: "client", first: "order", batch.text("o\(i)"),
                              second: "outcome", batch.text("accepted with a reason long enough to be stored apart \(i)"))
        case 4: entry = .gaveUp(at: n, member: batch.text("orderquery-1#1"), stream: batch.text("order-o\(i)"), version: n,
                                error: batch.text("a \"quoted\"\nreason"))
        default: entry = .pair(at: n, kind: "lost", first: "message", batch.text("re\"ply"), second: "caller", batch.text("payment"))
        }
        batch.entries.append(entry)
    }

    /// The bytes entries `range` make when written one after another on this thread.
    private func inline(_ range: [Range<Int>]) -> [UInt8] {
        let lines = JSONLines()
        var bytes: [UInt8] = []
        for i in range.joined() {
            var batch = TraceBatch()
            add(i, to: &batch)
            batch.write(to: lines) {}
            lines.drain { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    private func hex(_ bytes: [UInt8]) -> String { Array(SHA256.hash(data: bytes)).hexString }

    /// Batches written on the digest's own thread (or in place, without one) come out in the
    /// order handed over, byte for byte what writing each line where it happened gives, and the
    /// hash is the SHA-256 of exactly those bytes.
    @Test(arguments: [true, false])
    func batchesGiveTheSameBytesAndHashAsLinesWrittenInPlace(threaded: Bool) {
        let all = 0..<(TraceDigest.batchSize * 9 + 37)
        let digest = TraceDigest(keep: true, threaded: threaded)
        var batch = TraceBatch()
        for i in all {
            add(i, to: &batch)
            if batch.count == TraceDigest.batchSize { batch = digest.submit(batch) }
            #expect(batch.count < TraceDigest.batchSize)
        }
        let (hash, kept) = digest.finish(&batch)
        #expect(batch.count == 0 && batch.texts.isEmpty)
        let expected = inline([all])
        #expect(kept.count == expected.count)
        #expect(kept.elementsEqual(expected), "the kept bytes differ from the bytes written in place")
        #expect(Array(hash).hexString == hex(expected))
    }

    /// The hash can be taken mid-run: it covers everything so far, and lines added after it go
    /// on from there.
    @Test func aHashMidwayCoversWhatCameBeforeAndTheTraceGoesOn() {
        let first = 0..<(TraceDigest.batchSize * 3 + 5), second = 5_000..<(5_000 + TraceDigest.batchSize * 2)
        let digest = TraceDigest(keep: false)
        var batch = TraceBatch()
        func add(_ range: Range<Int>) {
            for i in range {
                self.add(i, to: &batch)
                if batch.count == TraceDigest.batchSize { batch = digest.submit(batch) }
            }
        }
        add(first)
        let midway = digest.finish(&batch)
        #expect(midway.kept.isEmpty)
        #expect(Array(midway.digest).hexString == hex(inline([first])))
        add(second)
        #expect(Array(digest.finish(&batch).digest).hexString == hex(inline([first, second])))
    }

    /// A string held apart is read against the texts of its own batch: entries of batches handed
    /// over one after another each write their own strings, not those at the same index of
    /// another batch.
    @Test func stringsHeldApartAreReadFromTheirOwnBatch() {
        let digest = TraceDigest(keep: true, threaded: false)
        var batch = TraceBatch()
        var expected = ""
        for i in 0..<(TraceDigest.batchSize * 2) {
            let detail = "a detail long enough to be held apart, number \(i)"
            batch.entries.append(.pair(at: Int64(i), kind: "inject", first: "fault", batch.text("drop"), second: "detail", batch.text(detail)))
            expected += #"{"at":\#(i),"kind":"inject","fault":"drop","detail":"\#(detail)"}"# + "\n"
            if batch.count == TraceDigest.batchSize { batch = digest.submit(batch) }
        }
        #expect(String(decoding: digest.finish(&batch).kept, as: UTF8.self) == expected)
    }
}
