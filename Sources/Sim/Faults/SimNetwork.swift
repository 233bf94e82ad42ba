public import Core
public import InMemory

/// The fault knobs shared by every fault-injecting part of one world (simulator thread only, so
/// without runtime exclusivity checks: every call and delivery reads them).
public final class FaultBox: @unchecked Sendable {
    @exclusivity(unchecked) public var state = FaultState()
    init() {}
}

/// Which nodes are up: the world writes it as nodes crash and restart, and every simulated call
/// reads it (simulator thread only: no runtime exclusivity checks, no closure, no retains).
final class NodeStatus: @unchecked Sendable {
    @exclusivity(unchecked) private var up = [Bool](repeating: false, count: ServiceName.allCases.count)

    subscript(_ name: ServiceName) -> Bool {
        get { up[name.ordinal] }
        set { up[name.ordinal] = newValue }
    }
}

/// The simulated network between services and the event store: every call is a request hop and a
/// reply hop with a seeded latency. The event-store node being down makes calls fail with
/// `unavailable`. A partitioned caller, a lost request or a lost reply makes the caller wait for
/// its timeout; a lost reply means the call took effect although the caller never hears so.
/// A refusal (a version conflict, a failed write) is a reply like any other: it takes the reply
/// hop and can be lost.
public final class SimNetwork: @unchecked Sendable {
    let clock: SimClock
    let random: SimRandom
    let faults: FaultBox
    /// One-way latency of a hop, in whole milliseconds as every simulated time is.
    public var latency: ClosedRange<Duration> {
        get { latencyMillis.durations }
        set { latencyMillis = newValue.wholeMilliseconds }
    }
    /// `latency` as it is drawn from: converted once, not at every hop.
    @exclusivity(unchecked) private var latencyMillis: ClosedRange<Int64> = 1...3
    /// How long a caller waits for a reply before it gives up with `timeout`.
    @exclusivity(unchecked) public var callTimeout: Duration = .seconds(1)
    /// Which nodes are up; the world keeps it current.
    let nodes: NodeStatus
    /// Records a lost message in the trace.
    var onLoss: (_ caller: String, _ what: String) -> Void = { _, _ in }
    /// Crashes a node (the crash-before-reply fault).
    var crash: (ServiceName) -> Void = { _ in }

    init(clock: SimClock, random: SimRandom, faults: FaultBox, nodes: NodeStatus) {
        self.clock = clock
        self.random = random
        self.faults = faults
        self.nodes = nodes
    }

    @inline(__always)  // an async function of its own costs a frame from the task's allocator
    private func hop() async throws {
        try await clock.sleep(forMillis: hopMillis())
    }

    /// A hop's latency, in whole milliseconds: a draw from `latency`, and any added by a fault.
    @inline(__always)
    func hopMillis() -> Int64 {
        let added = faults.state.networkLatency
        return random.millis(in: latencyMillis) + (added == .zero ? 0 : added.wholeMilliseconds)
    }

    private func timeout(_ server: ServiceName) async throws -> Never {
        try await clock.sleep(for: callTimeout)
        throw timedOut(server)
    }

    /// What a caller that heard nothing back from `server` gets.
    func timedOut(_ server: ServiceName) -> CausewayError {
        CausewayError(.timeout, "no reply from \(server.rawValue) within \(callTimeout)")
    }

    /// Carries one call from `node` (nil: a client outside the system) to `server` and back, its
    /// task sleeping through each hop: for work that is itself async (a client's request to the
    /// order service). A store call, whose work is done at once, goes by ``send(_:)`` instead.
    @inline(__always)
    func call<T>(from node: ServiceName?, to server: ServiceName, _ operation: () async throws -> T) async throws -> T {
        let caller = node?.rawValue ?? "client"
        if let node, !faults.state.partitioned.isEmpty, faults.state.partitioned.contains(node) {
            onLoss(caller, "partitioned")
            try await timeout(server)
        }
        try await hop()
        guard nodes[server] else {
            throw CausewayError(.unavailable, "\(server.rawValue) is not reachable from \(caller)")
        }
        if random.chance(faults.state.loseRequests) {
            onLoss(caller, "request")
            try await timeout(server)
        }
        let result: T
        do {
            result = try await operation()
        } catch let gaveUp as CallerGaveUp {
            throw gaveUp.error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            try await reply(to: node, caller: caller, from: server)
            throw error
        }
        try await reply(to: node, caller: caller, from: server)
        return result
    }

