import Core
import Actors

/// One failed expectation or broken invariant of a run.
public struct RunFailure: Hashable, Sendable, CustomStringConvertible {
    /// Where the expectation was written (nil for invariants).
    public var location: SourceLocation?
    /// The expectation as written, or the checker's name.
    public var what: String
    public var reason: String
    /// The checker that caught it, for invariant violations.
    public var checker: String?

    public var description: String {
        (location.map { "\($0): " } ?? "") + "\(what): \(reason)"
    }
}

/// The outcome of running one scenario with one seed.
public struct RunReport: Sendable {
    public var scenario: String
    public var file: String
    public var seed: UInt64
    public var traceHash: String
    public var simulatedMillis: Int64
    public var events: Int
    public var deliveries: Int
    public var traceLines: Int
    /// Executor jobs run and timers fired: the simulator's own work.
    public var jobs: Int
    public var timers: Int
    /// Whether the run went quiet before `stop-after`.
    public var quiescent: Bool
    /// Faults injected (and messages lost) during the run.
    public var faultsInjected: Int
    /// Whether a checker stopped the run at a violation.
    public var stoppedByChecker: Bool
    /// The mutant the run used, if any.
    public var mutant: Mutant?
    public var failures: [RunFailure]
    /// The trace as JSON lines, when it was kept.
    public var trace: [UInt8]
    public var passed: Bool { failures.isEmpty }
}

/// What a finished run leaves behind: its world, shut down with every task finished, and the
/// run's own bookkeeping. Dropped, it is freed where it is dropped; a caller can instead take its
/// last reference with ``handOver()`` and release it elsewhere (the CLI frees a large world on a
/// thread of its own while it goes on; the simulator starts no thread for it).
public struct RunRemains: ~Copyable {
    /// Events the run appended: how large the world is.
    public let events: Int
    private let object: Unmanaged<AnyObject>

    init(_ object: Unmanaged<AnyObject>, events: Int) {
        self.object = object
        self.events = events
    }

    deinit { object.release() }

    /// The remains' last reference: releasing it frees them.
    public consuming func handOver() -> Unmanaged<AnyObject> {
        let object = self.object
        discard self
        return object
    }
}

/// Runs a scenario in a fresh simulated world and checks its expectations and the invariants.
public enum ScenarioRunner {
    /// Runs `scenario` and hands what the run leaves behind (see ``RunRemains``) to `free`, once
    /// the report is made. By default it is freed here.
    public static func run(
        _ scenario: Scenario, seed: UInt64? = nil, trace: TraceMode = .hash, mutant: Mutant? = nil,
        leaving free: (consuming RunRemains) -> Void = { _ in }
    ) -> RunReport {
        // The world comes back as its last reference, after every other reference to it here is
        // gone, so whoever releases it is the one who frees it.
        let (report, remains) = runKeepingWorld(scenario, seed: seed, trace: trace, mutant: mutant)
        free(RunRemains(remains, events: report.events))
        return report
    }

    /// What a finished run leaves to be freed.
    private final class Remains {
        let world: SimWorld
        let outcomes: PlacementBook
        init(_ world: SimWorld, _ outcomes: PlacementBook) {
            self.world = world
            self.outcomes = outcomes
        }
    }

