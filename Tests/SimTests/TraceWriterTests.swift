import Core
import Crypto
@testable import Sim
import Testing

@Suite struct TraceWriterTests {
    /// Lines of every kind, with values that change from line to line (and one that needs escaping).
    private func line(_ i: Int) -> TraceLine {
        let n = Int64(i)
        switch i % 7 {
        case 0: return .append(at: n, stream: "order-o\(i)", version: n % 7, position: n, type: .approved, event: "e\(i)")
        case 1: return .publish(at: n, topic: "orders", partition: i % 4, offset: n, position: n)
        case 2: return .deliver(at: n, group: "payments", member: "payments#\(i % 3)", partition: i % 4, offset: n,
                                stream: "order-o\(i)", version: 2)
        case 3: return .commit(at: n, group: "shipping", member: "shipping#1", partition: i % 4, offset: -n)
        case 4: return .provider(at: n, call: "charge", key: "pay-\(i)", detail: "c0 \(i) approved")
        case 5: return .client(at: n, order: "o\(i)", outcome: "accepted \"x\"")
        default: return .fields(at: n, kind: "gave-up", [("key", .string("pay \"\(i)\"\n")), ("n", .int(n))])
        }
    }

    /// What writing the lines in order on one thread gives.
    private func inline(_ count: Int) -> [UInt8] {
        let out = JSONLines()
        var bytes: [UInt8] = []
        for i in 0..<count {
            line(i).write(to: out)
            out.drain { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    @Test(arguments: [0, 1, TraceWriter.batchSize - 1, TraceWriter.batchSize, TraceWriter.batchSize * TraceWriter.batches * 3 + 17])
    func writesAndHashesTheLinesInOrderWhetherOrNotTheHelperRuns(count: Int) {
        let expected = inline(count)
        let kept = TraceWriter(keep: true)
        let hashed = TraceWriter(keep: false)
        for i in 0..<count {
            kept.add(line(i))
            hashed.add(line(i))
        }
        #expect(kept.keptBytes == expected)
        let digest = Array(SHA256.hash(data: expected)).hexString
        #expect(kept.hexDigest() == digest)
        #expect(hashed.hexDigest() == digest)
        #expect(hashed.keptBytes.isEmpty)
    }

    @Test func linesAddedAfterAReadAreWrittenAfterTheEarlierOnes() {
        let total = TraceWriter.batchSize * 2 + 5
        let writer = TraceWriter(keep: true)
        for i in 0..<TraceWriter.batchSize + 3 { writer.add(line(i)) }
        _ = writer.keptBytes
        for i in TraceWriter.batchSize + 3..<total { writer.add(line(i)) }
        #expect(writer.keptBytes == inline(total))
    }

    @Test func theTraceLinesKeepTheirFieldsInTheirFixedOrder() {
        let out = JSONLines()
        TraceLine.deliver(at: 5, group: "g", member: "m#1", partition: 2, offset: 9, stream: "order-x", version: 3).write(to: out)
        var text = ""
        out.drain { text = String(decoding: $0, as: UTF8.self) }
        #expect(text == #"{"at":5,"kind":"deliver","group":"g","member":"m#1","partition":2,"offset":9,"stream":"order-x","version":3}"# + "\n")
    }
}
