import Core
import Testing

/// Tables kept per event type or per status index them by `ordinal`; each case must have its own.
@Suite struct OrdinalTests {
    @Test func eventTypeOrdinalsArePositionsInAllCases() {
        for (i, type) in EventType.allCases.enumerated() { #expect(type.ordinal == i, "\(type)") }
    }

    /// Consumers and the in-memory bus check a record's type against a mask of bits: every type
    /// needs a bit of its own (more types than bits in a `UInt64` would break this).
    @Test func everyEventTypeHasItsOwnBitInAMask() {
        let bits = EventType.allCases.map(\.bit)
        #expect(!bits.contains(0))
        #expect(Set(bits).count == EventType.allCases.count)
        let mask = EventType.mask(of: [.orderCreated, .cancelled])
        #expect(EventType.allCases.filter { mask & $0.bit != 0 } == [.orderCreated, .cancelled])
    }

    @Test func statusOrdinalsArePositionsInAllCases() {
        for (i, status) in OrderStatus.allCases.enumerated() { #expect(status.ordinal == i, "\(status)") }
    }

    @Test func hashingByCaseKeepsSetsAndDictionariesRight() {
        let types = Set(EventType.allCases)
        #expect(types.count == EventType.allCases.count)
        #expect(EventType.allCases.allSatisfy(types.contains))
        let statuses = Dictionary(uniqueKeysWithValues: OrderStatus.allCases.map { ($0, $0.rawValue) })
        #expect(OrderStatus.allCases.allSatisfy { statuses[$0] == $0.rawValue })
    }
}