    private static func runKeepingWorld(
        _ scenario: Scenario, seed: UInt64?, trace: TraceMode, mutant: Mutant?
    ) -> (RunReport, Unmanaged<AnyObject>) {
        var configuration = WorldConfiguration(seed: seed ?? scenario.seed)
        configuration.mutant = mutant
        configuration.partitions = scenario.partitions
        configuration.paymentTimeout = scenario.paymentTimeout
        configuration.sessionTimeout = scenario.sessionTimeout
        configuration.trace = trace
        let placements = scenario.actions.count { if case .place = $0.action { true } else { false } }
        configuration.expectedOrders = placements
        let world = SimWorld(configuration)
        var balances: [CustomerID: Int64] = [:]
        for (customer, balance) in scenario.customers {
            world.provider.open(customer, balance: balance)
            balances[customer] = balance
        }
        for (sku, quantity) in scenario.stock { world.warehouse.setStock(sku, quantity) }
        world.start()

        let outcomes = PlacementBook(placements: placements)
        // One action waits on the timer queue at a time: each schedules the next as it runs, so
        // a file of many actions does not make every timer of the run dearer. Actions of one
        // instant run in file order; where they meet other timers of that instant, the seed decides.
        // A file's actions are usually in time order already: then they are used as they are.
        let inOrder = zip(scenario.actions, scenario.actions.dropFirst()).allSatisfy { $0.at <= $1.at }
        let actions = inOrder ? scenario.actions : scenario.actions.enumerated()
            .sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
            .map(\.element)
        func schedule(from index: Int) {
            guard index < actions.count else { return }
            world.runtime.schedule(at: .zero + actions[index].at) {
                apply(actions[index].action, in: world, outcomes: outcomes)
                schedule(from: index + 1)
            }
        }
        schedule(from: 0)
        let quiescent = world.runtime.run(until: .zero + scenario.stopAfter)

        var failures = scenario.expectations.compactMap { expectation in
            check(expectation, world: world, outcomes: outcomes).map {
                RunFailure(location: expectation.location, what: "expect \(expectation.text)", reason: $0)
            }
        }
        let violations = world.checker.violations.isEmpty
            ? Invariants.check(world, initialBalances: balances, quiescent: quiescent)
            : world.checker.violations
        failures += violations.map {
            RunFailure(location: nil, what: "invariant \($0.checker)", reason: $0.detail, checker: $0.checker)
        }
        let hash = world.trace.hash()
        world.shutdown()
        let report = RunReport(
            scenario: scenario.name, file: scenario.file, seed: configuration.seed, traceHash: hash,
            simulatedMillis: world.trace.lastActivity.millis, events: world.trace.eventsAppended, deliveries: world.trace.deliveries,
            traceLines: world.trace.lineCount, jobs: world.runtime.executor.jobsRun, timers: world.runtime.timersFired, quiescent: quiescent,
            faultsInjected: world.trace.faultsInjected, stoppedByChecker: !world.checker.violations.isEmpty, mutant: mutant, failures: failures, trace: world.trace.text)
        return (report, Unmanaged.passRetained(Remains(world, outcomes)))
    }

    static func apply(_ action: Action, in world: SimWorld, outcomes: PlacementBook) {
        switch action {
        case .place(let alias, let command):
            world.place(command) { result in
                outcomes.results[alias] = result
                switch result {
                case .success(let placed):
                    world.trace.client(alias, outcome: placed.wasDuplicate ? .duplicate(placed.orderID) : .accepted(placed.orderID))
                case .failure(let error):
                    world.trace.client(alias, outcome: .refused(error.code))
                }
            }
        case .crash(let name): world.crash(name)
        case .restart(let name): world.restart(name)
        case .provider(let behaviour):
            world.trace.fault(Scenario.show(action, currency: .eur), node: "provider")
            switch behaviour {
            case .normal:
                world.provider.mode = .normal
                world.provider.declined = []
                world.provider.latency = SimPaymentProvider.normalLatency
            case .decline(let customer): world.provider.declined.insert(customer)
            case .declineAll: world.provider.mode = .declineAll
            case .latency(let d): world.provider.latency = d...d
            case .timeout: world.provider.mode = .timeout
            }
        case .warehouseStock(let sku, let quantity): world.warehouse.setStock(sku, quantity)
        case .fault(let fault, let duration): world.inject(fault, for: duration)
        }
    }

