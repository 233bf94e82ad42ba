public import Core
public import InMemory
import HeapModule

/// Virtual time and the timer queue: the heart of the deterministic simulator.
///
/// `run` alternates between running every ready job and jumping the clock to the next timer.
/// Timers at the same instant fire in an order drawn from the seed, so different seeds explore
/// different interleavings while one seed always gives the same one.
public final class SimRuntime: @unchecked Sendable {
    /// What a timer does when it fires.
    enum Action {
        case run(() -> Void)
        /// Runs a task that waited at the gate until now: a sleeper, or a caller whose answer is
        /// due (see ``GateExecutor``). Kept free of a closure allocation.
        case wake(UnownedJob)
        /// A message arrives where it was sent (see ``SimArrival``).
        case arrive(SimArrival)

        func callAsFunction(on executor: UnownedSerialExecutor) {
            switch self {
            case .run(let action): action()
            case .wake(let job): job.runSynchronously(on: executor)
            case .arrive(let arrival): arrival.arrive()
            }
        }
    }

    struct Timer: Comparable {
        var at: Timestamp
        var tiebreak: UInt64
        var sequence: Int
        var action: Action
        static func < (l: Timer, r: Timer) -> Bool { r.firesAfter(l) }
        static func == (l: Timer, r: Timer) -> Bool { l.sequence == r.sequence }
        /// Whether this timer fires after `other`.
        @inline(__always)
        func firesAfter(_ other: borrowing Timer) -> Bool {
            (at.millis, tiebreak, sequence) > (other.at.millis, other.tiebreak, other.sequence)
        }
    }

    public let executor = SimExecutor()
    /// What every task's body runs isolated to (see ``Host``).
    private let host: Host
    // Only the simulator thread touches these (see SimExecutor on exclusivity checks).
    @exclusivity(unchecked) public private(set) var now: Timestamp = .zero
    @exclusivity(unchecked) private var timers = TimerQueue()
    @exclusivity(unchecked) private var sequence = 0
    private let random: SimRandom
    /// Timers fired so far.
    @exclusivity(unchecked) public private(set) var timersFired = 0
    /// Set by ``stop()``: the run ends after the current step.
    public private(set) var stopped = false

    /// Where tasks wait for their timers (see ``GateExecutor``).
    private let gate: ParkingGate
    private let gateExecutor: GateExecutor
    /// When the next task to reach the gate goes on, and the call it waits for, if any: set
    /// just before the task switches to the gate, and taken when it arrives there.
    @exclusivity(unchecked) private var parkingUntil: Timestamp = .zero
    @exclusivity(unchecked) private var parkingCall: SimCall?

    /// Parks the readers of a world's in-memory store and bus on this runtime's executor.
    public let readerParking: InMemory.ReaderParking

    public init(random: SimRandom) {
        self.random = random
        host = Host(executor: executor)
        readerParking = ReaderParking(executor)
        gateExecutor = GateExecutor()
        gate = ParkingGate(executor: gateExecutor)
        gateExecutor.runtime = Unmanaged.passUnretained(self)
    }

    /// Runs `action` on the simulator thread at virtual time `at` (now, if `at` has passed).
    public func schedule(at: Timestamp, _ action: @escaping () -> Void) {
        insert(at: at, .run(action))
    }

    /// Suspends the running task until virtual time `deadline` (now, if it has passed).
    @inline(__always)
    func sleep(until deadline: Timestamp) async {
        parkingUntil = deadline
        await gate.pass()
    }

    /// Sends `call` to arrive at virtual time `arrival` and suspends the running task until the
    /// call answers it (see ``SimCall``).
    @inline(__always)
    func wait(for call: SimCall, arrivingAt arrival: Timestamp) async {
        parkingUntil = arrival
        parkingCall = call
        await gate.pass()
    }

    /// Runs `job`, a task waiting at the gate, at virtual time `at` (now, if `at` has passed).
    func wake(_ job: UnownedJob, at: Timestamp) {
        insert(at: at, .wake(job))
    }

    /// A task has reached the gate: it waits for the timer or the call it set out for.
    fileprivate func park(_ job: UnownedJob) {
        if let call = parkingCall.take() {
            call.waiting = job
            deliver(call, at: parkingUntil)
        } else {
            wake(job, at: parkingUntil)
        }
    }

    private func insert(at: Timestamp, _ action: Action) {
        sequence += 1
        timers.insert(Timer(at: max(at, now), tiebreak: random.next(), sequence: sequence, action: action))
    }

    /// Calls `arrival.arrive()` at virtual time `at` (now, if `at` has passed), or its
    /// `abandon()` if the run ends first.
    func deliver(_ arrival: SimArrival, at: Timestamp) {
        insert(at: at, .arrive(arrival))
    }

