import Core

/// A scenario file that does not parse: says where and what was expected.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public var description: String { "\(location): \(message)" }
}

/// Parses the scenario language (see `docs/scenarios.md`): one statement per line, `#` comments,
/// whitespace-separated words. Errors name the file, line and column and say what was expected.
public struct ScenarioParser {
    struct Token {
        var text: String
        var column: Int
        /// The text as an error quotes it (a very long word is cut).
        var shown: String { IdentifierRules.shown(text) }
    }

    let file: String
    private var scenario: Scenario
    private var sawName = false
    private var aliases: Set<String> = []

    public static func parse(_ source: String, file: String) throws(ScenarioError) -> Scenario {
        var parser = ScenarioParser(file: file)
        return try parser.run(source)
    }

    private init(file: String) {
        self.file = file
        scenario = Scenario(name: "", file: file)
    }

    private mutating func run(_ source: String) throws(ScenarioError) -> Scenario {
        var lineNumber = 0
        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let tokens = Self.tokenize(String(rawLine))
            guard !tokens.isEmpty else { continue }
            var words = Words(tokens: tokens, file: file, line: lineNumber)
            try statement(&words)
            try words.end()
        }
        guard sawName else {
            throw ScenarioError(location: SourceLocation(file: file, line: 1, column: 1),
                                message: "expected a 'scenario <name>' line")
        }
        return scenario
    }

    static func tokenize(_ line: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var start = 0
        var column = 0
        for ch in line {
            column += 1
            if ch == "#" { break }
            if ch == " " || ch == "\t" || ch == "\r" {
                if !current.isEmpty { tokens.append(Token(text: current, column: start)) }
                current = ""
            } else {
                if current.isEmpty { start = column }
                current.append(ch)
            }
        }
        if !current.isEmpty { tokens.append(Token(text: current, column: start)) }
        return tokens
    }

    private mutating func statement(_ w: inout Words) throws(ScenarioError) {
        let keyword = try w.next("a statement (scenario, seed, customer, stock, at, expect, …)")
        switch keyword.text {
        case "scenario":
            scenario.name = try w.rest("a scenario name")
            sawName = true
        case "seed": scenario.seed = try w.unsigned("a seed (a non-negative integer)")
        case "partitions": scenario.partitions = Int(try w.integer("a partition count", in: 1...256))
        case "payment-timeout": scenario.paymentTimeout = try w.duration()
        case "session-timeout": scenario.sessionTimeout = try w.duration()
        case "stop-after": scenario.stopAfter = try w.duration()
        case "currency": scenario.currency = try w.currency()
        case "customer":
            let id: CustomerID = try w.id()
            try w.keyword("balance")
            scenario.customers.append((id, try w.integer("a balance in minor units", in: 0...Int64.max)))
        case "stock":
            let sku: SKU = try w.id()
            scenario.stock.append((sku, try w.integer("a quantity", in: 0...Int64.max)))
        case "at":
            let at = try w.duration()
            let location = w.location
            scenario.actions.append(TimedAction(at: at, action: try action(&w), location: location))
        case "expect":
            let location = w.location
            let text = w.remainingText
            scenario.expectations.append(Expectation(kind: try expectation(&w), location: location, text: text))
        default:
            throw w.error(at: keyword, "expected a statement (scenario, seed, partitions, payment-timeout, session-timeout, stop-after, currency, customer, stock, at, expect), found '\(keyword.shown)'")
        }
    }

    private mutating func action(_ w: inout Words) throws(ScenarioError) -> Action {
        let verb = try w.next("an action (place, crash, restart, provider, warehouse)")
        switch verb.text {
        case "place":
            let aliasToken = try w.next("an order name")
            let alias = aliasToken.text
            if let problem = IdentifierRules.problem(in: alias, named: "order name") {
                throw w.error(at: aliasToken, problem)
            }
            guard aliases.insert(alias).inserted else {
                throw w.error(at: aliasToken, "order name '\(aliasToken.shown)' is already used; give each placement its own name (use key=… and 'expect same-order' for retries)")
            }
            let customer: CustomerID = try w.id()
            var lines: [OrderLine] = []
            var key: String?
            var currency = scenario.currency
            while let token = w.peek() {
                w.skip()
                if token.text.hasPrefix("key=") {
                    key = String(token.text.dropFirst(4))
                    if let problem = IdentifierRules.problem(in: key!) { throw w.error(at: token, "key \(problem)") }
                } else if token.text.hasPrefix("currency=") {
                    do { currency = try Currency(String(token.text.dropFirst(9))) } catch {
                        throw w.error(at: token, error.message)
                    }
                } else {
                    lines.append(try Self.orderLine(token, &w))
                }
            }
            if lines.isEmpty {
                throw w.error(at: nil, "expected at least one item like 'widget*2@1500' (sku*quantity@unit-price)")
            }
            return .place(alias: alias, PlaceOrder(customerID: customer, lines: lines, currency: currency, clientKey: key))
        case "crash":
            let service = try w.service()
            switch w.peek()?.text {
            case "before-reply"?:
                w.skip()
                return try lasting(.crashBeforeReply(service), &w)
            case "before-commit"?:
                w.skip()
                return try lasting(.crashBeforeCommit(service), &w)
            case nil: return .crash(service)
            case let other?:
                throw w.error(at: w.peek(), "expected 'before-reply', 'before-commit' or the end of the line, found '\(IdentifierRules.shown(other))'")
            }
        case "bus", "network", "store", "clock":
            return try faultAction(verb, &w)
        case "restart": return .restart(try w.service())
        case "provider":
            let what = try w.next("a provider behaviour (normal, decline, decline-all, latency, timeout)")
            switch what.text {
            case "normal": return .provider(.normal)
            case "decline": return .provider(.decline(try w.id()))
            case "decline-all": return .provider(.declineAll)
            case "latency": return .provider(.latency(try w.duration()))
            case "timeout": return .provider(.timeout)
            case "fail-after-charge": return try lasting(.providerFailAfterCharge(try w.probability()), &w)
            default:
                throw w.error(at: what, "expected a provider behaviour (normal, decline <customer>, decline-all, latency <duration>, timeout, fail-after-charge <probability>), found '\(what.shown)'")
            }
        case "warehouse":
            try w.keyword("stock")
            let sku: SKU = try w.id()
            return .warehouseStock(sku, try w.integer("a quantity", in: 0...Int64.max))
        default:
            throw w.error(at: verb, "expected an action (place, crash, restart, provider, warehouse, bus, network, store, clock), found '\(verb.shown)'")
        }
    }

    /// `bus …`, `network …`, `store …` and `clock …` faults.
    private func faultAction(_ area: Token, _ w: inout Words) throws(ScenarioError) -> Action {
        switch area.text {
        case "bus":
            let what = try w.next("a bus fault (drop, duplicate, delay, reorder, outage, rebalance, slow)")
            switch what.text {
            case "drop": return try lasting(.busDrop(try w.probability()), &w)
            case "duplicate": return try lasting(.busDuplicate(try w.probability()), &w)
            case "delay": return try lasting(.busDelay(try w.duration()), &w)
            case "reorder": return try lasting(.busReorder(try w.duration()), &w)
            case "outage": return try lasting(.busOutage, &w)
            case "rebalance":
                let groups = ["orders-saga", "payments", "shipping", "orderquery"]
                let group = try w.next("a consumer group (\(groups.joined(separator: ", ")))")
                guard groups.contains(group.text) else {
                    throw w.error(at: group, "expected a consumer group (\(groups.joined(separator: ", "))), found '\(group.shown)'")
                }
                return .fault(.busRebalance(group: group.text), for: nil)
            case "slow":
                let service = try w.service()
                return try lasting(.busSlow(service, try w.duration()), &w)
            default:
                throw w.error(at: what, "expected a bus fault (drop, duplicate, delay, reorder, outage, rebalance, slow), found '\(what.shown)'")
            }
        case "network":
            let what = try w.next("a network fault (partition, latency, lose-requests, lose-replies)")
            switch what.text {
            case "partition": return try lasting(.networkPartition(try w.service()), &w)
            case "latency": return try lasting(.networkLatency(try w.duration()), &w)
            case "lose-requests": return try lasting(.networkLoseRequests(try w.probability()), &w)
            case "lose-replies": return try lasting(.networkLoseReplies(try w.probability()), &w)
            default:
                throw w.error(at: what, "expected a network fault (partition, latency, lose-requests, lose-replies), found '\(what.shown)'")
            }
        case "store":
            let what = try w.next("a store fault (fail-writes, timeout-writes, fail-reads)")
            switch what.text {
            case "fail-writes": return try lasting(.storeFailWrites(try w.probability()), &w)
            case "timeout-writes": return try lasting(.storeTimeoutWrites(try w.probability()), &w)
            case "fail-reads": return try lasting(.storeFailReads(try w.probability()), &w)
            default:
                throw w.error(at: what, "expected a store fault (fail-writes, timeout-writes, fail-reads), found '\(what.shown)'")
            }
        default:
            let service = try w.service()
            try w.keyword("jump")
            return .fault(.clockJump(service, try w.signedDuration()), for: nil)
        }
    }

    /// A lasting fault with an optional `for <duration>`.
    private func lasting(_ fault: Fault, _ w: inout Words) throws(ScenarioError) -> Action {
        guard w.peek()?.text == "for" else { return .fault(fault, for: nil) }
        w.skip()
        return .fault(fault, for: try w.duration())
    }

    static func orderLine(_ token: Token, _ w: inout Words) throws(ScenarioError) -> OrderLine {
        let parts = token.text.split(separator: "@", omittingEmptySubsequences: false)
        let left = parts.first.map { $0.split(separator: "*", omittingEmptySubsequences: false) } ?? []
        guard parts.count == 2, left.count == 2, let quantity = Int64(left[1]), let price = Int64(parts[1]) else {
            throw w.error(at: token, "expected an item like 'widget*2@1500' (sku*quantity@unit-price in minor units), found '\(token.shown)'")
        }
        do {
            return OrderLine(sku: try SKU(String(left[0])), quantity: quantity, unitPrice: price)
        } catch {
            throw w.error(at: token, error.message)
        }
    }

    private func expectation(_ w: inout Words) throws(ScenarioError) -> Expectation.Kind {
        let what = try w.next("an expectation (order, balance, stock, view, no, count, orders, same-order, charges, query)")
        switch what.text {
        case "order":
            let alias = try alias(&w)
            if w.peek()?.text == "rejected" {
                w.skip()
                return .rejected(alias: alias)
            }
            let status = try w.status()
            var within: Duration?
            if w.peek()?.text == "within" {
                w.skip()
                within = try w.duration()
            }
            return .orderStatus(alias: alias, status, within: within)
        case "balance":
            let id: CustomerID = try w.id()
            return .balance(id, try w.integer("a balance in minor units", in: Int64.min...Int64.max))
        case "stock":
            let sku: SKU = try w.id()
            return .stock(sku, try w.integer("a quantity", in: Int64.min...Int64.max))
        case "view":
            let alias = try alias(&w)
            let status = try w.status()
            var version: Int64?
            if w.peek()?.text == "version" {
                w.skip()
                version = try w.integer("a stream version", in: 1...Int64.max)
            }
            return .view(alias: alias, status, version: version)
        case "no":
            let type = try w.eventType()
            try w.keyword("for")
            return .noEvent(type, alias: try alias(&w))
        case "count":
            let type = try w.eventType()
            var alias: String?
            if w.peek()?.text == "for" {
                w.skip()
                alias = try self.alias(&w)
            }
            return .count(type, alias: alias, Int(try w.integer("a count", in: 0...Int64(Int32.max))))
        case "orders": return .orders(Int(try w.integer("a count", in: 0...Int64(Int32.max))))
        case "same-order": return .sameOrder(try alias(&w), try alias(&w))
        case "charges":
            let id: CustomerID = try w.id()
            return .charges(id, Int(try w.integer("a count", in: 0...Int64(Int32.max))))
        case "query":
            var customer: CustomerID?
            var status: OrderStatus?
            while let token = w.peek(), token.text != "count" {
                w.skip()
                switch token.text {
                case "customer": customer = try w.id()
                case "status": status = try w.status()
                default: throw w.error(at: token, "expected 'customer', 'status' or 'count', found '\(token.shown)'")
                }
            }
            try w.keyword("count")
            return .query(customer: customer, status: status, count: Int(try w.integer("a count", in: 0...500)))
        default:
            throw w.error(at: what, "expected an expectation (order, balance, stock, view, no, count, orders, same-order, charges, query), found '\(what.shown)'")
        }
    }

    private func alias(_ w: inout Words) throws(ScenarioError) -> String {
        let token = try w.next("an order name")
        guard aliases.contains(token.text) else {
            throw w.error(at: token, "unknown order name '\(token.shown)'; orders are named by an earlier 'at … place <name> …' line")
        }
        return token.text
    }
}

