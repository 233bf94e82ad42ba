public import Core
import Foundation
import Synchronization

/// Wall-clock time for deployment.
public struct SystemClock: TimeSource {
    public init() {}

    public func now() -> Timestamp {
        Timestamp(millis: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    public func sleep(until deadline: Timestamp) async throws {
        let wait = deadline.millis - now().millis
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
    }
}

/// System randomness for deployment (ids, partition choice).
public final class SystemRandom: RandomSource {
    private let generator = Mutex(SystemRandomNumberGenerator())

    public init() {}

    public func next() -> UInt64 { generator.withLock { $0.next() } }
}
