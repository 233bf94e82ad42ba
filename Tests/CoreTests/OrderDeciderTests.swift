import Core
import Testing

@Suite struct OrderDeciderTests {
    let alice = CustomerID(unchecked: "alice")
    func line(_ sku: String = "widget", _ quantity: Int64 = 1, _ price: Int64 = 100) -> OrderLine {
        OrderLine(sku: SKU(unchecked: sku), quantity: quantity, unitPrice: price)
    }
    func command(_ lines: [OrderLine], key: String? = nil) -> PlaceOrder {
        PlaceOrder(customerID: alice, lines: lines, currency: .eur, clientKey: key)
    }

    @Test func totalIsTheSumOfLines() throws {
        let total = try OrderDecider.validate(command([line("a", 2, 150), line("b", 3, 10)]))
        #expect(total == Money(minorUnits: 330, currency: .eur))
    }

    @Test(arguments: [
        ([] as [OrderLine], "at least one item"),
        ([OrderLine(sku: SKU(unchecked: "w"), quantity: 0, unitPrice: 1)], "quantity must be positive"),
        ([OrderLine(sku: SKU(unchecked: "w"), quantity: -2, unitPrice: 1)], "quantity must be positive"),
        ([OrderLine(sku: SKU(unchecked: "w"), quantity: 1, unitPrice: -1)], "must not be negative"),
        ([OrderLine(sku: SKU(unchecked: "w"), quantity: 1_000, unitPrice: Int64.max / 10)], "overflows"),
        ([OrderLine(sku: SKU(unchecked: "w"), quantity: 1, unitPrice: Int64.max),
          OrderLine(sku: SKU(unchecked: "v"), quantity: 1, unitPrice: 1)], "overflows"),
        ([OrderLine(sku: SKU(unchecked: "w"), quantity: 1, unitPrice: 0)], "total must be positive"),
    ])
    func rejectsBadOrders(lines: [OrderLine], message: String) {
        #expect {
            try OrderDecider.validate(command(lines))
        } throws: { error in
            let e = error as? CausewayError
            return e?.code == .invalidArgument && e?.message.contains(message) == true
        }
    }

    @Test func rejectsBadIdempotencyKey() {
        #expect(throws: CausewayError.self) { try OrderDecider.validate(command([line()], key: "has space")) }
    }

    @Test func derivedOrderIDIsStablePerCustomerAndKey() {
        let a = OrderID.derived(customer: alice, clientKey: "k1")
        #expect(a == OrderID.derived(customer: alice, clientKey: "k1"))
        #expect(a != OrderID.derived(customer: alice, clientKey: "k2"))
        #expect(a != OrderID.derived(customer: CustomerID(unchecked: "bob"), clientKey: "k1"))
        #expect(IdentifierRules.problem(in: a.rawValue) == nil)
    }

    @Test func identifiersAreValidated() throws {
        #expect(throws: CausewayError.self) { try OrderID("") }
        #expect(throws: CausewayError.self) { try OrderID("a/b") }
        #expect(throws: CausewayError.self) { try OrderID("-lead") }
        #expect(throws: CausewayError.self) { try OrderID(String(repeating: "x", count: 65)) }
        #expect(throws: CausewayError.self) { try Currency("XYZ") }
        #expect(try OrderID("ord_1.a-b").rawValue == "ord_1.a-b")
    }
}

@Suite struct OrderLifecycleTests {
    let stream = OrderID(unchecked: "o1").streamID
    var version: Int64 = 0

    func recorded(_ event: OrderEvent, _ version: Int64) -> RecordedEvent {
        RecordedEvent(eventID: EventID(unchecked: "e\(version)"), streamID: stream, streamVersion: version,
                      globalPosition: version, event: event, schemaVersion: 1, occurredAt: .zero, recordedAt: .zero,
                      correlationID: "c", causationID: "c")
    }

    var created: OrderEvent {
        .created(OrderCreated(orderID: OrderID(unchecked: "o1"), customerID: CustomerID(unchecked: "alice"),
                              lines: [OrderLine(sku: SKU(unchecked: "w"), quantity: 2, unitPrice: 50)],
                              total: Money(minorUnits: 100, currency: .eur), clientKey: nil))
    }

    func fold(_ events: [OrderEvent]) -> OrderState? {
        OrderState.fold(events.enumerated().map { recorded($1, Int64($0 + 1)) })
    }

