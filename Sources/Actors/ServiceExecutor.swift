/// Where a service actor runs its jobs.
///
/// In deployment every service gets its own (``dedicated()``): the queue of a private default
/// actor, so the service behaves exactly as a default actor would. The simulator puts every
/// service on its one serial executor (``shared(_:)``): a call from one service or task to
/// another is then a switch on the same executor, made inline, instead of a job enqueued on the
/// executor and picked up later.
public struct ServiceExecutor: Sendable {
    /// The executor the service reports as its own.
    public let unownedExecutor: UnownedSerialExecutor
    /// Keeps the executor alive as long as a service uses it: `UnownedSerialExecutor` does not.
    private let owner: any Sendable

    private init(_ unownedExecutor: UnownedSerialExecutor, owner: any Sendable) {
        self.unownedExecutor = unownedExecutor
        self.owner = owner
    }

    /// A queue of the service's own, as a default actor has.
    public static func dedicated() -> ServiceExecutor {
        let host = Host()
        return ServiceExecutor(host.unownedExecutor, owner: host)
    }

    /// `executor`, shared with everything else that runs on it.
    public static func shared(_ executor: some SerialExecutor) -> ServiceExecutor {
        ServiceExecutor(executor.asUnownedSerialExecutor(), owner: executor)
    }

    /// An actor with nothing in it, lending its default queue to a service.
    private actor Host {}
}
