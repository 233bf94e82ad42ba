public import Core

/// A node's view of virtual time. Sleeping registers a timer. A cancelled task (its node
/// crashed) wakes at its timer as usual and then throws `CancellationError` instead of going
/// on; in between it is suspended and does nothing, so this is the same as stopping at once,
/// without the cost of a cancellation handler on every sleep. `offset` models a clock that jumped.
public final class SimClock: TimeSource, @unchecked Sendable {
    let runtime: SimRuntime
    /// How far this node's clock is off the simulator's true time.
    @exclusivity(unchecked) public var offset: Duration = .zero {
        didSet { offsetMillis = offset.wholeMilliseconds }
    }
    /// `offset` in whole milliseconds, as every simulated time is: services ask for the time at
    /// every call, and converting a `Duration` divides.
    @exclusivity(unchecked) private var offsetMillis: Int64 = 0

    public init(runtime: SimRuntime) {
        self.runtime = runtime
    }

    public func now() -> Timestamp { Timestamp(millis: runtime.now.millis + offsetMillis) }

    public func sleep(until deadline: Timestamp) async throws {
        try await sleep(untilTrue: Timestamp(millis: deadline.millis - offsetMillis))
    }

    public func sleep(for duration: Duration) async throws {
        try await sleep(untilTrue: runtime.now + duration)
    }

    /// ``sleep(for:)`` for a whole number of milliseconds (a simulated latency).
    func sleep(forMillis millis: Int64) async throws {
        try await sleep(untilTrue: Timestamp(millis: runtime.now.millis + millis))
    }

    /// Suspends until the simulator's true time reaches `deadline`.
    @inline(__always)
    private func sleep(untilTrue deadline: Timestamp) async throws {
        try Cancellation.check()
        await runtime.sleep(until: deadline)
        try Cancellation.check()
    }
}

