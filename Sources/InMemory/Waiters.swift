import Synchronization

/// A set of suspended waiters that can be woken together from any thread, including a task
/// cancellation handler. Used by the in-memory store and bus to park readers until data arrives.
final class Waiters: Sendable {
    private struct State {
        var next = 0
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Mutex(State())

    /// Suspends until ``wakeAll()`` or cancellation, unless `ready()` (checked under the same
    /// lock as the registration, so no wake-up is missed) says there is no need to wait.
    func wait(unless ready: @Sendable () -> Bool) async {
        let id = state.withLock { s -> Int in
            s.next += 1
            return s.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if ready() || Task.isCancelled { return true }
                    s.waiting[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiting.removeValue(forKey: id) }?.resume()
        }
    }

    /// Wakes every waiter.
    func wakeAll() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard !s.waiting.isEmpty else { return [] }
            let all = s.waiting.sorted { $0.key < $1.key }.map(\.value)
            s.waiting.removeAll(keepingCapacity: true)
            return all
        }
        for w in woken { w.resume() }
    }
}
