/// An actor whose executor runs nothing, for a host that runs every task on one thread (the
/// simulator) to park a task without a continuation.
///
/// A task parks by calling ``pass()``: the switch to the gate enqueues the task's job on the
/// gate's executor, whose `enqueue` keeps the job for the host. When the host runs the job again,
/// on its own executor, the task leaves `pass()` and goes on on its actor, inline if that actor
/// runs on the same executor.
///
/// A continuation does the same for more: the runtime records what a task waits on either way,
/// but resuming a continuation also updates that record under the task's status lock, and the
/// resumed task goes through the global executor before it reaches the host.
public actor ParkingGate {
    public nonisolated let unownedExecutor: UnownedSerialExecutor
    /// Touched by `pass()`, so the switch to the gate is not optimized away: a method that used
    /// nothing of its actor's would need no switch. (Without runtime exclusivity checks: the
    /// method is inlined into its callers, where they would cost a call each.)
    @exclusivity(unchecked) private var passes = 0

    /// A gate whose parked tasks `executor` takes. The gate does not keep the executor alive:
    /// its owner must.
    public init(executor: some SerialExecutor) {
        unownedExecutor = executor.asUnownedSerialExecutor()
    }

    /// Parks the calling task with the gate's executor.
    public func pass() { passes &+= 1 }
}
