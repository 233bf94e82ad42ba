public import Core
public import InMemory
public import Actors

/// The canonical trace of a run: one JSON line per append, publication, delivery, commit,
/// rebalance, provider side effect, fault and client call, in the order they happened, each
/// stamped with virtual time. Its SHA-256 (of exactly the bytes of the JSON-lines file) is the
/// run's trace hash. Nothing in it depends on the wall clock.
///
/// What a run does with its trace.
public enum TraceMode: Sendable {
    /// Count lines and activity only: no JSON, no hash (the hash reads as empty).
    case off
    /// Hash the lines.
    case hash
    /// Hash the lines and keep them (for `--trace`).
    case keep
}

/// Only ever touched on the simulator thread.
///
/// The recorder notes each line as a ``TraceEntry`` and hands them over in batches to a
/// ``TraceDigest``, which writes the JSON and hashes it on a thread of its own: the same bytes in
/// the same order, while the simulator goes on with the run.
public final class TraceRecorder: EventStoreObserver, EventBusObserver, ConsumerObserver, ProviderObserver,
    @unchecked Sendable
{
    private let runtime: SimRuntime
    // Written for every line from the one simulator thread: no runtime exclusivity checks.
    @exclusivity(unchecked) private var batch: [TraceEntry] = []
    /// Nil when the trace is off: a run that writes no line needs no writer or buffer.
    private let digest: TraceDigest?
    @exclusivity(unchecked) public private(set) var lineCount = 0
    /// Virtual time of the last line: when the system last did something.
    @exclusivity(unchecked) public private(set) var lastActivity: Timestamp = .zero
    @exclusivity(unchecked) public private(set) var eventsAppended = 0
    @exclusivity(unchecked) public private(set) var deliveries = 0
    /// Faults injected and messages lost so far.
    public private(set) var faultsInjected = 0
    /// Everything the checkers watch; the recorder forwards each fact to them.
    let observers: [any SimFactObserver]

    init(runtime: SimRuntime, mode: TraceMode, observers: [any SimFactObserver]) {
        self.runtime = runtime
        self.observers = observers
        digest = mode == .off ? nil : TraceDigest(keep: mode == .keep)
        if digest != nil { batch.reserveCapacity(TraceDigest.batchSize) }
    }

    /// Notes a line; `entry` is only made when the trace is on.
    @inline(__always)
    private func line(_ entry: (Int64) -> TraceEntry) {
        lineCount += 1
        lastActivity = runtime.now
        // Compared with nil rather than bound: binding would retain and release the digest
        // (two atomic operations) on every line.
        if digest == nil { return }
        batch.append(entry(runtime.now.millis))
        if batch.count >= TraceDigest.batchSize { batch = digest!.submit(batch) }
    }

    /// The trace as JSON lines, when kept.
    public var text: [UInt8] {
        digest?.finish(&batch).kept ?? []
    }

    /// The hex SHA-256 of the trace so far (empty when the trace is off).
    public func hash() -> String {
        guard let digest else { return "" }
        return Array(digest.finish(&batch).digest).hexString
    }

    // MARK: Store and bus

    public func appended(_ events: ArraySlice<RecordedEvent>, stream: Int) {
        for i in events.indices {
            eventsAppended += 1
            line { .append(at: $0, stream: events[i].streamID, version: events[i].streamVersion,
                           position: events[i].globalPosition, type: events[i].type, event: events[i].eventID) }
        }
        for i in observers.indices { observers[i].appended(events, stream: stream, at: runtime.now) }
    }

    public func published(_ record: BusRecord, partition: Int, offset: Int64) {
        line { .publish(at: $0, topic: record.topic, partition: partition, offset: offset, position: record.event.globalPosition) }
        for i in observers.indices { observers[i].published(record.event) }
    }

    public func delivered(_ batch: [Delivery], group: String, member: String) {
        for i in batch.indices {
            deliveries += 1
            line { .deliver(at: $0, group: group, member: member, partition: batch[i].partition, offset: batch[i].offset,
                            stream: batch[i].event.streamID, version: batch[i].event.streamVersion) }
        }
    }

    public func committed(group: String, member: String, topic: String, partition: Int, offset: Int64) {
        line { .commit(at: $0, group: group, member: member, partition: partition, offset: offset) }
    }

    public func rebalanced(group: String, generation: Int, assignment: [(member: String, partitions: [Int])]) {
        line {
            .rebalance(at: $0, group: group, generation: generation,
                       assignment: assignment.map { "\($0.member)=\($0.partitions.map(String.init).joined(separator: "+"))" }
                           .joined(separator: " "))
        }
    }

    public func handlerGaveUp(_ delivery: Delivery, member: String, error: any Error) {
        line { .gaveUp(at: $0, member: member, stream: delivery.event.streamID, version: delivery.event.streamVersion, error: "\(error)") }
    }

    public func providerCall(_ kind: StaticString, key: String, effect: ProviderEffect) {
        line { .provider(at: $0, call: kind, key: key, effect: effect) }
    }

    // MARK: World

    func fault(_ what: String, node: String) {
        faultsInjected += 1
        line { .pair(at: $0, kind: "fault", ("fault", what), ("node", node)) }
    }

    func client(_ alias: String, outcome: ClientOutcome) {
        line { .client(at: $0, order: alias, outcome: outcome) }
    }

    func injected(_ what: String, detail: String) {
        faultsInjected += 1
        line { .pair(at: $0, kind: "inject", ("fault", what), ("detail", detail)) }
    }

    func lost(_ what: String, caller: String) {
        faultsInjected += 1
        line { .pair(at: $0, kind: "lost", ("message", what), ("caller", caller)) }
    }
}

