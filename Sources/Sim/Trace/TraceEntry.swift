import Core

/// A string as a trace entry holds it, in plain bits, so that entries are made, copied, handed
/// over and dropped without reference counting, on the simulator thread that notes them and on
/// the writer's that reads them: a small ASCII string's bytes in its two words (nearly every
/// name and id of a run; see ``SmallASCII``), or the index of any other string in its batch's
/// texts (a fault's detail, an error, an assignment).
struct TraceText: BitwiseCopyable, Sendable {
    /// Bytes 0 to 7, or the index.
    private let low: UInt64
    /// Bytes 8 to 14, and in the top byte the count, or ``apart``.
    private let high: UInt64
    private static let apart: UInt64 = 0xFF

    /// `string`, as its bytes when it is a small ASCII string, or as its index in `texts`, where
    /// it is appended.
    @inline(__always)
    init(_ string: String, texts: inout [String]) {
        if let small = SmallASCII(string) {
            low = small.low
            high = small.high | UInt64(small.count) << 56
        } else {
            low = UInt64(texts.count)
            high = Self.apart << 56
            texts.append(string)
        }
    }

    /// The bytes, when the string is small.
    @inline(__always)
    var small: SmallASCII? {
        guard high >> 56 != Self.apart else { return nil }
        var small = SmallASCII()
        small.low = low
        small.high = high & 0x00FF_FFFF_FFFF_FFFF
        small.count = Int(high >> 56)
        return small
    }

    /// Writes the string as a part of a text field (see `JSONLines.beginText`).
    @inline(__always)
    func writePart(to out: JSONLines, texts: UnsafeBufferPointer<String>) {
        if let small {
            out.text(small)
        } else {
            out.text(texts[Int(low)])
        }
    }

    /// Writes the field `name` with this string; `id` for an id, which never needs escaping.
    @inline(__always)
    func write(_ name: StaticString, to out: JSONLines, texts: UnsafeBufferPointer<String>, id: Bool = false) {
        if let small {
            out.field(name, small, checked: !id)
        } else {
            out.field(name, texts[Int(low)])
        }
    }
}

/// What a provider call did, or how a client's placement ended, in plain bits (see
/// ``TraceText``), written out as text on the writer's thread.
enum TraceDetail: BitwiseCopyable, Sendable {
    /// A charge: who, how much, approved or declined, and the charge id or the reason.
    case charge(customer: TraceText, minorUnits: Int64, approved: Bool, TraceText)
    /// A refund: who got how much back.
    case refund(customer: TraceText, minorUnits: Int64)
    /// A fixed note ("reserved", "after charge", …).
    case note(StaticString)
    /// Text made by the provider (a tracking id).
    case text(TraceText)
    case accepted(order: TraceText)
    case duplicate(order: TraceText)
    case refused(code: TraceText)

    /// Writes the field `name` with the detail as the trace shows it (`c1 500 approved ch-1`,
    /// `accepted o1`), made of its parts where it goes.
    func write(_ name: StaticString, to out: JSONLines, texts: UnsafeBufferPointer<String>) {
        func parts(_ write: () -> Void) {
            out.beginText(name)
            write()
            out.endText()
        }
        switch self {
        case let .note(note): out.field(name, note)
        case let .text(text): text.write(name, to: out, texts: texts)
        case let .charge(customer, minorUnits, approved, text):
            parts {
                customer.writePart(to: out, texts: texts)
                out.text(" ")
                out.text(minorUnits)
                out.text(approved ? " approved " : " declined ")
                text.writePart(to: out, texts: texts)
            }
        case let .refund(customer, minorUnits):
            parts {
                customer.writePart(to: out, texts: texts)
                out.text(" ")
                out.text(minorUnits)
            }
        case let .accepted(order):
            parts {
                out.text("accepted ")
                order.writePart(to: out, texts: texts)
            }
        case let .duplicate(order):
            parts {
                out.text("duplicate ")
                order.writePart(to: out, texts: texts)
            }
        case let .refused(code):
            parts {
                out.text("refused ")
                code.writePart(to: out, texts: texts)
            }
        }
    }
}

