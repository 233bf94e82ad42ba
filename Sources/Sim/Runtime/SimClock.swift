public import Core

/// A node's view of virtual time. Sleeping registers a timer; cancellation wakes the sleeper
/// with `CancellationError` at once. `offset` models a clock that jumped.
public final class SimClock: TimeSource, @unchecked Sendable {
    private let runtime: SimRuntime
    /// How far this node's clock is off the simulator's true time.
    public var offset: Duration = .zero

    public init(runtime: SimRuntime) {
        self.runtime = runtime
    }

    public func now() -> Timestamp { runtime.now + offset }

    public func sleep(until deadline: Timestamp) async throws {
        let trueDeadline = deadline + (.zero - offset)
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                if sleeper.cancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                sleeper.continuation = continuation
                runtime.schedule(at: trueDeadline) { sleeper.finish(nil) }
            }
        } onCancel: {
            sleeper.finish(CancellationError())
        }
    }
}

/// One suspended sleep: resumed exactly once, by its timer or by cancellation. Only touched on
/// the simulator thread.
final class Sleeper: @unchecked Sendable {
    var continuation: UnsafeContinuation<Void, any Error>?
    var cancelled = false

    func finish(_ error: (any Error)?) {
        guard let c = continuation else {
            if error != nil { cancelled = true }
            return
        }
        continuation = nil
        if let error { c.resume(throwing: error) } else { c.resume() }
    }
}