/// The words of one line, consumed left to right.
struct Words {
    let tokens: [ScenarioParser.Token]
    let file: String
    let line: Int
    private var index = 0

    init(tokens: [ScenarioParser.Token], file: String, line: Int) {
        self.tokens = tokens
        self.file = file
        self.line = line
    }

    var location: SourceLocation { SourceLocation(file: file, line: line, column: tokens.first?.column ?? 1) }
    var remainingText: String { tokens[index...].map(\.text).joined(separator: " ") }

    func peek() -> ScenarioParser.Token? { index < tokens.count ? tokens[index] : nil }
    mutating func skip() { index += 1 }

    func error(at token: ScenarioParser.Token?, _ message: String) -> ScenarioError {
        let column = token?.column ?? (tokens.last.map { $0.column + $0.text.count } ?? 1)
        return ScenarioError(location: SourceLocation(file: file, line: line, column: column), message: message)
    }

    mutating func next(_ expected: String) throws(ScenarioError) -> ScenarioParser.Token {
        guard let token = peek() else { throw error(at: nil, "expected \(expected), found the end of the line") }
        index += 1
        return token
    }

    mutating func rest(_ expected: String) throws(ScenarioError) -> String {
        guard index < tokens.count else { throw error(at: nil, "expected \(expected), found the end of the line") }
        defer { index = tokens.count }
        return remainingText
    }

