import Core
import Crypto
@testable import Sim
import Testing

@Suite struct TraceDigestTests {
    /// Entries of every kind, numbered so that any reordering or loss changes the bytes.
    private func entries(_ range: Range<Int>) -> [TraceEntry] {
        range.map { i in
            let n = Int64(i)
            switch i % 6 {
            case 0: return .append(at: n, stream: StreamID(unchecked: "order-o\(i)"), version: n, position: n,
                                   type: .orderCreated, event: EventID(unchecked: "ev\(i)"))
            case 1: return .deliver(at: n, group: "payment", member: "payment#1", partition: i % 8, offset: n,
                                    stream: StreamID(unchecked: "order-o\(i)"), version: 1)
            case 2: return .commit(at: n, group: "shipping", member: "shipping#1", partition: i % 8, offset: n + 1)
            case 3: return .pair(at: n, kind: "client", ("order", "o\(i)"),
                                 ("outcome", "accepted with a reason long enough to be stored apart \(i)"))
            case 4: return .gaveUp(at: n, member: "orderquery-1#1", stream: StreamID(unchecked: "order-o\(i)"), version: n,
                                   error: "a \"quoted\"\nreason")
            default: return .pair(at: n, kind: "lost", ("message", "reply"), ("caller", "payment"))
            }
        }
    }

    /// The bytes the entries make when written one after another on this thread.
    private func inline(_ entries: [TraceEntry]) -> [UInt8] {
        let lines = JSONLines()
        var bytes: [UInt8] = []
        for entry in entries {
            entry.write(to: lines)
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
        let all = entries(0..<(TraceDigest.batchSize * 9 + 37))
        let digest = TraceDigest(keep: true, threaded: threaded)
        var batch: [TraceEntry] = []
        for entry in all {
            batch.append(entry)
            if batch.count == TraceDigest.batchSize { batch = digest.submit(batch) }
            #expect(batch.count < TraceDigest.batchSize)
        }
        let (hash, kept) = digest.finish(&batch)
        #expect(batch.isEmpty)
        let expected = inline(all)
        #expect(kept.count == expected.count)
        #expect(kept.elementsEqual(expected), "the kept bytes differ from the bytes written in place")
        #expect(Array(hash).hexString == hex(expected))
    }

    /// The hash can be taken mid-run: it covers everything so far, and lines added after it go
    /// on from there.
    @Test func aHashMidwayCoversWhatCameBeforeAndTheTraceGoesOn() {
        let first = entries(0..<(TraceDigest.batchSize * 3 + 5)), second = entries(5_000..<(5_000 + TraceDigest.batchSize * 2))
        let digest = TraceDigest(keep: false)
        var batch: [TraceEntry] = []
        func add(_ entries: [TraceEntry]) {
            for entry in entries {
                batch.append(entry)
                if batch.count == TraceDigest.batchSize { batch = digest.submit(batch) }
            }
        }
        add(first)
        let midway = digest.finish(&batch)
        #expect(midway.kept.isEmpty)
        #expect(Array(midway.digest).hexString == hex(inline(first)))
        add(second)
        #expect(Array(digest.finish(&batch).digest).hexString == hex(inline(first + second)))
    }
}
