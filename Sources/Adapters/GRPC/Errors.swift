public import Core
public import GRPCCore

/// The trailing-metadata keys that carry a ``CausewayError`` across gRPC exactly.
enum ErrorMetadata {
    static let code = "causeway-error-code"
    static let actualVersion = "causeway-actual-version"
}

/// A ``CausewayError`` thrown by a handler becomes a gRPC status a client can act on, with the
/// error's own code (and a wrong expected version's actual version) in the trailing metadata.
extension CausewayError: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code {
        switch code {
        case .invalidArgument: .invalidArgument
        case .wrongExpectedVersion: .failedPrecondition
        case .idempotencyConflict: .alreadyExists
        case .notFound: .notFound
        case .unavailable: .unavailable
        case .timeout: .deadlineExceeded
        case .rebalanced: .aborted
        case .cancelled: .cancelled
        default: .internalError
        }
    }

    public var rpcErrorMessage: String { message }

    public var rpcErrorMetadata: Metadata {
        var metadata: Metadata = [:]
        metadata.addString(code.description, forKey: ErrorMetadata.code)
        if let actualVersion {
            metadata.addString(String(actualVersion), forKey: ErrorMetadata.actualVersion)
        }
        return metadata
    }
}

extension CausewayError {
    /// What a client makes of a failed call: the server's own error when it sent one, otherwise
    /// the nearest code for the status (a connection failure is `unavailable`, so it is retried).
    init(_ error: RPCError) {
        let sent = error.metadata[stringValues: ErrorMetadata.code].first(where: { _ in true })
        let actual = error.metadata[stringValues: ErrorMetadata.actualVersion].first(where: { _ in true })
            .flatMap { Int64($0) }
        let code: Code =
            switch sent {
            case Code.invalidArgument.description: .invalidArgument
            case Code.wrongExpectedVersion.description: .wrongExpectedVersion
            case Code.idempotencyConflict.description: .idempotencyConflict
            case Code.notFound.description: .notFound
            case Code.unavailable.description: .unavailable
            case Code.timeout.description: .timeout
            case Code.rebalanced.description: .rebalanced
            case Code.cancelled.description: .cancelled
            case Code.internal.description: .internal
            default:
                switch error.code {
                case .invalidArgument, .outOfRange: .invalidArgument
                case .failedPrecondition: .wrongExpectedVersion
                case .alreadyExists: .idempotencyConflict
                case .notFound: .notFound
                case .unavailable, .aborted: .unavailable
                // Only a message over the size limit exhausts this server: retrying cannot help.
                case .resourceExhausted: .invalidArgument
                case .deadlineExceeded: .timeout
                case .cancelled: .cancelled
                default: .internal
                }
            }
        self.init(code, error.message, actualVersion: actual)
    }
}
