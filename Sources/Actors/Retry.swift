public import Core

/// How a service retries transient failures (`unavailable`, `timeout`) of a dependency.
public struct RetryPolicy: Hashable, Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(maxAttempts: Int, initialBackoff: Duration, maxBackoff: Duration) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Retries transient failures for as long as it takes (for work that must not be dropped:
    /// the outbox relay, compensations).
    public static let forever = RetryPolicy(maxAttempts: .max, initialBackoff: .milliseconds(50), maxBackoff: .seconds(2))

    /// The default for calls to the event store and the external providers.
    public static let standard = RetryPolicy(maxAttempts: 6, initialBackoff: .milliseconds(50), maxBackoff: .seconds(2))

    /// Runs `operation`, retrying transient ``CausewayError``s with capped exponential backoff.
    /// Anything else, and the last transient failure, is rethrown.
    ///
    /// Inlined where it is called: every store, provider and handler call goes through here, and
    /// as a call of its own it cost three async frames (its own, the operation's and the
    /// operation's context thunk) for the attempt that, nearly always, succeeds. It runs on its
    /// caller's actor as every nonisolated async function of the package does
    /// (`NonisolatedNonsendingByDefault`); an `isolated` parameter for that cost switches.
    @inlinable @inline(__always)
    public func run<T>(
        clock: some TimeSource,
        _ operation: () async throws -> T
    ) async throws -> T {
        var backoff = initialBackoff
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let error as CausewayError where error.isTransient && attempt < maxAttempts {
                try await clock.sleep(for: backoff)
                backoff = min(backoff * 2, maxBackoff)
                attempt += 1
            }
        }
    }
}

extension CausewayError {
    /// True when `error` is an expected-version conflict.
    static func isConflict(_ error: any Error) -> Bool {
        (error as? CausewayError)?.code == .wrongExpectedVersion
    }
}