    @Test func happyPathFoldsToShipped() throws {
        let money = Money(minorUnits: 100, currency: .eur)
        let s = try #require(fold([created, .paymentDebited(amount: money, chargeID: "c1"), .approved, .shipped(trackingID: "t")]))
        #expect(s.status == .shipped)
        #expect(s.version == 4)
        #expect(s.debited == money)
        #expect(PaymentDecider.next(s) == .nothing)
        #expect(ShipmentDecider.next(s) == .nothing)
    }

    @Test func paymentDecisionsFollowTheState() throws {
        let money = Money(minorUnits: 100, currency: .eur)
        let new = try #require(fold([created]))
        #expect(PaymentDecider.next(new) == .charge(CustomerID(unchecked: "alice"), money))
        let paid = try #require(fold([created, .paymentDebited(amount: money, chargeID: "c")]))
        #expect(PaymentDecider.next(paid) == .nothing)
        #expect(ShipmentDecider.next(paid) == .reserve(paid.lines))
        let cancelledPaid = try #require(fold([created, .paymentDebited(amount: money, chargeID: "c"),
                                               .shipmentFailed(reason: "x"), .cancelled(reason: "shipment-failed")]))
        #expect(PaymentDecider.next(cancelledPaid) == .refund(money))
        let refunded = try #require(fold([created, .paymentDebited(amount: money, chargeID: "c"), .shipmentFailed(reason: "x"),
                                          .cancelled(reason: "shipment-failed"), .paymentRefunded(amount: money)]))
        #expect(PaymentDecider.next(refunded) == .nothing)
        let timedOut = try #require(fold([created, .cancelled(reason: "payment-timeout")]))
        #expect(PaymentDecider.next(timedOut) == .voidUnrecorded)
    }

    @Test func sagaReactions() throws {
        let declined = try #require(fold([created, .paymentDeclined(reason: "insufficient-funds")]))
        #expect(OrderDecider.react(to: declined) == .cancelled(reason: "payment-declined"))
        let failed = try #require(fold([created, .paymentDebited(amount: Money(minorUnits: 100, currency: .eur), chargeID: "c"),
                                        .shipmentFailed(reason: "x")]))
        #expect(OrderDecider.react(to: failed) == .cancelled(reason: "shipment-failed"))
        let waiting = try #require(fold([created]))
        #expect(OrderDecider.paymentDeadlinePassed(waiting) == .cancelled(reason: "payment-timeout"))
        #expect(OrderDecider.react(to: waiting) == nil)
        let paid = try #require(fold([created, .paymentDebited(amount: Money(minorUnits: 100, currency: .eur), chargeID: "c")]))
        #expect(OrderDecider.paymentDeadlinePassed(paid) == nil)
    }

    @Test func terminalStatusNeverReopens() throws {
        let money = Money(minorUnits: 100, currency: .eur)
        let s = try #require(fold([created, .cancelled(reason: "payment-timeout"), .paymentDebited(amount: money, chargeID: "late")]))
        #expect(s.status == .cancelled)
        #expect(s.debited == money)
        #expect(PaymentDecider.next(s) == .refund(money))
    }

    @Test func viewSkipsDuplicatesAndRefusesGaps() throws {
        let first = try #require(OrderView(first: recorded(created, 1)))
        #expect(first.applying(recorded(created, 1)) == nil)
        #expect(first.applying(recorded(.approved, 3)) == nil)
        let next = try #require(first.applying(recorded(.paymentDeclined(reason: "x"), 2)))
        #expect(next.version == 2)
        #expect(next.history.map(\.type) == [.orderCreated, .paymentDeclined])
    }

    @Test func payloadsRoundTripThroughJSON() throws {
        let events: [OrderEvent] = [created, .paymentDebited(amount: Money(minorUnits: 5, currency: .eur), chargeID: "c"),
                                    .paymentDeclined(reason: "r"), .approved, .shipped(trackingID: "t"),
                                    .shipmentFailed(reason: "s"), .paymentRefunded(amount: Money(minorUnits: 5, currency: .eur)),
                                    .cancelled(reason: "x")]
        for event in events {
            #expect(try OrderEvent(type: event.type.rawValue, payload: event.encodedPayload()) == event)
        }
        #expect(throws: CausewayError.self) { try OrderEvent(type: "order-teleported", payload: Array("{}".utf8)) }
        #expect(throws: CausewayError.self) { try OrderEvent(type: "order-shipped", payload: Array("{\"x\":1}".utf8)) }
    }
}
