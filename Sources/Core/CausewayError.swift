/// The one error type that crosses Causeway's ports.
///
/// Modelled on a struct-with-code error: the ``Code`` is stable and matchable (scenarios and
/// adapters switch on it), the message is for people, and the cause keeps the underlying error.
public struct CausewayError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, matchable error code. New codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Wrapped: String, Hashable, Sendable {
            case invalidArgument = "invalid-argument"
            case wrongExpectedVersion = "wrong-expected-version"
            case idempotencyConflict = "idempotency-conflict"
            case notFound = "not-found"
            case unavailable = "unavailable"
            case timeout = "timeout"
            case rebalanced = "rebalanced"
            case cancelled = "cancelled"
            case `internal` = "internal"
        }
        let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// A caller sent something malformed or out of range.
        public static let invalidArgument = Code(.invalidArgument)
        /// An append's expected version did not match the stream's actual version.
        public static let wrongExpectedVersion = Code(.wrongExpectedVersion)
        /// An idempotency key or event id was reused for a different request.
        public static let idempotencyConflict = Code(.idempotencyConflict)
        /// The thing asked for does not exist.
        public static let notFound = Code(.notFound)
        /// A dependency is down or unreachable; retrying later may succeed.
        public static let unavailable = Code(.unavailable)
        /// A call did not answer in time; it may or may not have taken effect.
        public static let timeout = Code(.timeout)
        /// A consumer lost its partition to a group rebalance; its commit was refused.
        public static let rebalanced = Code(.rebalanced)
        /// The operation was cancelled (shutdown or crash).
        public static let cancelled = Code(.cancelled)
        /// A bug or an unexpected state.
        public static let `internal` = Code(.internal)

        public var description: String { wrapped.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// For wrong-expected-version errors: the stream's actual version (-1 when it does not exist).
    public var actualVersion: Int64?

    public init(_ code: Code, _ message: String, actualVersion: Int64? = nil) {
        self.code = code
        self.message = message
        self.actualVersion = actualVersion
    }

    /// True for failures where retrying the same request later can succeed.
    public var isTransient: Bool {
        code == .unavailable || code == .timeout
    }

    public var description: String { "\(code): \(message)" }
}