    /// Starts a task on the simulator's executor. Every task of a run is started here.
    @discardableResult
    public func spawn(_ operation: sending @escaping () async -> Void) -> Task<Void, Never> {
        let body = Host.Body(operation)
        #if DEBUG
        return host.assumeIsolated { host in host.start(body) }
        #else
        // Only the simulator thread spawns (debug builds check it): the check asks the runtime
        // whether that thread runs the host's executor, which costs more than starting the task.
        return host.assumingIsolation { host in host.start(body) }
        #endif
    }

    /// Runs until nothing is ready and no timer is left (quiescence), or until the next timer is
    /// after `limit`. Returns true at quiescence. `afterStep` runs after each timer's jobs.
    @discardableResult
    public func run(until limit: Timestamp, afterStep: () -> Void = {}) -> Bool {
        executor.hosting { runHosted(until: limit, afterStep: afterStep) }
    }

    private func runHosted(until limit: Timestamp, afterStep: () -> Void) -> Bool {
        let serial = executor.asUnownedSerialExecutor()
        executor.runUntilIdle()
        afterStep()
        while let next = timers.nextAt {
            if stopped || next > limit { return false }
            let timer = timers.removeNext()
            now = timer.at
            timersFired &+= 1
            timer.action(on: serial)
            executor.runUntilIdle()
            afterStep()
        }
        return true
    }

    /// After a run: wakes every task still asleep on a timer (all cancelled by then), so it sees
    /// it is cancelled and finishes. Without this they would stay suspended and keep the whole
    /// world alive. Scheduled actions are dropped, not run: the run is over, and an action such
    /// as a scenario's "restart" would start new services that never end.
    public func drainAfterShutdown() {
        executor.hosting { drainHosted() }
    }

    private func drainHosted() {
        let serial = executor.asUnownedSerialExecutor()
        stopped = true
        var budget = 1_000_000
        while budget > 0, !timers.isEmpty {
            let timer = timers.removeNext()
            switch timer.action {
            case .run: continue
            case .wake: timer.action(on: serial)
            case .arrive(let arrival): arrival.abandon()
            }
            executor.runUntilIdle()
            budget -= 1
        }
    }

    /// Ends the run after the current step (a checker found a violation).
    public func stop() { stopped = true }

    /// Whether any timer is pending.
    public var hasPendingTimers: Bool { !timers.isEmpty }
}

/// Something on its way that a timer delivers: a message that does its work where it arrives,
/// without a task of its own. A task waiting on it must be resumed by `arrive()` or, if the run
/// ends before it arrives, by `abandon()`. (A class rather than a protocol: a timer then holds
/// one reference, called through the class's table.)
class SimArrival {
    func arrive() {}
    func abandon() {}
}

/// A request whose caller waits for its answer once (a call to the store or to a provider): it
/// does its work where it arrives and wakes the caller when the answer is due
/// (``answer(at:on:)``), or at once when it ends where it arrived (``answerNow(on:)``). Exactly
/// one of the two is called, once, by `arrive()` or `abandon()`.
class SimCall: SimArrival {
    /// The caller's task, waiting at the gate for the answer (see ``SimRuntime/GateExecutor``).
    @exclusivity(unchecked) fileprivate(set) final var waiting: UnownedJob?
    /// What the caller throws, if the call failed.
    @exclusivity(unchecked) var failure: (any Error)?

    /// Sends the call to arrive at `arrival` (drawn by the caller before this, as a sleep's
    /// latency is drawn before a cancelled caller throws) and waits until it is answered.
    @inline(__always)
    final func send(arrivingAt arrival: Timestamp, on runtime: SimRuntime) async throws {
        try Cancellation.check()
        await runtime.wait(for: self, arrivingAt: arrival)
        try Cancellation.check()
        if let failure { throw failure }
    }

    /// Wakes the caller at virtual time `at`, when the answer reaches it.
    final func answer(at: Timestamp, on runtime: SimRuntime) {
        runtime.wake(waiting.take()!, at: at)
    }

    /// Wakes the caller now: it goes on after the job or timer running this.
    final func answerNow(on runtime: SimRuntime) {
        runtime.executor.resume(waiting.take()!)
    }
}

extension SimRuntime {
    /// Wakes a parked reader of the in-memory store or bus as a continuation resumed on the
    /// simulator thread would be: its job goes after the jobs already ready.
    final class ReaderParking: InMemory.ReaderParking, @unchecked Sendable {
        let executor: SimExecutor

        init(_ executor: SimExecutor) {
            self.executor = executor
        }