    mutating func keyword(_ word: String) throws(ScenarioError) {
        let token = try next("'\(word)'")
        guard token.text == word else { throw error(at: token, "expected '\(word)', found '\(token.shown)'") }
    }

    func end() throws(ScenarioError) {
        if let extra = peek() { throw error(at: extra, "expected the end of the line, found '\(extra.shown)'") }
    }

    mutating func integer(_ expected: String, in range: ClosedRange<Int64>) throws(ScenarioError) -> Int64 {
        let token = try next(expected)
        guard let value = Int64(token.text) else { throw error(at: token, "expected \(expected), found '\(token.shown)'") }
        guard range.contains(value) else {
            throw error(at: token, "expected \(expected) from \(range.lowerBound) to \(range.upperBound), found \(value)")
        }
        return value
    }

    mutating func unsigned(_ expected: String) throws(ScenarioError) -> UInt64 {
        let token = try next(expected)
        guard let value = UInt64(token.text) else { throw error(at: token, "expected \(expected), found '\(token.shown)'") }
        return value
    }

    /// A duration: digits and a unit, `ms`, `s` or `m` (`250ms`, `2s`, `1m`).
    mutating func duration() throws(ScenarioError) -> Duration {
        let token = try next("a duration like 250ms, 2s or 1m")
        if let d = Words.parseDuration(token.text) { return d }
        throw error(at: token, "expected a duration like 250ms, 2s or 1m, found '\(token.shown)'")
    }

