import Core
import InMemory
import Testing

@Suite struct LedgerTests {
    let ann = CustomerID(unchecked: "ann")
    func eur(_ n: Int64) -> Money { Money(minorUnits: n, currency: .eur) }

    @Test func chargesAreIdempotentByKeyAndRefundOnce() {
        var ledger = PaymentLedger(openingBalance: 1000)
        let first = ledger.charge(key: "k", customer: ann, amount: eur(300))
        let again = ledger.charge(key: "k", customer: ann, amount: eur(300))
        #expect(first.isNew && !again.isNew && first.outcome == again.outcome)
        #expect(ledger.balance(of: ann) == 700 && ledger.debitCount[ann] == 1)
        #expect(ledger.refund(key: "k")?.amount == eur(300))
        #expect(ledger.refund(key: "k") == nil)
        #expect(ledger.refund(key: "never") == nil)
        #expect(ledger.balance(of: ann) == 1000)
    }

    @Test func declinesForFundsUnknownCustomersAndReasonsGiven() {
        var strict = PaymentLedger(openingBalance: nil)
        #expect(strict.charge(key: "a", customer: ann, amount: eur(1)).outcome == .declined(reason: "unknown-customer"))
        strict.open(ann, balance: 100)
        #expect(strict.charge(key: "b", customer: ann, amount: eur(101)).outcome == .declined(reason: "insufficient-funds"))
        #expect(strict.charge(key: "c", customer: ann, amount: eur(1), declining: "card-blocked").outcome
            == .declined(reason: "card-blocked"))
        #expect(strict.refund(key: "b") == nil)
        #expect(strict.balance(of: ann) == 100)
    }

    @Test func reservationsAreAllOrNothingAndShippingNeedsOne() throws {
        var ledger = StockLedger(openingStock: 0)
        let w = SKU(unchecked: "w"), g = SKU(unchecked: "g")
        ledger.setStock(w, 5)
        ledger.setStock(g, 1)
        let short = ledger.reserve(key: "a", lines: [OrderLine(sku: w, quantity: 2, unitPrice: 1),
                                                     OrderLine(sku: g, quantity: 2, unitPrice: 1)])
        #expect(short.outcome == .insufficientStock(g))
        #expect(ledger.stock(of: w) == 5)
        #expect(throws: CausewayError.self) { try ledger.ship(key: "a") }
        #expect(ledger.reserve(key: "b", lines: [OrderLine(sku: w, quantity: 2, unitPrice: 1)]).outcome == .reserved)
        #expect(ledger.reserve(key: "b", lines: [OrderLine(sku: w, quantity: 2, unitPrice: 1)]).isNew == false)
        #expect(ledger.stock(of: w) == 3)
        let shipped = try ledger.ship(key: "b")
        let repeated = try ledger.ship(key: "b")
        #expect(shipped.isNew && !repeated.isNew && repeated.tracking == shipped.tracking)
        // The books the warehouse-books checker reads: the refused reservation took no stock, and
        // a repeat under one key is one reservation and one parcel.
        #expect(ledger.stockReservations == 1 && ledger.parcelsShipped == 1)
    }

    /// Lines of one SKU count together, and of several short SKUs the first in SKU order is named.
    @Test func reservationsAddUpLinesOfOneSKUAndNameTheFirstShortOne() {
        var ledger = StockLedger(openingStock: 0)
        let a = SKU(unchecked: "a"), b = SKU(unchecked: "b"), w = SKU(unchecked: "w")
        ledger.setStock(w, 5)
        let twice = ledger.reserve(key: "1", lines: [OrderLine(sku: w, quantity: 3, unitPrice: 1),
                                                     OrderLine(sku: w, quantity: 3, unitPrice: 1)])
        #expect(twice.outcome == .insufficientStock(w))
        let bothShort = ledger.reserve(key: "2", lines: [OrderLine(sku: w, quantity: 1, unitPrice: 1),
                                                         OrderLine(sku: b, quantity: 1, unitPrice: 1),
                                                         OrderLine(sku: a, quantity: 1, unitPrice: 1)])
        #expect(bothShort.outcome == .insufficientStock(a))
        #expect(ledger.stock(of: w) == 5)
        let fits = ledger.reserve(key: "3", lines: [OrderLine(sku: w, quantity: 2, unitPrice: 1),
                                                    OrderLine(sku: w, quantity: 3, unitPrice: 1)])
        #expect(fits.outcome == .reserved)
        #expect(ledger.stock(of: w) == 0)
    }
}
