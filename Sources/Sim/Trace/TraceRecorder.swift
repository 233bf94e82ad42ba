public import Core
public import InMemory
import Crypto
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
public final class TraceRecorder: EventStoreObserver, EventBusObserver, ConsumerObserver, ProviderObserver,
    @unchecked Sendable
{
    private let runtime: SimRuntime
    // Written for every line from the one simulator thread: no runtime exclusivity checks.
    @exclusivity(unchecked) private var hasher = SHA256()
    private let mode: TraceMode
    private var kept: [UInt8] = []
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
        self.mode = mode
        self.observers = observers
    }

    /// Lines not yet fed to the hash (hashed in large chunks: the same bytes, the same digest).
    private let pending = JSONLines()

    private func line(_ kind: StaticString, _ fill: (JSONLines) -> Void) {
        lineCount += 1
        lastActivity = runtime.now
        if mode == .off { return }
        pending.begin(at: runtime.now.millis, kind: kind)
        fill(pending)
        pending.end()
        if pending.count >= 1 << 16 { flush() }
    }

    private func flush() {
        pending.drain { bytes in
            hasher.update(bufferPointer: bytes)
            if mode == .keep { kept.append(contentsOf: bytes) }
        }
    }

    /// The trace as JSON lines, when kept.
    public var text: [UInt8] {
        flush()
        return kept
    }

    /// The hex SHA-256 of the trace so far (empty when the trace is off).
    public func hash() -> String {
        if mode == .off { return "" }
        flush()
        return Array(hasher.finalize()).hexString
    }

    // MARK: Store and bus

    public func appended(_ events: [RecordedEvent]) {
        for e in events {
            eventsAppended += 1
            line("append") {
                $0.field("stream", id: e.streamID)
                $0.field("version", e.streamVersion)
                $0.field("position", e.globalPosition)
                $0.field("type", e.type.rawValue)
                $0.field("event", id: e.eventID)
            }
        }
        for o in observers { o.appended(events, at: runtime.now) }
    }

    public func published(_ record: BusRecord, partition: Int, offset: Int64) {
        line("publish") {
            $0.field("topic", record.topic)
            $0.field("partition", partition)
            $0.field("offset", offset)
            $0.field("position", record.event.globalPosition)
        }
        for o in observers { o.published(record.event) }
    }

    public func delivered(_ delivery: Delivery, group: String, member: String) {
        deliveries += 1
        line("deliver") {
            $0.field("group", group)
            $0.field("member", member)
            $0.field("partition", delivery.partition)
            $0.field("offset", delivery.offset)
            $0.field("stream", id: delivery.event.streamID)
            $0.field("version", delivery.event.streamVersion)
        }
    }

    public func committed(group: String, member: String, topic: String, partition: Int, offset: Int64) {
        line("commit") {
            $0.field("group", group)
            $0.field("member", member)
            $0.field("partition", partition)
            $0.field("offset", offset)
        }
    }

    public func rebalanced(group: String, generation: Int, assignment: [(member: String, partitions: [Int])]) {
        line("rebalance") {
            $0.field("group", group)
            $0.field("generation", generation)
            $0.field("assignment", assignment.map { "\($0.member)=\($0.partitions.map(String.init).joined(separator: "+"))" }
                .joined(separator: " "))
        }
    }

    public func handlerGaveUp(_ delivery: Delivery, member: String, error: any Error) {
        line("gave-up") {
            $0.field("member", member)
            $0.field("stream", id: delivery.event.streamID)
            $0.field("version", delivery.event.streamVersion)
            $0.field("error", "\(error)")
        }
    }

    public func providerCall(_ kind: String, key: String, detail: String) {
        line("provider") {
            $0.field("call", kind)
            $0.field("key", key)
            $0.field("detail", detail)
        }
    }

    // MARK: World

    func fault(_ what: String, node: String) {
        faultsInjected += 1
        line("fault") {
            $0.field("fault", what)
            $0.field("node", node)
        }
    }

    func client(_ alias: String, outcome: String) {
        line("client") {
            $0.field("order", alias)
            $0.field("outcome", outcome)
        }
    }

    func injected(_ what: String, detail: String) {
        faultsInjected += 1
        line("inject") {
            $0.field("fault", what)
            $0.field("detail", detail)
        }
    }

    func lost(_ what: String, caller: String) {
        faultsInjected += 1
        line("lost") {
            $0.field("message", what)
            $0.field("caller", caller)
        }
    }
}

/// Receives the facts of a run as they happen (the checkers and the scenario's bookkeeping).
protocol SimFactObserver: AnyObject {
    func appended(_ events: [RecordedEvent], at: Timestamp)
    func published(_ event: RecordedEvent)
}
