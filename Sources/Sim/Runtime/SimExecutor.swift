import ConcurrencyHooks
import DequeModule
#if canImport(Glibc)
import Glibc
#endif

/// The simulator's one executor: every task and actor of a run executes here, on the thread that
/// drives the simulation, in the order jobs were enqueued. Nothing else runs them, so the same
/// seed gives the same order of everything.
///
/// It is the serial executor of every actor in a run (the services take it as theirs, and every
/// task's body runs on ``SimRuntime/Host``), so the runtime switches between them inline.
///
/// Tasks have no task-executor preference (the runtime takes a lock for one at every switch). The
/// one thing that still goes to the generic executor is a task resumed from a continuation (the
/// order service's deadline wake-up; sleepers, callers and parked readers wait at a `ParkingGate`
/// instead): Swift resumes it there and then hops to its actor. While the simulator thread is
/// ``hosting(_:)`` a run, the global executor's hook hands such jobs to this executor instead, on
/// the same thread, in order; other threads' jobs go to the global executor as usual. A simulated
/// job enqueued from any other thread stops the process at once (see ``enqueue(_:)``) instead of
/// racing the simulator thread.
///
/// A running task keeps the executor until it really suspends: a job the running task enqueues
/// for itself (an executor hop, which the optimizer may or may not have removed) goes to the
/// front, other tasks' jobs to the back. So the order in which tasks run does not depend on how
/// many hops the compiler left in, and debug and release builds give the same trace.
public final class SimExecutor: SerialExecutor, @unchecked Sendable {
    // Touched for every job from the one simulator thread; runtime exclusivity checks on them
    // cost more than the work they guard.
    @exclusivity(unchecked) private var jobs = Deque<UnownedJob>()
    /// The job being run (a task is enqueued as itself, so this identifies the running task).
    @exclusivity(unchecked) private var running: UnsafeRawPointer?
    /// Jobs run so far (a measure of scheduling work).
    @exclusivity(unchecked) public private(set) var jobsRun = 0
    /// The thread that made the executor, which is the one that runs the simulation.
    private let owner = pthread_self()

    public init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        add(UnownedJob(job))
    }

    private func add(_ unowned: UnownedJob) {
        precondition(onOwnerThread, "a simulated job was enqueued from another thread: simulator code left its actors")
        addOnOwnerThread(unowned)
    }

    /// ``add(_:)`` for a caller known to be on the owner thread: the global executor's hook, which
    /// hands over only jobs of a thread ``hosting(_:)`` a run, and that checks it is the owner.
    private func addOnOwnerThread(_ unowned: UnownedJob) {
        if let running, running == Self.identity(unowned) {
            jobs.prepend(unowned)
        } else {
            jobs.append(unowned)
        }
    }

    /// Runs `job` after the jobs already waiting, as a task resumed on this thread from a
    /// continuation would be: a caller answered at once (``SimCall/answerNow(on:)``), a parked
    /// reader woken.
    func resume(_ job: UnownedJob) {
        add(job)
    }

    private static func identity(_ job: UnownedJob) -> UnsafeRawPointer {
        unsafeBitCast(job, to: UnsafeRawPointer.self)
    }

    /// Code on the simulator thread is isolated to the executor even between jobs (while the
    /// runtime fires a timer or a world starts its services): nothing else runs there then.
    public func isIsolatingCurrentContext() -> Bool? { onOwnerThread }

    public func checkIsolated() {
        precondition(onOwnerThread, "not on the thread that runs the simulation")
    }

    private var onOwnerThread: Bool { pthread_equal(owner, pthread_self()) != 0 }

    /// True when no job is waiting to run.
    public var isIdle: Bool { jobs.isEmpty }

    /// Runs jobs until none is ready (every task is suspended on something the simulator controls).
    public func runUntilIdle() {
        let serial = asUnownedSerialExecutor()
        while let job = jobs.popFirst() {
            jobsRun &+= 1
            running = Self.identity(job)
            job.runSynchronously(on: serial)
            running = nil
        }
    }
}

extension SimExecutor {
    /// Runs `body` with this executor taking the jobs the simulator thread sends to the generic
    /// executor (see the type's documentation). Nests: the previous host is restored after.
    public func hosting<T>(_ body: () throws -> T) rethrows -> T {
        precondition(onOwnerThread, "a simulation was run on a thread other than the one that made it")
        GlobalHook.install
        let key = GlobalHook.key
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(key, previous) }
        return try body()
    }

    /// The global executor's enqueue hook, installed once, the first time a run is hosted.
    private enum GlobalHook {
        typealias Original = @convention(thin) (UnownedJob) -> Void
        typealias Hook = @convention(thin) (UnownedJob, Original) -> Void

        /// The thread's hosting executor, if it is hosting a run.
        static let key: pthread_key_t = {
            var key = pthread_key_t()
            precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key for the simulator")
            return key
        }()

        /// A hook installed before this one (by another library), which gets every job that is
        /// not the simulator's. Written once, by `install`, before this hook can run.
        nonisolated(unsafe) static var previous: Hook?

        static let install: Void = {
            let slot = UnsafeMutableRawPointer(causeway_enqueueGlobalHookSlot()).assumingMemoryBound(to: Hook?.self)
            previous = slot.pointee
            slot.pointee = { job, original in
                if let host = pthread_getspecific(key) {
                    // The thread's run holds the executor: no retain and release per job.
                    Unmanaged<SimExecutor>.fromOpaque(host)._withUnsafeGuaranteedRef { $0.addOnOwnerThread(job) }
                } else if let previous {
                    previous(job, original)
                } else {
                    original(job)
                }
            }
        }()
    }
}