    /// Checks one expectation; returns why it failed, or nil.
    static func check(_ expectation: Expectation, world: SimWorld, outcomes: PlacementBook) -> String? {
        func order(_ alias: String) -> (OrderID?, String?) {
            switch outcomes.results[alias] {
            case .success(let placed)?: return (placed.orderID, nil)
            case .failure(let error)?: return (nil, "order '\(alias)' was refused: \(error)")
            case nil: return (nil, "order '\(alias)' got no answer from the order service")
            }
        }
        switch expectation.kind {
        case .orderStatus(let alias, let status, let within):
            let (id, problem) = order(alias)
            guard let id else { return problem }
            guard let state = world.log.orders[id]?.state else { return "order '\(alias)' (\(id)) has no events" }
            guard state.status == status else {
                return "order '\(alias)' is '\(state.status.rawValue)', expected '\(status.rawValue)'"
                    + (state.cancelReason.map { " (cancelled: \($0))" } ?? "")
            }
            if let within, let reached = world.log.orders[id]?.reachedAt(status), reached > .zero + within {
                return "order '\(alias)' became '\(status.rawValue)' at \(reached.millis)ms, later than \(within.wholeMilliseconds)ms"
            }
            return nil
        case .rejected(let alias):
            if case .success(let placed)? = outcomes.results[alias] { return "order '\(alias)' was accepted as \(placed.orderID)" }
            return nil
        case .balance(let customer, let expected):
            let actual = world.provider.balances[customer] ?? 0
            return actual == expected ? nil : "balance of \(customer) is \(actual), expected \(expected)"
        case .stock(let sku, let expected):
            let actual = world.warehouse.stock[sku] ?? 0
            return actual == expected ? nil : "stock of \(sku) is \(actual), expected \(expected)"
        case .view(let alias, let status, let version):
            let (id, problem) = order(alias)
            guard let id else { return problem }
            guard let view = world.views.snapshot()[id] else { return "the read model has no view of order '\(alias)'" }
            if view.status != status { return "the read model shows '\(view.status.rawValue)', expected '\(status.rawValue)'" }
            if let version, view.version != version { return "the read model is at version \(view.version), expected \(version)" }
            return nil
        case .noEvent(let type, let alias):
            let (id, problem) = order(alias)
            guard let id else { return problem }
            let n = world.log.orders[id]?.count(type) ?? 0
            return n == 0 ? nil : "order '\(alias)' has \(n) \(type.rawValue) event(s)"
        case .count(let type, let alias, let expected):
            var actual = world.log.count(type)
            if let alias {
                let (id, problem) = order(alias)
                guard let id else { return problem }
                actual = world.log.orders[id]?.count(type) ?? 0
            }
            return actual == expected ? nil : "counted \(actual) \(type.rawValue), expected \(expected)"
        case .orders(let expected):
            let actual = world.log.count(.orderCreated)
            return actual == expected ? nil : "\(actual) orders were created, expected \(expected)"
        case .sameOrder(let a, let b):
            let (idA, pa) = order(a), (idB, pb) = order(b)
            guard let idA, let idB else { return pa ?? pb }
            return idA == idB ? nil : "'\(a)' is \(idA) but '\(b)' is \(idB)"
        case .charges(let customer, let expected):
            let actual = world.provider.debitCount[customer] ?? 0
            return actual == expected ? nil : "\(customer) was debited \(actual) time(s), expected \(expected)"
        case .query(let customer, let status, let expected):
            let views = world.views.snapshot().values.filter {
                (customer == nil || $0.state.customerID == customer) && (status == nil || $0.status == status)
            }
            return views.count == expected ? nil : "the read model lists \(views.count) order(s), expected \(expected)"
        }
    }
}

/// What each client placement got back.
final class PlacementBook: @unchecked Sendable {
    var results: [String: Result<PlaceOrderResult, CausewayError>] = [:]

    /// Room for `placements` results from the start: a benchmark places thousands, and a table
    /// that grows rehashes every alias it holds.
    init(placements: Int = 0) { results.reserveCapacity(placements) }
}
