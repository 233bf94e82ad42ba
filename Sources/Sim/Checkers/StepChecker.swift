import Core

/// Checks the safety invariants as the run goes, on every append and provider side effect, and
/// stops the run at the first violation so the trace ends where things went wrong.
final class StepChecker: SimFactObserver, @unchecked Sendable {
    private let log: LogModel
    /// The last version of each stream that is not an order's (an order's is on its ``LogModel.Order``).
    @exclusivity(unchecked) private var lastVersion: [StreamID: Int64] = [:]
    @exclusivity(unchecked) private var lastPosition: Int64 = 0
    private(set) var violations: [Violation] = []
    /// Supplies the time and the trace step of a violation, and stops the run.
    var now: () -> Timestamp = { .zero }
    var step: () -> Int = { 0 }
    var stop: () -> Void = {}

    init(log: LogModel) {
        self.log = log
    }

    private func fail(_ checker: String, _ order: OrderID?, _ message: String) {
        violations.append(Violation(checker: checker, order: order, message: message + " (step \(step()))", at: now()))
        stop()
    }

    func appended(_ events: ArraySlice<RecordedEvent>, stream: Int, at: Timestamp) {
        for e in events {
            if e.globalPosition <= lastPosition {
                fail("log-order", e.orderID, "global position \(e.globalPosition) after \(lastPosition)")
            }
            lastPosition = e.globalPosition
            // An order's stream is followed on the log's own record of the order, which the log
            // has at hand (it has just folded the event in).
            guard let order = e.orderID, let facts = log.order(stream: stream) else {
                checkVersion(e, after: Self.advance(&lastVersion[e.streamID, default: 0], to: e.streamVersion))
                continue
            }
            checkVersion(e, after: Self.advance(&facts.checkedVersion, to: e.streamVersion))
            switch e.type {
            case .paymentDebited where facts.count(.paymentDebited) > 1:
                fail("charged-once", order, "a second order-payment-debited")
            case .paymentRefunded where facts.count(.paymentRefunded) > facts.count(.paymentDebited):
                fail("refund-matches-debit", order, "a refund without a matching debit")
            case .shipped where facts.count(.shipped) > 1:
                fail("ships-once", order, "shipped a second time")
            case .shipped:
                if let state = facts.state, state.debited == nil || state.refunded != nil {
                    fail("ships-paid", order, "shipped without a standing debit")
                }
            default: break
            }
        }
    }

    /// A client was told its order was taken (or that it repeats one taken): the order is in the
    /// log by the time the answer arrives, or an acknowledged order can be lost.
    func accepted(_ order: OrderID) {
        if log.orders[order] == nil {
            fail("accepted-logged", order, "the client was told it was accepted, but the log has no such order")
        }
    }

    private func checkVersion(_ e: RecordedEvent, after last: Int64) {
        if e.streamVersion != last + 1 {
            fail("log-order", e.orderID, "stream \(e.streamID) got version \(e.streamVersion) where \(last + 1) was due")
        }
    }

    /// Sets `last` to `version` and returns what it was (one dictionary lookup for both).
    private static func advance(_ last: inout Int64, to version: Int64) -> Int64 {
        defer { last = version }
        return last
    }

    func published(_ event: RecordedEvent) {}

    /// One of a live service's own loops ended: whatever it did (relaying the log, consuming a
    /// group's partitions, keeping the payment deadlines) is no longer done.
    func loopEnded(_ loop: String, ending: String) {
        fail("loops-run", nil, "\(loop) ended while the service was up: \(ending)")
    }

    /// A provider balance changed.
    func balance(_ customer: CustomerID, is balance: Int64) {
        if balance < 0 { fail("balance-non-negative", nil, "customer \(customer) went to \(balance)") }
    }
}
