import Core

/// Makes a random scenario from a seed: a workload of orders and, swarm-style, a random choice of
/// which fault kinds are on and how hard they hit. Every fault ends by ``healAt``; from there the
/// system must finish every order, so liveness is checked once it goes quiet.
public enum WorkloadGenerator {
    /// When every fault is over and every crashed service restarted.
    public static let healAt: Duration = .seconds(6)

    public static func scenario(seed: UInt64, orders: Int, faults: Set<FaultKind>) -> Scenario {
        let r = SimRandom(seed: seed, label: "workload")
        var s = Scenario(name: "explore seed \(seed)", file: "<explore>")
        s.seed = seed
        s.partitions = 1 + Int(r.below(6))
        s.paymentTimeout = .milliseconds(3000 + Int64(r.below(5000)))
        s.sessionTimeout = .milliseconds(300 + Int64(r.below(1200)))
        // Long enough for the run to go quiet, so liveness is checked. 10,000 orders take 150 to
        // 200 s of virtual time to drain (shipping works through a partition one order at a
        // time); 40 ms an order leaves twice that. Up to 3,000 orders the two minutes stand.
        s.stopAfter = max(.seconds(120), .milliseconds(40 * Int64(orders)))
        let customers = (1...(3 + Int(r.below(4)))).map { CustomerID(unchecked: "c\($0)") }
        s.customers = customers.map { ($0, 500 * Int64(2 + r.below(40))) }
        let skus = (1...(2 + Int(r.below(3)))).map { SKU(unchecked: "s\($0)") }
        s.stock = skus.map { ($0, r.below(4) == 0 ? Int64(r.below(3)) : 10 + Int64(r.below(40))) }

        var actions: [(Duration, Action)] = []
        for i in 0..<orders {
            let at = Duration.milliseconds(Int64(r.below(2000)))
            let lines = (0...Int(r.below(2))).map { _ in
                OrderLine(sku: skus[Int(r.below(UInt64(skus.count)))], quantity: 1 + Int64(r.below(3)),
                          unitPrice: 100 * (1 + Int64(r.below(20))))
            }
            let key = r.chance(0.3) ? "k\(i)" : nil
            let command = PlaceOrder(customerID: customers[Int(r.below(UInt64(customers.count)))], lines: lines,
                                     currency: s.currency, clientKey: key)
            actions.append((at, .place(alias: "o\(i)", command)))
            if key != nil, r.chance(0.3) {
                actions.append((at + .milliseconds(Int64(r.below(1500))), .place(alias: "o\(i)-again", command)))
            }
        }

        var kinds = FaultKind.allCases.filter { faults.contains($0) && r.chance(0.5) }
        let allowed = FaultKind.allCases.filter(faults.contains)
        if kinds.isEmpty, !allowed.isEmpty { kinds = [allowed[Int(r.below(UInt64(allowed.count)))]] }
        let services = ServiceName.allCases
        func service() -> ServiceName { services[Int(r.below(UInt64(services.count)))] }
        func moment() -> Duration { .milliseconds(Int64(r.below(3000))) }
        func span() -> Duration { .milliseconds(100 + Int64(r.below(1900))) }
        func probability() -> Double { Double(5 + r.below(40)) / 100 }
        func short(_ low: Int64, _ high: Int64) -> Duration { .milliseconds(low + Int64(r.below(UInt64(high - low)))) }
        for kind in kinds {
            for _ in 0..<(1 + Int(r.below(3))) {
                let t = moment(), d = span()
                switch kind {
                case .crash:
                    let name = service()
                    actions.append((t, .crash(name)))
                    actions.append((t + d, .restart(name)))
                case .crashBeforeReply: actions.append((t, .fault(.crashBeforeReply(service()), for: d)))
                case .crashBeforeCommit: actions.append((t, .fault(.crashBeforeCommit(service()), for: d)))
                case .busDrop: actions.append((t, .fault(.busDrop(probability()), for: d)))
                case .busDuplicate: actions.append((t, .fault(.busDuplicate(probability()), for: d)))
                case .busDelay: actions.append((t, .fault(.busDelay(short(50, 500)), for: d)))
                case .busReorder: actions.append((t, .fault(.busReorder(short(10, 300)), for: d)))
                case .busOutage: actions.append((t, .fault(.busOutage, for: d)))
                case .busRebalance:
                    let groups = ["orders-saga", "payments", "shipping", "orderquery"]
                    actions.append((t, .fault(.busRebalance(group: groups[Int(r.below(4))]), for: nil)))
                case .busSlow: actions.append((t, .fault(.busSlow(service(), short(10, 200)), for: d)))
                case .networkPartition: actions.append((t, .fault(.networkPartition(service()), for: d)))
                case .networkLatency: actions.append((t, .fault(.networkLatency(short(20, 300)), for: d)))
                case .networkLoseRequests: actions.append((t, .fault(.networkLoseRequests(probability()), for: d)))
                case .networkLoseReplies: actions.append((t, .fault(.networkLoseReplies(probability()), for: d)))
                case .storeFailWrites: actions.append((t, .fault(.storeFailWrites(probability()), for: d)))
                case .storeTimeoutWrites: actions.append((t, .fault(.storeTimeoutWrites(probability()), for: d)))
                case .storeFailReads: actions.append((t, .fault(.storeFailReads(probability()), for: d)))
                case .providerDecline:
                    actions.append((t, .provider(.decline(customers[Int(r.below(UInt64(customers.count)))]))))
                    actions.append((t + d, .provider(.normal)))
                case .providerTimeout:
                    actions.append((t, .provider(.timeout)))
                    actions.append((t + d, .provider(.normal)))
                case .providerSlow:
                    actions.append((t, .provider(.latency(short(50, 800)))))
                    actions.append((t + d, .provider(.normal)))
                case .providerFailAfterCharge: actions.append((t, .fault(.providerFailAfterCharge(probability()), for: d)))
                case .clockJump:
                    let by = short(100, 3000)
                    actions.append((t, .fault(.clockJump(service(), r.chance(0.5) ? by : .zero - by), for: nil)))
                }
            }
        }
        if !kinds.isEmpty {
            actions.append((healAt, .provider(.normal)))
            for name in services { actions.append((healAt, .restart(name))) }
        }
        actions.sort { $0.0 < $1.0 }
        s.actions = actions.enumerated().map { i, a in
            TimedAction(at: a.0, action: a.1, location: SourceLocation(file: "<explore>", line: i + 1, column: 1))
        }
        return s
    }
}
