import Actors
import Core

/// Workloads for measuring the simulator.
public enum PipelineBenchmark {
    /// The time between two orders of the benchmark, in virtual time: a little more than the
    /// pipeline takes per order. Shipping, the slowest service, makes five calls per order one
    /// after another (a read, a reservation, an append, a shipment, an append), about 25 ms in
    /// all, so the pipeline handles about 40 orders per simulated second. At this pace it keeps
    /// up and few orders are in flight at any time; at a faster one a backlog builds in the bus,
    /// and the run's memory, and with it the cost of each order, grows with its size.
    public static let defaultInterval: Duration = .milliseconds(30)

    /// `orders` orders from 100 customers, one every `interval` of virtual time, with ample money
    /// and stock, so every order ships.
    public static func scenario(orders: Int, interval: Duration = defaultInterval) -> Scenario {
        var s = Scenario(name: "bench \(orders) orders", file: "<bench>")
        s.seed = 7
        let placing = interval * orders
        // Each consumer handles one record at a time, so orders placed faster than the pipeline
        // goes queue up: give every order time to be paid and shipped (the benchmark measures
        // the whole path, not timeouts), a second each at most.
        s.stopAfter = placing + .seconds(Int64(orders) + 600)
        s.paymentTimeout = .seconds(Int64(orders) + 60)
        let customers = (0..<100).map { CustomerID(unchecked: "c\($0)") }
        s.customers = customers.map { ($0, Int64.max / 4) }
        s.stock = [(SKU(unchecked: "widget"), Int64.max / 4)]
        for i in 0..<orders {
            let command = PlaceOrder(customerID: customers[i % customers.count],
                                     lines: [OrderLine(sku: SKU(unchecked: "widget"), quantity: 1, unitPrice: 500)],
                                     currency: .eur, clientKey: nil)
            s.actions.append(TimedAction(at: interval * i, action: .place(alias: "o\(i)", command),
                                         location: SourceLocation(file: "<bench>", line: i + 1, column: 1)))
        }
        return s
    }

    /// The reference: a bare two-actor ping-pong of `hops` round trips on the simulator's executor.
    public static func pingPong(hops: Int) {
        let runtime = SimRuntime(random: SimRandom(seed: 1))
        let executor = ServiceExecutor.shared(runtime.executor)
        let ping = Ping(pong: Pong(executor: executor), executor: executor)
        runtime.spawn {
            let total = await ping.run(hops)
            precondition(total > 0)
        }
        runtime.run(until: .zero)
    }

    /// The raw reference: the same ping-pong between two default actors, each its own executor,
    /// switched by the concurrency runtime alone (it takes and gives up each actor as it goes).
    /// This is the round trip any two actors pay; the simulator's services share one executor,
    /// which makes their switches cheaper than it (see ``pingPong(hops:)``). Returns the sum of
    /// the answers, so the work cannot be left out.
    public static func rawPingPong(hops: Int) async -> Int {
        await RawPing(pong: RawPong()).run(hops)
    }

    /// The second reference: `tasks` loops on one actor of the simulator's executor, each sleeping
    /// `sleeps` times for 1 to 3 ms of virtual time, drawn in whole milliseconds as a service's
    /// simulated network hop draws it: the cost of one timer, from its scheduling to the sleeper
    /// running on its actor again. Each sleep finds `tasks` - 1 timers pending: the bench picks
    /// `tasks` so that the timer queue holds what the pipeline's does.
    /// Returns how many sleeps ended and the virtual time the run took.
    @discardableResult
    public static func sleeps(tasks: Int, sleeps: Int) -> (woken: Int, elapsed: Duration) {
        let runtime = SimRuntime(random: SimRandom(seed: 1))
        let sleeper = Sleeper(clock: SimClock(runtime: runtime), random: SimRandom(seed: 2),
                              executor: .shared(runtime.executor))
        for _ in 0..<tasks {
            runtime.spawn { await sleeper.loop(sleeps) }
        }
        runtime.run(until: .zero + .seconds(Int64(sleeps) * 3 + 1))
        return (sleeper.woken, runtime.now - .zero)
    }

    actor Sleeper {
        let clock: SimClock
        let random: SimRandom
        let executor: ServiceExecutor
        /// Read once the run is over, on the thread that ran it.
        nonisolated(unsafe) var woken = 0
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

        init(clock: SimClock, random: SimRandom, executor: ServiceExecutor) {
            self.clock = clock
            self.random = random
            self.executor = executor
        }

        func loop(_ sleeps: Int) async {
            for _ in 0..<sleeps {
                guard (try? await clock.sleep(forMillis: random.millis(in: 1...3))) != nil else { return }
                woken += 1
            }
        }
    }

    actor Ping {
        let pong: Pong
        let executor: ServiceExecutor
        /// In the actor, as ``RawPing``'s is, so each iteration is a whole round trip.
        var total = 0
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }
        init(pong: Pong, executor: ServiceExecutor) {
            self.pong = pong
            self.executor = executor
        }
        func run(_ hops: Int) async -> Int {
            for _ in 0..<hops { total &+= await pong.ping() }
            return total
        }
    }

    actor RawPing {
        let pong: RawPong
        /// Kept in the actor, so each answer is added back on its executor: a total in a local
        /// would let the optimizer leave out the switch back, and time half a round trip.
        var total = 0
        init(pong: RawPong) { self.pong = pong }
        func run(_ hops: Int) async -> Int {
            for _ in 0..<hops { total &+= await pong.ping() }
            return total
        }
    }

    actor RawPong {
        var count = 0
        func ping() -> Int {
            count += 1
            return count
        }
    }

    actor Pong {
        var count = 0
        let executor: ServiceExecutor
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }
        init(executor: ServiceExecutor) { self.executor = executor }
        func ping() -> Int {
            count += 1
            return count
        }
    }
}