        override func unpark(_ job: UnownedJob) {
            executor.resume(job)
        }
    }

    /// An actor on the simulator's executor that runs the body of every task the simulator starts.
    ///
    /// A task's own code (a relay loop, a client's call) is nonisolated. Started isolated to this
    /// actor, the task's first job goes straight to the simulator's executor, and the body runs
    /// there like the services do, so switches between it and a service are made inline. No task
    /// needs a task-executor preference, whose lock the runtime would otherwise take at every
    /// switch.
    actor Host {
        let executor: SimExecutor
        /// Worked out once: the runtime asks for it at every switch to the host.
        nonisolated let unownedExecutor: UnownedSerialExecutor

        init(executor: SimExecutor) {
            self.executor = executor
            unownedExecutor = executor.asUnownedSerialExecutor()
        }

        /// Starts a task isolated to the host (the closure uses `self`, so it is isolated to it).
        func start(_ body: Body) -> Task<Void, Never> {
            Task { await self.run(body) }
        }

        /// `assumeIsolated` without its check, for a caller known to run on the host's executor:
        /// the same conversion of the closure, as the standard library makes it.
        nonisolated func assumingIsolation<T>(_ operation: (isolated Host) -> T) -> T {
            withoutActuallyEscaping(operation) { (operation: @escaping (isolated Host) -> T) in
                unsafeBitCast(operation, to: ((Host) -> T).self)(self)
            }
        }

        func run(_ body: Body) async { await body.operation() }

        /// A task's body on its way to the host. It is handed over once, by the task that runs it.
        final class Body: @unchecked Sendable {
            let operation: () async -> Void
            init(_ operation: sending @escaping () async -> Void) { self.operation = operation }
        }
    }

    /// The executor of the gate where a task waits for virtual time to pass: for its sleep's
    /// deadline, or for the call it sent (``SimRuntime/sleep(until:)``,
    /// ``SimRuntime/wait(for:arrivingAt:)``). The runtime puts a parking task's job on the timer
    /// queue (``SimRuntime/park(_:)``); when the timer fires, the job is run on the simulator's
    /// executor at once (no job is ready when a timer fires), and the task goes on on its actor,
    /// inline. See ``ParkingGate``.
    final class GateExecutor: SerialExecutor, @unchecked Sendable {
        /// Set once, by the runtime that owns the gate. Unretained (the runtime owns this executor),
        /// and used without a retain and release per parking task.
        fileprivate var runtime: Unmanaged<SimRuntime>?

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            runtime.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.park(job) }
        }
    }
}

/// The pending timers, in the order they fire: by time, then by their draw from the seed, then by
/// the order they were set.
///
/// A run mostly holds a few timers, most of them due soon. While it does, they are kept in a
/// sorted array, latest first: the next is taken from the end, and a new one is swapped a few
/// places down from the end, where a heap sifts at every insertion and removal. When many are
/// pending (a burst of orders, a benchmark's hundred sleepers), they move to a heap, and back
/// when few are left; either gives the same order.
struct TimerQueue {
    /// Latest first, while at most `heapAbove` timers are pending.
    private var sorted: [SimRuntime.Timer] = []
    /// Every pending timer while many are (`inHeap`).
    private var heap = Heap<SimRuntime.Timer>()
    private var inHeap = false
    /// How many pending timers move the queue to the heap, and how few move it back.
    static let heapAbove = 48, sortedBelow = 16

    var isEmpty: Bool { inHeap ? heap.isEmpty : sorted.isEmpty }

    mutating func insert(_ timer: SimRuntime.Timer) {
        if inHeap { return heap.insert(timer) }
        sorted.append(timer)
        // Through the storage: an element read through the array would be copied, and its
        // action retained and released, at every comparison and move.
        sorted.withUnsafeMutableBufferPointer { timers in
            var i = timers.count - 1
            while i > 0, !timers[i - 1].firesAfter(timers[i]) {
                timers.swapAt(i, i - 1)
                i -= 1
            }
        }
        if sorted.count > Self.heapAbove {
            heap = Heap(sorted)
            sorted = []
            inHeap = true
        }
    }

    /// When the next timer is due, if any is pending.
    var nextAt: Timestamp? {
        if inHeap { return heap.min?.at }
        return sorted.isEmpty ? nil : sorted[sorted.count - 1].at
    }

    /// Takes the next timer. The queue must not be empty.
    mutating func removeNext() -> SimRuntime.Timer {
        guard inHeap else { return sorted.removeLast() }
        let timer = heap.removeMin()
        if heap.count < Self.sortedBelow {
            sorted = heap.unordered.sorted { $0.firesAfter($1) }
            heap = Heap()
            inHeap = false
        }
        return timer
    }
}
