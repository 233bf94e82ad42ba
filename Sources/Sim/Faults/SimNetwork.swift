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
    /// One-way latency of a hop.
    @exclusivity(unchecked) public var latency: ClosedRange<Duration> = .milliseconds(1)...(.milliseconds(3))
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

    private func hop() async throws {
        try await clock.sleep(for: random.duration(in: latency) + faults.state.networkLatency)
    }

    private func timeout(_ server: ServiceName) async throws -> Never {
        try await clock.sleep(for: callTimeout)
        throw CausewayError(.timeout, "no reply from \(server.rawValue) within \(callTimeout)")
    }

    /// Carries one call from `node` (nil: a client outside the system) to `server` and back.
    /// Inlined into each store call, with the operation: a call then costs one async frame.
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

    /// The knobs, read where they are (a copy of them all would retain every table in them).
    private var faults: FaultBox { network.faults }

    @inline(__always)
    public func append(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) async throws -> AppendResult {
        try await network.call(from: caller, to: .eventstore) {
            if network.random.chance(faults.state.failWrites) {
                throw CausewayError(.unavailable, "the event store failed the write")
            }
            if network.random.chance(faults.state.timeoutWrites) {
                if network.random.chance(0.5) { _ = try store.appendSync(events, to: stream, expected: expected) }
                try await network.clock.sleep(for: network.callTimeout)
                throw CallerGaveUp(error: CausewayError(.timeout, "the event store's write timed out"))
            }
            return try store.appendSync(events, to: stream, expected: expected)
        }
    }

    @inline(__always)
    private func read<T>(_ body: () async throws -> T) async throws -> T {
        try await network.call(from: caller, to: .eventstore) {
            if network.random.chance(faults.state.failReads) {
                throw CausewayError(.unavailable, "the event store failed the read")
            }
            return try await body()
        }
    }

    @inline(__always)
    public func readStream(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]
    {
        try await read { try store.readStreamSync(stream, from: version, direction: direction, limit: limit) }
    }

    public func readAll(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await read { try store.readAllSync(after: position, limit: limit) }
    }

    public func subscribeAll(after position: Int64) async throws -> any EventSubscription {
        try await read { try await store.subscribeAll(after: position) }
    }
}

extension SimRuntime: DelayScheduler {
    public func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void) {
        schedule(at: now + delay, action)
    }
}
