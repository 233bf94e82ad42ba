public import Core

/// The shipping service: reserves stock for paid orders, approves and ships them, or records a
/// shipment failure (which the order saga turns into a cancellation and a refund).
public final actor ShippingService<Store: EventStore, Stock: Warehouse>: EventHandler {
    let writer: StreamWriter<Store>
    let warehouse: Stock
    /// Orders this instance has seen shipped or cancelled. An order never leaves those statuses
    /// and shipping acts only on paid and approved orders, so nothing is left to do for them:
    /// a later delivery (the `order-approved` after this service shipped the order itself) needs
    /// no read of the stream. Forgetting one, or a restart, only costs that read. (Only this
    /// actor's methods touch it, never across an `await`: no runtime exclusivity checks.)
    @exclusivity(unchecked) private var finished: RecentOrders

    let executor: ServiceExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

    public init(writer: StreamWriter<Store>, warehouse: Stock, remembering capacity: Int = 4096,
                executor: ServiceExecutor = .dedicated()) {
        self.executor = executor
        self.writer = writer
        self.warehouse = warehouse
        finished = RecentOrders(capacity: capacity)
    }

    public nonisolated var interests: Set<EventType> { [.paymentDebited, .approved] }

    /// The warehouse key of an order's reservation and shipment.
    public nonisolated static func shipmentKey(_ order: OrderID) -> String { .prefixed("ship-", order.rawValue) }

    public func handle(_ delivery: Delivery) async throws {
        guard let order = delivery.event.orderID, !finished.contains(order) else { return }
        let key = Self.shipmentKey(order)
        let cause = delivery.event.eventID.rawValue
        var current = try await writer.load(order)
        while let state = current.take() {  // taken: each step hands the state on without a copy
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
                if state.status.isTerminal { finished.insert(order) }
                return
            }
            // A conflict: read the stream again. (A match, not `== nil`, which copies the state
            // through Optional's generic witnesses to compare it.)
            if case .none = current { current = try await writer.load(order) }
        }
    }
}
