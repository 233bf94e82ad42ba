import Synchronization
import Core

/// Parks the readers of the in-memory store and bus without continuations, for a host that runs
/// every task on one thread and runs a job it is handed after the jobs already ready (the
/// simulator). Deployment leaves it out.
///
/// A parking reader passes a ``ParkingGate``, whose executor hands the task's job to the reader's
/// waiters; waking them hands each job back to the host (``unpark(_:)``, which the host
/// overrides).
open class ReaderParking: @unchecked Sendable {
    let gate: ParkingGate
    private let executor = Executor()

    public init() {
        gate = ParkingGate(executor: executor)
    }

    /// Makes a parked reader's job ready to run again, after the jobs already ready. The host
    /// overrides it.
    open func unpark(_ job: UnownedJob) {
        preconditionFailure("a reader parking host must say how a parked reader is woken")
    }

    /// Suspends the running task, a reader of `waiters`, until `waiters` wakes it.
    @inline(__always)
    func park(with waiters: Waiters) async {
        executor.holder = Unmanaged.passUnretained(waiters)
        await gate.pass()
    }

    /// The gate's executor: hands a parking task's job to the waiters it parks with.
    final class Executor: SerialExecutor, @unchecked Sendable {
        /// Set just before a reader switches to the gate, and taken when it arrives there.
        @exclusivity(unchecked) var holder: Unmanaged<Waiters>?

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            holder.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.parked.append(job) }
            holder = nil
        }
    }
}

/// A set of suspended waiters that can be woken together from any thread, including a task
/// cancellation handler. Used by the in-memory store and bus to park readers until data arrives.
/// With a ``ReaderParking`` host, the host's one thread does all of it, and cancellation never
/// wakes a waiter.
final class Waiters: @unchecked Sendable {
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
    /// The host that parks waiting tasks, if one does.
    private let parking: ReaderParking?
    /// The tasks `parking` holds, in the order they began to wait. Only the host's thread
    /// touches them, so they are kept outside the lock.
    @exclusivity(unchecked) fileprivate var parked: [UnownedJob] = []

    init(wakesOnCancel: Bool = true, parking: ReaderParking? = nil) {
        self.wakesOnCancel = wakesOnCancel
        self.parking = parking
    }

    /// Suspends until ``wakeAll()`` or cancellation, unless `ready()` (checked under the same
    /// lock as the registration, so no wake-up is missed) says there is no need to wait.
    ///
    /// Each continuation is resumed exactly once: by whoever removes it from `waiting` under the
    /// lock (a wake-up or the cancellation handler), or at once when it is never added.
    ///
    /// With a ``ReaderParking`` host there is neither lock nor continuation: the host's one thread
    /// runs nothing between `ready()` and the task's parking, and only ``wakeAll()`` hands a
    /// parked task back.
    func wait(unless ready: () -> Bool) async {
        if let parking {
            if ready() || Cancellation.isCancelled { return }
            await parking.park(with: self)
            return
        }
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
        if let parking {
            guard !parked.isEmpty else { return }
            // Held by `self` throughout: no retain and release of it per wake-up.
            Unmanaged.passUnretained(parking)._withUnsafeGuaranteedRef { parking in
                for i in parked.indices { parking.unpark(parked[i]) }
            }
            parked.empty()
            return
        }
        state.withLock { s in
            guard !s.waiting.isEmpty else { return }
            for i in s.waiting.indices { s.waiting[i].continuation.resume() }
            s.waiting.empty()
        }
    }
}
