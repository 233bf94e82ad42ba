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
public final class TraceRecorder: EventStoreObserver, EventBusObserver, ConsumerObserver, ProviderObserver,
    @unchecked Sendable
{
    private let runtime: SimRuntime
    private let mode: TraceMode
    /// Writes and hashes the lines (on a helper thread once the trace is long).
    private let writer: TraceWriter
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
        writer = TraceWriter(keep: mode == .keep)
    }

    /// Counts a line; returns its time in milliseconds, or nil when the trace is off.
    @inline(__always) private func stamp() -> Int64? {
        lineCount += 1
        lastActivity = runtime.now
        return mode == .off ? nil : lastActivity.millis
    }

    private func line(_ kind: StaticString, _ fields: [(StaticString, TraceValue)]) {
        if let at = stamp() { writer.add(.fields(at: at, kind: kind, fields)) }
    }

    /// The trace as JSON lines, when kept.
    public var text: [UInt8] { writer.keptBytes }

    /// The hex SHA-256 of the trace so far (empty when the trace is off).
    public func hash() -> String {
        mode == .off ? "" : writer.hexDigest()
    }

    // MARK: Store and bus

    public func appended(_ events: [RecordedEvent]) {
        for e in events {
            eventsAppended += 1
            if let at = stamp() {
                writer.add(.append(at: at, stream: e.streamID.rawValue, version: e.streamVersion, position: e.globalPosition,
                                   type: e.type, event: e.eventID.rawValue))
            }
        }
        for o in observers { o.appended(events, at: runtime.now) }
    }

    public func published(_ record: BusRecord, partition: Int, offset: Int64) {
        if let at = stamp() {
            writer.add(.publish(at: at, topic: record.topic, partition: partition, offset: offset,
                                position: record.event.globalPosition))
        }
        for o in observers { o.published(record.event) }
    }

    public func delivered(_ delivery: Delivery, group: String, member: String) {
        deliveries += 1
        if let at = stamp() {
            writer.add(.deliver(at: at, group: group, member: member, partition: delivery.partition, offset: delivery.offset,
                                stream: delivery.event.streamID.rawValue, version: delivery.event.streamVersion))
        }
    }

    public func committed(group: String, member: String, topic: String, partition: Int, offset: Int64) {
        if let at = stamp() {
            writer.add(.commit(at: at, group: group, member: member, partition: partition, offset: offset))
        }
    }

    public func rebalanced(group: String, generation: Int, assignment: [(member: String, partitions: [Int])]) {
        line("rebalance", [
            ("group", .string(group)),
            ("generation", .int(Int64(generation))),
            ("assignment", .string(assignment.map { "\($0.member)=\($0.partitions.map(String.init).joined(separator: "+"))" }
                .joined(separator: " "))),
        ])
    }

    public func handlerGaveUp(_ delivery: Delivery, member: String, error: any Error) {
        line("gave-up", [
            ("member", .string(member)),
            ("stream", .string(delivery.event.streamID.rawValue)),
            ("version", .int(delivery.event.streamVersion)),
            ("error", .string("\(error)")),
        ])
    }

    public func providerCall(_ kind: String, key: String, detail: String) {
        if let at = stamp() { writer.add(.provider(at: at, call: kind, key: key, detail: detail)) }
    }

    // MARK: World

    func fault(_ what: String, node: String) {
        faultsInjected += 1
        line("fault", [("fault", .string(what)), ("node", .string(node))])
    }

    func client(_ alias: String, outcome: String) {
        if let at = stamp() { writer.add(.client(at: at, order: alias, outcome: outcome)) }
    }

    func injected(_ what: String, detail: String) {
        faultsInjected += 1
        line("inject", [("fault", .string(what)), ("detail", .string(detail))])
    }

    func lost(_ what: String, caller: String) {
        faultsInjected += 1
        line("lost", [("message", .string(what)), ("caller", .string(caller))])
    }
}

/// Receives the facts of a run as they happen (the checkers and the scenario's bookkeeping).
protocol SimFactObserver: AnyObject {
    func appended(_ events: [RecordedEvent], at: Timestamp)
    func published(_ event: RecordedEvent)
}
