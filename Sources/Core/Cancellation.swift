internal import ConcurrencyHooks

/// Cancellation checks for the paths that run once per delivery or wake-up (a consumer's poll,
/// the store's subscription, parked readers). `Task.isCancelled` and `Task.checkCancellation()`
/// retain and release the current task on every call; these ask the runtime directly.
public enum Cancellation {
    /// Whether the task running this code is cancelled (false outside a task).
    public static var isCancelled: Bool { causeway_currentTaskIsCancelled() }

    /// Throws `CancellationError` if the task running this code is cancelled.
    public static func check() throws {
        if causeway_currentTaskIsCancelled() { throw CancellationError() }
    }
}