    /// Carries `call` to the event store and back, with the same faults and timings as
    /// ``call(from:to:_:)``, but the caller waits once: the request does the work where it arrives
    /// and sends the reply (see ``StoreCall``).
    @inline(__always)
    func send(_ call: StoreCall) async throws {
        if !faults.state.partitioned.isEmpty, faults.state.partitioned.contains(call.node) {
            onLoss(call.node.rawValue, "partitioned")
            try await timeout(.eventstore)
        }
        try await call.send(arrivingAt: Timestamp(millis: clock.runtime.now.millis + hopMillis()), on: clock.runtime)
    }

    /// The reply's way back: the caller may crash before it arrives, the reply may be lost (the
    /// caller then times out), or it arrives after a hop.
    @inline(__always)
    private func reply(to node: ServiceName?, caller: String, from server: ServiceName) async throws {
        if let node, !faults.state.crashBeforeReply.isEmpty, faults.state.crashBeforeReply.remove(node) != nil {
            crash(node)
            throw CancellationError()
        }
        if random.chance(faults.state.loseReplies) {
            onLoss(caller, "reply")
            try await timeout(server)
        }
        try await hop()
    }
}

/// One call from a service to the event store on its way (see ``SimNetwork/send(_:)``). When the
/// request arrives it does what the caller's task did after its request hop: the store being
/// down, a lost request, the store's own faults and the operation, a crash before the reply, a
/// lost reply. It resumes the caller when the reply, or its timeout, is due. A caller cancelled on
/// the way (its node crashed) is resumed at once, without the operation, as its task would have
/// thrown on waking.
///
/// The operation is an enum of the store's calls and the answer lands in a field of its kind,
/// rather than a generic closure and result: a call needs no type metadata made at run time, no
/// closure context, and no enum to wrap the answer in and take it out of again.
final class StoreCall: SimCall, @unchecked Sendable {
    enum Operation {
        case append([NewEvent], to: StreamID, expected: ExpectedVersion)
        case readStream(StreamID, from: Int64, direction: ReadDirection, limit: Int)
        case readAll(after: Int64, limit: Int)
        case subscribe(after: Int64)
    }

    let network: SimNetwork
    let store: InMemoryEventStore
    let node: ServiceName
    let caller: WaitingTask
    /// Taken when the request arrives (it holds the events of an append).
    @exclusivity(unchecked) private var operation: Operation?
    /// The answer, in the field of the operation's kind (plain fields: no enum to wrap and unwrap).
    @exclusivity(unchecked) private(set) var appended =
        AppendResult(lastVersion: 0, firstPosition: 0, lastPosition: 0, wasDuplicate: false)
    @exclusivity(unchecked) private(set) var events: [RecordedEvent] = []
    @exclusivity(unchecked) private(set) var subscription: (any EventSubscription)?

    init(_ operation: Operation, to store: InMemoryEventStore, over network: SimNetwork, from node: ServiceName) {
        self.operation = operation
        self.store = store
        self.network = network
        self.node = node
        caller = .current
    }

    override func arrive() {
        let runtime = network.clock.runtime
        if let replyAt = serve() { answer(at: replyAt, on: runtime) } else { answerNow(on: runtime) }
    }