    /// A duration with a sign, `+2s` or `-500ms`.
    mutating func signedDuration() throws(ScenarioError) -> Duration {
        let token = try next("a signed duration like +2s or -500ms")
        if let sign = token.text.first, sign == "+" || sign == "-", let d = Words.parseDuration(String(token.text.dropFirst())) {
            return sign == "-" ? .zero - d : d
        }
        throw error(at: token, "expected a signed duration like +2s or -500ms, found '\(token.shown)'")
    }

    /// A probability from 0 to 1, like 0.25.
    mutating func probability() throws(ScenarioError) -> Double {
        let token = try next("a probability from 0 to 1 (like 0.25)")
        guard let p = Double(token.text), p >= 0, p <= 1, token.text.allSatisfy({ $0.isNumber || $0 == "." }) else {
            throw error(at: token, "expected a probability from 0 to 1 (like 0.25), found '\(token.shown)'")
        }
        return p
    }

    static func parseDuration(_ text: String) -> Duration? {
        for (unit, factor) in [("ms", Int64(1)), ("s", 1000), ("m", 60_000)] where text.hasSuffix(unit) {
            guard let n = Int64(text.dropLast(unit.count)), n >= 0, n <= Int64.max / 60_000 / 1000 else { return nil }
            return .milliseconds(n * factor)
        }
        return nil
    }

    mutating func id<ID: ValidatedID>() throws(ScenarioError) -> ID {
        let token = try next("a \(ID.kind)")
        do { return try ID(token.text) } catch { throw self.error(at: token, error.message) }
    }

    mutating func currency() throws(ScenarioError) -> Currency {
        let token = try next("a currency code")
        do { return try Currency(token.text) } catch { throw self.error(at: token, error.message) }
    }

    mutating func service() throws(ScenarioError) -> ServiceName {
        let names = ServiceName.allCases.map(\.rawValue).joined(separator: ", ")
        let token = try next("a service (\(names))")
        guard let name = ServiceName(rawValue: token.text) else {
            throw error(at: token, "expected a service (\(names)), found '\(token.shown)'")
        }
        return name
    }

    mutating func status() throws(ScenarioError) -> OrderStatus {
        let names = OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")
        let token = try next("an order status (\(names))")
        guard let status = OrderStatus(rawValue: token.text) else {
            throw error(at: token, "expected an order status (\(names)), found '\(token.shown)'")
        }
        return status
    }

    mutating func eventType() throws(ScenarioError) -> EventType {
        let names = EventType.allCases.map(\.rawValue).joined(separator: ", ")
        let token = try next("an event type (\(names))")
        guard let type = EventType(rawValue: token.text) else {
            throw error(at: token, "expected an event type (\(names)), found '\(token.shown)'")
        }
        return type
    }
}
