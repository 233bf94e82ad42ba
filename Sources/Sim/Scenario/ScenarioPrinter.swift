import Core

extension Scenario {
    /// The scenario in its file form: parsing the text gives back the same scenario (this is how
    /// generated and shrunk runs become files a person can read and run).
    public var text: String {
        var out: [String] = []
        out.append("scenario \(name)")
        out.append("seed \(seed)")
        out.append("partitions \(partitions)")
        out.append("payment-timeout \(Self.show(paymentTimeout))")
        out.append("session-timeout \(Self.show(sessionTimeout))")
        out.append("stop-after \(Self.show(stopAfter))")
        out.append("currency \(currency)")
        out.append("")
        for (customer, balance) in customers { out.append("customer \(customer) balance \(balance)") }
        for (sku, quantity) in stock { out.append("stock \(sku) \(quantity)") }
        out.append("")
        for timed in actions { out.append("at \(Self.show(timed.at)) \(Self.show(timed.action, currency: currency))") }
        if !expectations.isEmpty { out.append("") }
        for expectation in expectations { out.append("expect \(expectation.text)") }
        return out.joined(separator: "\n") + "\n"
    }

    static func show(_ d: Duration) -> String {
        let ms = d.wholeMilliseconds
        if ms != 0, ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms != 0, ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }

    static func show(_ p: Double) -> String {
        var text = String(p)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func show(_ action: Action, currency: Currency) -> String {
        switch action {
        case .place(let alias, let command):
            var words = ["place", alias, command.customerID.rawValue]
            words += command.lines.map { "\($0.sku)*\($0.quantity)@\($0.unitPrice)" }
            if let key = command.clientKey { words.append("key=\(key)") }
            if command.currency != currency { words.append("currency=\(command.currency)") }
            return words.joined(separator: " ")
        case .crash(let s): return "crash \(s.rawValue)"
        case .restart(let s): return "restart \(s.rawValue)"
        case .provider(let b):
            switch b {
            case .normal: return "provider normal"
            case .decline(let c): return "provider decline \(c)"
            case .declineAll: return "provider decline-all"
            case .latency(let d): return "provider latency \(show(d))"
            case .timeout: return "provider timeout"
            }
        case .warehouseStock(let sku, let q): return "warehouse stock \(sku) \(q)"
        case .fault(let fault, let duration):
            let body: String
            switch fault {
            case .busDrop(let p): body = "bus drop \(show(p))"
            case .busDuplicate(let p): body = "bus duplicate \(show(p))"
            case .busDelay(let d): body = "bus delay \(show(d))"
            case .busReorder(let d): body = "bus reorder \(show(d))"
            case .busOutage: body = "bus outage"
            case .busRebalance(let g): body = "bus rebalance \(g)"
            case .busSlow(let s, let d): body = "bus slow \(s.rawValue) \(show(d))"
            case .networkPartition(let s): body = "network partition \(s.rawValue)"
            case .networkLatency(let d): body = "network latency \(show(d))"
            case .networkLoseRequests(let p): body = "network lose-requests \(show(p))"
            case .networkLoseReplies(let p): body = "network lose-replies \(show(p))"
            case .storeFailWrites(let p): body = "store fail-writes \(show(p))"
            case .storeTimeoutWrites(let p): body = "store timeout-writes \(show(p))"
            case .storeFailReads(let p): body = "store fail-reads \(show(p))"
            case .providerFailAfterCharge(let p): body = "provider fail-after-charge \(show(p))"
            case .clockJump(let s, let d):
                body = "clock \(s.rawValue) jump \(d < .zero ? "-" : "+")\(show(d < .zero ? .zero - d : d))"
            case .crashBeforeReply(let s): body = "crash \(s.rawValue) before-reply"
            case .crashBeforeCommit(let s): body = "crash \(s.rawValue) before-commit"
            }
            return body + (duration.map { " for \(show($0))" } ?? "")
        }
    }
}
