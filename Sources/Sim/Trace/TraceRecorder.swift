public import Core
public import InMemory

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
public final class TraceRecorder: EventStoreObserver, EventBusObserver, ProviderObserver,
    @unchecked Sendable
{
    private let runtime: SimRuntime
    // Written for every line from the one simulator thread: no runtime exclusivity checks.
    @exclusivity(unchecked) private var batch = TraceBatch()
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
        if digest != nil { batch.entries.reserveCapacity(TraceDigest.batchSize) }
    }

    /// Notes a line; `entry` is only made when the trace is on, its strings kept by the batch.
    @inline(__always)
    private func line(_ entry: (Int64, inout TraceBatch) -> TraceEntry) {
        lineCount += 1
        lastActivity = runtime.now
        // Compared with nil rather than bound: binding would retain and release the digest
        // (two atomic operations) on every line.
        if digest == nil { return }
        let made = entry(runtime.now.millis, &batch)
        batch.entries.append(made)
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
            line { at, b in
                .append(at: at, stream: b.text(events[i].streamID.rawValue), version: events[i].streamVersion,
                        position: events[i].globalPosition, type: events[i].type, event: b.text(events[i].eventID.rawValue))
            }
        }
        for i in observers.indices { observers[i].appended(events, stream: stream, at: runtime.now) }
    }

    public func published(_ record: BusRecord, partition: Int, offset: Int64) {
        line { at, b in
            .publish(at: at, topic: b.text(record.topic), partition: partition, offset: offset, position: record.event.globalPosition)
        }
        for i in observers.indices { observers[i].published(record.event) }
    }

    public func delivered(_ batch: [Delivery], group: String, member: String) {
        for i in batch.indices {
            deliveries += 1
            line { at, b in
                .deliver(at: at, group: b.text(group), member: b.text(member), partition: batch[i].partition,
                         offset: batch[i].offset, stream: b.text(batch[i].event.streamID.rawValue),
                         version: batch[i].event.streamVersion)
            }
        }
    }

    public func committed(group: String, member: String, topic: String, partition: Int, offset: Int64) {
        line { at, b in .commit(at: at, group: b.text(group), member: b.text(member), partition: partition, offset: offset) }
    }

    public func rebalanced(group: String, generation: Int, assignment: [(member: String, partitions: [Int])]) {
        line { at, b in
            .rebalance(at: at, group: b.text(group), generation: generation,
                       assignment: b.text(assignment.map { "\($0.member)=\($0.partitions.map(String.init).joined(separator: "+"))" }
                           .joined(separator: " ")))
        }
    }

    /// A consumer loop gave up on a delivery (``ConsumptionLedger/Observer`` passes it on).
    public func handlerGaveUp(_ delivery: Delivery, member: String, error: any Error) {
        line { at, b in
            .gaveUp(at: at, member: b.text(member), stream: b.text(delivery.event.streamID.rawValue),
                    version: delivery.event.streamVersion, error: b.text("\(error)"))
        }
    }

    public func providerCall(_ kind: StaticString, key: String, effect: ProviderEffect) {
        line { at, b in .provider(at: at, call: kind, key: b.text(key), detail: effect.detail(&b)) }
    }

    // MARK: World

    func fault(_ what: String, node: String) {
        faultsInjected += 1
        line { at, b in .pair(at: at, kind: "fault", first: "fault", b.text(what), second: "node", b.text(node)) }
    }

    func client(_ alias: String, outcome: ClientOutcome) {
        line { at, b in .client(at: at, order: b.text(alias), outcome: outcome.detail(&b)) }
    }

    func injected(_ what: String, detail: String) {
        faultsInjected += 1
        line { at, b in .pair(at: at, kind: "inject", first: "fault", b.text(what), second: "detail", b.text(detail)) }
    }

    func lost(_ what: String, caller: String) {
        faultsInjected += 1
        line { at, b in .pair(at: at, kind: "lost", first: "message", b.text(what), second: "caller", b.text(caller)) }
    }
}

/// How a client's placement ended, as values (written out as text on the trace's thread).
enum ClientOutcome: Sendable {
    case accepted(OrderID)
    case duplicate(OrderID)
    case refused(CausewayError.Code)

    /// The outcome as an entry of `batch` holds it.
    func detail(_ batch: inout TraceBatch) -> TraceDetail {
        switch self {
        case .accepted(let order): .accepted(order: batch.text(order.rawValue))
        case .duplicate(let order): .duplicate(order: batch.text(order.rawValue))
        case .refused(let code): .refused(code: batch.text("\(code)"))
        }
    }
}

extension ProviderEffect {
    /// The effect as an entry of `batch` holds it.
    func detail(_ batch: inout TraceBatch) -> TraceDetail {
        switch self {
        case let .charge(customer, minorUnits, .approved(chargeID)):
            .charge(customer: batch.text(customer.rawValue), minorUnits: minorUnits, approved: true, batch.text(chargeID))
        case let .charge(customer, minorUnits, .declined(reason)):
            .charge(customer: batch.text(customer.rawValue), minorUnits: minorUnits, approved: false, batch.text(reason))
        case let .refund(customer, minorUnits): .refund(customer: batch.text(customer.rawValue), minorUnits: minorUnits)
        case let .note(note): .note(note)
        case let .text(text): .text(batch.text(text))
        }
    }
}

/// Receives the facts of a run as they happen (the checkers and the scenario's bookkeeping).
protocol SimFactObserver: AnyObject {
    /// `stream` is the store's number of the events' stream (see `EventStoreObserver`).
    func appended(_ events: ArraySlice<RecordedEvent>, stream: Int, at: Timestamp)
    func published(_ event: RecordedEvent)
}
