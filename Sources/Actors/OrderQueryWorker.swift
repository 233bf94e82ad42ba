public import Core

/// An order-query worker: keeps the read model in step with the log. Several workers share one
/// consumer group; each view is written compare-and-set on its version, duplicates are skipped,
/// and a gap (an event ahead of the view) is filled by reading the stream from the store.
public final actor OrderQueryWorker<Store: EventStore, Views: ReadModelStore>: EventHandler {
    let store: Store
    let views: Views
    let clock: any TimeSource
    let retry: RetryPolicy

    let executor: ServiceExecutor

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.unownedExecutor }

    public init(store: Store, views: Views, clock: any TimeSource, retry: RetryPolicy = .standard,
                executor: ServiceExecutor = .dedicated()) {
        self.executor = executor
        self.store = store
        self.views = views
        self.clock = clock
        self.retry = retry
    }

    public nonisolated var interests: Set<EventType> { Set(EventType.allCases) }

    /// Nonisolated: it touches no state of the actor's own, so it runs where it is called (the
    /// consumer loop runs on this actor), without a switch to the actor and back per delivery.
    public nonisolated func handle(_ delivery: Delivery) async throws {
        let event = delivery.event
        guard let order = event.orderID else { return }
        while true {
            // The next version (nearly every delivery) is applied by the store, where the view
            // is; a gap is filled from the log and written compare-and-set.
            guard case .behind(let current) = try await views.apply(event, to: order) else { return }
            guard let next = try await catchUp(current, order: order) else { return }
            if try await views.save(next, replacingVersion: current?.version ?? 0) { return }
        }
    }

    /// The view brought up to the stream's current end from the store.
    private func catchUp(_ current: OrderView?, order: OrderID) async throws -> OrderView? {
        let from = (current?.version ?? 0) + 1
        let missing = try await retry.run(clock: clock) {
            try await store.readStream(order.streamID, from: from, direction: .forwards, limit: Int.max)
        }
        guard var view = current ?? missing.first.flatMap(OrderView.init(first:)) else { return nil }
        for event in missing where event.streamVersion > view.version {
            guard view.apply(event) else { break }
        }
        return view
    }
}

/// The query service: answers questions from the read model.
public struct QueryService<Views: ReadModelStore>: Sendable {
    let views: Views

    public init(views: Views) { self.views = views }

    /// One order's view; `notFound` when no event of it has been projected.
    public func order(_ id: OrderID) async throws -> OrderView {
        guard let view = try await views.view(of: id) else {
            throw CausewayError(.notFound, "no order '\(id)'")
        }
        return view
    }

    /// A page of orders matching the query.
    public func orders(_ query: OrderQuery) async throws -> [OrderView] {
        guard (1...500).contains(query.limit) else {
            throw CausewayError(.invalidArgument, "limit must be between 1 and 500 (got \(query.limit))")
        }
        return try await views.list(query)
    }
}
