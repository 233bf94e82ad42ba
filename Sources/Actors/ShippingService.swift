public import Core

/// The shipping service: reserves stock for paid orders, approves and ships them, or records a
/// shipment failure (which the order saga turns into a cancellation and a refund).
public actor ShippingService<Store: EventStore, Stock: Warehouse>: EventHandler {
    let writer: StreamWriter<Store>
    let warehouse: Stock

    public init(writer: StreamWriter<Store>, warehouse: Stock) {
        self.writer = writer
        self.warehouse = warehouse
    }

    public nonisolated var interests: Set<EventType> { [.paymentDebited, .approved] }

    /// The warehouse key of an order's reservation and shipment.
    public nonisolated static func shipmentKey(_ order: OrderID) -> String { "ship-" + order.rawValue }

    public func handle(_ delivery: Delivery) async throws {
        guard let order = delivery.event.orderID else { return }
        let key = Self.shipmentKey(order)
        let cause = delivery.event.eventID.rawValue
        var current = try await writer.load(order)
        while let state = current {
            switch ShipmentDecider.next(state) {
            case .reserve(let lines):
                let outcome = try await writer.retry.run(clock: writer.clock) {
                    try await warehouse.reserve(key: key, lines: lines)
                }
                current = try await writer.append([ShipmentDecider.record(outcome)], to: state, causedBy: cause)
            case .ship:
                let tracking = try await writer.retry.run(clock: writer.clock) { try await warehouse.ship(key: key) }
                current = try await writer.append([.shipped(trackingID: tracking)], to: state, causedBy: cause)
            case .nothing:
                return
            }
            if current == nil { current = try await writer.load(order) }
        }
    }
}
