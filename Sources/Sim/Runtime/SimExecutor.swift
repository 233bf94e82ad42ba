import DequeModule

/// The simulator's one executor: every task and actor of a run executes here, on the thread that
/// drives the simulation, in the order jobs were enqueued. Nothing else runs them, so the same
/// seed gives the same order of everything.
///
/// It is both the serial executor and the task executor of every task the simulator starts, so
/// default actors follow their tasks here and the runtime switches between them inline.
///
/// A running task keeps the executor until it really suspends: a job the running task enqueues
/// for itself (an executor hop, which the optimizer may or may not have removed) goes to the
/// front, other tasks' jobs to the back. So the order in which tasks run does not depend on how
/// many hops the compiler left in, and debug and release builds give the same trace.
public final class SimExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    // Touched for every job from the one simulator thread; runtime exclusivity checks on them
    // cost more than the work they guard.
    @exclusivity(unchecked) private var jobs = Deque<UnownedJob>()
    /// The job being run (a task is enqueued as itself, so this identifies the running task).
    @exclusivity(unchecked) private var running: UnsafeRawPointer?
    /// Jobs run so far (a measure of scheduling work).
    @exclusivity(unchecked) public private(set) var jobsRun = 0

    public init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        if let running, running == Self.identity(unowned) {
            jobs.prepend(unowned)
        } else {
            jobs.append(unowned)
        }
    }

    private static func identity(_ job: UnownedJob) -> UnsafeRawPointer {
        unsafeBitCast(job, to: UnsafeRawPointer.self)
    }

    /// True when no job is waiting to run.
    public var isIdle: Bool { jobs.isEmpty }

    /// Runs jobs until none is ready (every task is suspended on something the simulator controls).
    public func runUntilIdle() {
        let serial = asUnownedSerialExecutor()
        let task = asUnownedTaskExecutor()
        while let job = jobs.popFirst() {
            jobsRun &+= 1
            running = Self.identity(job)
            job.runSynchronously(isolatedTo: serial, taskExecutor: task)
            running = nil
        }
    }
}
