import Synchronization
import Core

/// A set of suspended waiters that can be woken together from any thread, including a task
/// cancellation handler. Used by the in-memory store and bus to park readers until data arrives.
final class Waiters: Sendable {
    private struct State {
        var next = 0
        /// In the order they began to wait, which is the order they are woken in.
        var waiting: [Waiter] = []
    }
    private typealias Waiter = (id: Int, continuation: UnsafeContinuation<Void, Never>)
    private let state = Mutex(State())
    /// Whether cancelling a waiting task wakes it. Without, whoever cancels it wakes it, and
    /// until then it stays parked (see ``InMemoryEventBus/Configuration/cancellationWakesReaders``).
    private let wakesOnCancel: Bool

    init(wakesOnCancel: Bool = true) {
        self.wakesOnCancel = wakesOnCancel
    }

    /// Suspends until ``wakeAll()`` or cancellation, unless `ready()` (checked under the same
    /// lock as the registration, so no wake-up is missed) says there is no need to wait.
    ///
    /// Each continuation is resumed exactly once: by whoever removes it from `waiting` under the
    /// lock (a wake-up or the cancellation handler), or at once when it is never added.
    func wait(unless ready: () -> Bool) async {
        // The id only lets a cancellation handler find its waiter: without one, none is drawn
        // (which would take the lock once more on every wait).
        let id = wakesOnCancel ? state.withLock { s -> Int in
            s.next += 1
            return s.next
        } : 0
        func park(_ continuation: UnsafeContinuation<Void, Never>) {
            let now = state.withLock { s -> Bool in
                if ready() || Cancellation.isCancelled { return true }
                s.waiting.append((id, continuation))
                return false
            }
            if now { continuation.resume() }
        }
        guard wakesOnCancel else {
            // No cancellation handler: its operation closure runs on the generic executor, which
            // costs an extra job to get back to the caller's actor on every wake-up.
            await withUnsafeContinuation(park)
            return
        }
        await withTaskCancellationHandler {
            await withUnsafeContinuation(park)
        } onCancel: {
            state.withLock { s in
                s.waiting.firstIndex { $0.id == id }.map { s.waiting.remove(at: $0).continuation }
            }?.resume()
        }
    }

    /// Wakes every waiter. They are resumed under the lock: resuming a continuation only
    /// enqueues its task, which never runs on this thread before the lock is let go, so nothing
    /// can re-enter. Taking the list out of the lock instead cost a reference count change of
    /// the list per step (each an atomic operation) on every publication.
    func wakeAll() {
        state.withLock { s in
            guard !s.waiting.isEmpty else { return }
            for i in s.waiting.indices { s.waiting[i].continuation.resume() }
            s.waiting.empty()
        }
    }
}