/// One line of the trace, as the simulator noted it: the values only, written out as JSON later
/// (see ``TraceDigest``). `at` is the line's virtual time in milliseconds. Plain bits: its
/// strings are ``TraceText``s, read against the texts of the batch it is in.
enum TraceEntry: BitwiseCopyable, Sendable {
    case append(at: Int64, stream: TraceText, version: Int64, position: Int64, type: EventType, event: TraceText)
    case publish(at: Int64, topic: TraceText, partition: Int, offset: Int64, position: Int64)
    case deliver(at: Int64, group: TraceText, member: TraceText, partition: Int, offset: Int64, stream: TraceText, version: Int64)
    case commit(at: Int64, group: TraceText, member: TraceText, partition: Int, offset: Int64)
    case rebalance(at: Int64, group: TraceText, generation: Int, assignment: TraceText)
    case gaveUp(at: Int64, member: TraceText, stream: TraceText, version: Int64, error: TraceText)
    case provider(at: Int64, call: StaticString, key: TraceText, detail: TraceDetail)
    case client(at: Int64, order: TraceText, outcome: TraceDetail)
    /// A line of two text fields (a fault, an injection, a lost message).
    case pair(at: Int64, kind: StaticString, first: StaticString, TraceText, second: StaticString, TraceText)

    /// Writes the line, fields in their canonical order; `texts` are its batch's.
    func write(to out: JSONLines, texts: UnsafeBufferPointer<String>) {
        switch self {
        case let .append(at, stream, version, position, type, event):
            out.begin(at: at, kind: "append")
            stream.write("stream", to: out, texts: texts, id: true)
            out.field("version", version)
            out.field("position", position)
            out.field("type", type.rawValue)
            event.write("event", to: out, texts: texts, id: true)
        case let .publish(at, topic, partition, offset, position):
            out.begin(at: at, kind: "publish")
            topic.write("topic", to: out, texts: texts)
            out.field("partition", partition)
            out.field("offset", offset)
            out.field("position", position)
        case let .deliver(at, group, member, partition, offset, stream, version):
            out.begin(at: at, kind: "deliver")
            group.write("group", to: out, texts: texts)
            member.write("member", to: out, texts: texts)
            out.field("partition", partition)
            out.field("offset", offset)
            stream.write("stream", to: out, texts: texts, id: true)
            out.field("version", version)
        case let .commit(at, group, member, partition, offset):
            out.begin(at: at, kind: "commit")
            group.write("group", to: out, texts: texts)
            member.write("member", to: out, texts: texts)
            out.field("partition", partition)
            out.field("offset", offset)
        case let .rebalance(at, group, generation, assignment):
            out.begin(at: at, kind: "rebalance")
            group.write("group", to: out, texts: texts)
            out.field("generation", generation)
            assignment.write("assignment", to: out, texts: texts)
        case let .gaveUp(at, member, stream, version, error):
            out.begin(at: at, kind: "gave-up")
            member.write("member", to: out, texts: texts)
            stream.write("stream", to: out, texts: texts, id: true)
            out.field("version", version)
            error.write("error", to: out, texts: texts)
        case let .provider(at, call, key, detail):
            out.begin(at: at, kind: "provider")
            out.field("call", call)
            key.write("key", to: out, texts: texts)
            detail.write("detail", to: out, texts: texts)
        case let .client(at, order, outcome):
            out.begin(at: at, kind: "client")
            order.write("order", to: out, texts: texts)
            outcome.write("outcome", to: out, texts: texts)
        case let .pair(at, kind, firstName, first, secondName, second):
            out.begin(at: at, kind: kind)
            first.write(firstName, to: out, texts: texts)
            second.write(secondName, to: out, texts: texts)
        }
        out.end()
    }
}

/// The entries noted since the last hand-over, and the strings they hold apart.
struct TraceBatch: Sendable {
    var entries: [TraceEntry] = []
    var texts: [String] = []

    var count: Int { entries.count }

    /// `string` as an entry of this batch holds it.
    @inline(__always)
    mutating func text(_ string: String) -> TraceText {
        TraceText(string, texts: &texts)
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
    }

    /// Writes every entry to `out`, calling `full` whenever `out` holds 64 KiB or more.
    func write(to out: JSONLines, full: () -> Void) {
        texts.withUnsafeBufferPointer { texts in
            // Read where they are: plain bits, but an entry is large enough that a copy costs.
            entries.withUnsafeBufferPointer { entries in
                for i in entries.indices {
                    entries[i].write(to: out, texts: texts)
                    if out.count >= 1 << 16 { full() }
                }
            }
        }
    }
}