/// How a client's placement ended, as values (written out as text on the trace's thread).
enum ClientOutcome: Sendable {
    case accepted(OrderID)
    case duplicate(OrderID)
    case refused(CausewayError.Code)

    var description: String {
        switch self {
        case .accepted(let order): "accepted \(order)"
        case .duplicate(let order): "duplicate \(order)"
        case .refused(let code): "refused \(code)"
        }
    }
}

/// One line of the trace, as the simulator noted it: the values only, written out as JSON later
/// (see ``TraceDigest``). `at` is the line's virtual time in milliseconds.
enum TraceEntry: Sendable {
    case append(at: Int64, stream: StreamID, version: Int64, position: Int64, type: EventType, event: EventID)
    case publish(at: Int64, topic: String, partition: Int, offset: Int64, position: Int64)
    case deliver(at: Int64, group: String, member: String, partition: Int, offset: Int64, stream: StreamID, version: Int64)
    case commit(at: Int64, group: String, member: String, partition: Int, offset: Int64)
    case rebalance(at: Int64, group: String, generation: Int, assignment: String)
    case gaveUp(at: Int64, member: String, stream: StreamID, version: Int64, error: String)
    case provider(at: Int64, call: StaticString, key: String, effect: ProviderEffect)
    case client(at: Int64, order: String, outcome: ClientOutcome)
    /// A line of two text fields (a fault, an injection, a lost message).
    case pair(at: Int64, kind: StaticString, (name: StaticString, value: String), (name: StaticString, value: String))

    /// Writes the line, fields in their canonical order.
    func write(to out: JSONLines) {
        switch self {
        case let .append(at, stream, version, position, type, event):
            out.begin(at: at, kind: "append")
            out.field("stream", id: stream)
            out.field("version", version)
            out.field("position", position)
            out.field("type", type.rawValue)
            out.field("event", id: event)
        case let .publish(at, topic, partition, offset, position):
            out.begin(at: at, kind: "publish")
            out.field("topic", topic)
            out.field("partition", partition)
            out.field("offset", offset)
            out.field("position", position)
        case let .deliver(at, group, member, partition, offset, stream, version):
            out.begin(at: at, kind: "deliver")
            out.field("group", group)
            out.field("member", member)
            out.field("partition", partition)
            out.field("offset", offset)
            out.field("stream", id: stream)
            out.field("version", version)
        case let .commit(at, group, member, partition, offset):
            out.begin(at: at, kind: "commit")
            out.field("group", group)
            out.field("member", member)
            out.field("partition", partition)
            out.field("offset", offset)
        case let .rebalance(at, group, generation, assignment):
            out.begin(at: at, kind: "rebalance")
            out.field("group", group)
            out.field("generation", generation)
            out.field("assignment", assignment)
        case let .gaveUp(at, member, stream, version, error):
            out.begin(at: at, kind: "gave-up")
            out.field("member", member)
            out.field("stream", id: stream)
            out.field("version", version)
            out.field("error", error)
        case let .provider(at, call, key, effect):
            out.begin(at: at, kind: "provider")
            out.field("call", call)
            out.field("key", key)
            out.field("detail", effect.description)
        case let .client(at, order, outcome):
            out.begin(at: at, kind: "client")
            out.field("order", order)
            out.field("outcome", outcome.description)
        case let .pair(at, kind, first, second):
            out.begin(at: at, kind: kind)
            out.field(first.name, first.value)
            out.field(second.name, second.value)
        }
        out.end()
    }
}

/// Receives the facts of a run as they happen (the checkers and the scenario's bookkeeping).
protocol SimFactObserver: AnyObject {
    /// `stream` is the store's number of the events' stream (see `EventStoreObserver`).
    func appended(_ events: ArraySlice<RecordedEvent>, stream: Int, at: Timestamp)
    func published(_ event: RecordedEvent)
}
