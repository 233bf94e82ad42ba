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

/// A task that is about to wait, to be asked later, from elsewhere, whether it was cancelled in
/// the meantime. Valid only while the task is still waiting: it does not keep the task alive.
public struct WaitingTask {
    private let task: UnsafeMutableRawPointer?

    /// The task running this code (none outside a task: then never cancelled).
    public static var current: WaitingTask { WaitingTask(task: swift_task_getCurrent()) }

    /// Whether the task has been cancelled.
    public var isCancelled: Bool {
        guard let task else { return false }
        return swift_task_isCancelled(task)
    }
}
