import DequeModule

/// The simulator's one executor: every task and actor of a run executes here, on the thread that
/// drives the simulation, in the order jobs were enqueued. Nothing else runs them, so the same
/// seed gives the same order of everything.
///
/// It is both the serial executor and the task executor of every task the simulator starts, so
/// default actors follow their tasks here and the runtime switches between them inline.
public final class SimExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    private var jobs = Deque<UnownedJob>()
    /// Jobs run so far (a measure of scheduling work).
    public private(set) var jobsRun = 0

    public init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        jobs.append(UnownedJob(job))
    }

    /// True when no job is waiting to run.
    public var isIdle: Bool { jobs.isEmpty }

    /// Runs jobs until none is ready (every task is suspended on something the simulator controls).
    public func runUntilIdle() {
        let serial = asUnownedSerialExecutor()
        let task = asUnownedTaskExecutor()
        while let job = jobs.popFirst() {
            jobsRun &+= 1
            job.runSynchronously(isolatedTo: serial, taskExecutor: task)
        }
    }
}
