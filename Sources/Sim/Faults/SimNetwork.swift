public import Core

/// The simulated network between services and the event store: every call is a request hop and a
/// reply hop with a seeded latency. The event-store node being down makes calls fail with
/// `unavailable`; a lost request or reply makes the caller wait for its timeout, and a lost reply
/// means the call took effect although the caller never hears so.
public final class SimNetwork: @unchecked Sendable {
    public struct Faults: Sendable {
        /// Probability that a request never reaches the store.
        public var requestLoss = 0.0
        /// Probability that the store's reply never reaches the caller.
        public var replyLoss = 0.0
        public init() {}
    }

    let clock: SimClock
    let random: SimRandom
    /// One-way latency of a hop.
    public var latency: ClosedRange<Duration> = .milliseconds(1)...(.milliseconds(3))
    /// How long a caller waits for a reply before it gives up with `timeout`.
    public var callTimeout: Duration = .seconds(1)
    public var faults = Faults()
    /// Whether a node is up; the world keeps it current.
    var isUp: (String) -> Bool = { _ in true }
    /// Records a lost message in the trace.
    var onLoss: (_ caller: String, _ what: String) -> Void = { _, _ in }

    init(clock: SimClock, random: SimRandom) {
        self.clock = clock
        self.random = random
    }

    /// Carries one call from `caller` to `server` and back.
    func call<T>(from caller: String, to server: String, _ operation: () async throws -> T) async throws -> T {
        try await clock.sleep(for: random.duration(in: latency))
        guard isUp(server) else {
            throw CausewayError(.unavailable, "\(server) is not reachable from \(caller)")
        }
        if random.chance(faults.requestLoss) {
            onLoss(caller, "request")
            try await clock.sleep(for: callTimeout)
            throw CausewayError(.timeout, "no reply from \(server) within \(callTimeout)")
        }
        let result = try await operation()
        if random.chance(faults.replyLoss) {
            onLoss(caller, "reply")
            try await clock.sleep(for: callTimeout)
            throw CausewayError(.timeout, "no reply from \(server) within \(callTimeout)")
        }
        try await clock.sleep(for: random.duration(in: latency))
        return result
    }
}

/// A service's connection to the event store over the simulated network.
public struct SimStoreClient: EventStore {
    let store: InMemoryEventStore
    let network: SimNetwork
    let caller: String

    public func append(_ events: [NewEvent], to stream: StreamID, expected: ExpectedVersion) async throws -> AppendResult {
        try await network.call(from: caller, to: "eventstore") {
            try await store.append(events, to: stream, expected: expected)
        }
    }

    public func readStream(_ stream: StreamID, from version: Int64, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]
    {
        try await network.call(from: caller, to: "eventstore") {
            try await store.readStream(stream, from: version, direction: direction, limit: limit)
        }
    }

    public func readAll(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await network.call(from: caller, to: "eventstore") { try await store.readAll(after: position, limit: limit) }
    }

    public func subscribeAll(after position: Int64) async throws -> any EventSubscription {
        try await network.call(from: caller, to: "eventstore") { try await store.subscribeAll(after: position) }
    }
}

extension SimRuntime: DelayScheduler {
    public func after(_ delay: Duration, _ action: @escaping @Sendable () -> Void) {
        schedule(at: now + delay, action)
    }
}