    /// Does what the request does where it arrives. Returns when the answer is due: nil for at
    /// once (the caller's task would have thrown where the request arrived), so it is woken now
    /// rather than by a timer.
    private func serve() -> Timestamp? {
        let network = self.network, runtime = network.clock.runtime, faults = network.faults
        let operation = self.operation.take()!
        // A lost message: the caller hears nothing and gives up at its timeout.
        func lose(_ message: String) -> Timestamp {
            network.onLoss(node.rawValue, message)
            failure = network.timedOut(.eventstore)
            return runtime.now + network.callTimeout
        }
        if caller.isCancelled { return nil }
        guard network.nodes[.eventstore] else {
            failure = CausewayError(.unavailable, "eventstore is not reachable from \(node.rawValue)")
            return nil
        }
        if network.random.chance(faults.state.loseRequests) { return lose("request") }
        do {
            try perform(operation)
        } catch let gaveUp as CallerGaveUp {
            failure = gaveUp.error
            return runtime.now + network.callTimeout
        } catch {
            failure = error
        }
        if !faults.state.crashBeforeReply.isEmpty, faults.state.crashBeforeReply.remove(node) != nil {
            network.crash(node)
            failure = CancellationError()
            return nil
        }
        if network.random.chance(faults.state.loseReplies) { return lose("reply") }
        return Timestamp(millis: runtime.now.millis + network.hopMillis())
    }

    /// The store's side of the call, with its own faults: failed writes (nothing written),
    /// timed-out writes (written or not; the caller hears nothing), failed reads.
    private func perform(_ operation: consuming Operation) throws {
        let random = network.random, faults = network.faults
        switch consume operation {
        case .append(let new, let stream, let expected):
            if random.chance(faults.state.failWrites) {
                throw CausewayError(.unavailable, "the event store failed the write")
            }
            if random.chance(faults.state.timeoutWrites) {
                if random.chance(0.5) { _ = try store.appendSync(new, to: stream, expected: expected) }
                throw CallerGaveUp(error: CausewayError(.timeout, "the event store's write timed out"))
            }
            appended = try store.appendSync(new, to: stream, expected: expected)
        case .readStream(let stream, let version, let direction, let limit):
            try failRead()
            events = try store.readStreamSync(stream, from: version, direction: direction, limit: limit)
        case .readAll(let position, let limit):
            try failRead()
            events = try store.readAllSync(after: position, limit: limit)
        case .subscribe(let position):
            try failRead()
            subscription = store.subscribeSync(after: position)
        }
    }

    private func failRead() throws {
        if network.random.chance(network.faults.state.failReads) {
            throw CausewayError(.unavailable, "the event store failed the read")
        }
    }

    override func abandon() {
        operation = nil
        failure = CancellationError()
        answerNow(on: network.clock.runtime)
    }
}

/// Thrown by a call's operation when no reply will come and the caller gives up at its own
/// timeout (a write the store timed out on): the caller gets `error` without a reply hop.
struct CallerGaveUp: Error {
    let error: CausewayError
}

/// A service's connection to the event store over the simulated network, with the store's own
/// faults: failed writes (nothing written), timed-out writes (written or not), failed reads.
public struct SimStoreClient: EventStore {
    let store: InMemoryEventStore
    let network: SimNetwork
    let caller: ServiceName

    @inline(__always)
    private func send(_ operation: StoreCall.Operation) async throws -> StoreCall {
        let call = StoreCall(operation, to: store, over: network, from: caller)
        try await network.send(call)
        return call
    }

    @inline(__always)
    public func append(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) async throws -> AppendResult {
        try await send(.append(events, to: stream, expected: expected)).appended
    }

    @inline(__always)
    public func readStream(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]
    {
        try await send(.readStream(stream, from: version, direction: direction, limit: limit)).events
    }

    public func readAll(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await send(.readAll(after: position, limit: limit)).events
    }

    public func subscribeAll(after position: Int64) async throws -> any EventSubscription {
        try await send(.subscribe(after: position)).subscription!
    }
}

extension SimRuntime: DelayScheduler {
    public func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void) {
        schedule(at: now + delay, action)
    }
}
