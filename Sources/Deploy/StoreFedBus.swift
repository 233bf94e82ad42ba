public import Core
public import Logging
import Synchronization

/// The bus of a service in its own process while no broker is configured: every member follows
/// the event store's log through a subscription (over gRPC, the store's Subscribe call).
///
/// There are no groups and one partition: each member sees every event, in log order, with the
/// global position as its offset. That is at-least-once like the real bus (every handler is
/// idempotent), but two members of one group both handle everything, and committed positions live
/// in memory, so a restarted process re-reads the log from the start. A transient failure of the
/// store re-subscribes from the last committed position.
public struct StoreFedBus<Store: EventStore>: EventBus {
    let store: Store
    let clock: any TimeSource
    let reconnectDelay: Duration
    let logger: Logger?

    public init(store: Store, clock: any TimeSource, reconnectDelay: Duration = .milliseconds(500), logger: Logger? = nil) {
        self.store = store
        self.clock = clock
        self.reconnectDelay = reconnectDelay
        self.logger = logger
    }

    /// The store's log is the source: publishing is the store's relay's job, never a service's.
    public func publish(_ records: [BusRecord]) async throws {
        throw CausewayError(.internal, "the store-fed bus is read-only: events reach it by being appended to the store")
    }

    public func join(group: String, member: String, topics: [String]) async throws -> any BusConsumer {
        guard topics == [Topics.orders] else {
            throw CausewayError(.invalidArgument, "the store-fed bus carries only the '\(Topics.orders)' topic")
        }
        return Consumer(bus: self, member: member)
    }

    final class Consumer: BusConsumer {
        let bus: StoreFedBus
        let member: String
        private struct State {
            var subscription: (any EventSubscription)?
            var committed: Int64 = 0
            var closed = false
            var failing = false
        }
        private let state = Mutex(State())

        init(bus: StoreFedBus, member: String) {
            self.bus = bus
            self.member = member
        }

        /// One record at a time: the store's subscription hands them out one by one.
        func poll(max: Int) async throws -> [Delivery] {
            while true {
                let (current, committed, closed) = state.withLock { ($0.subscription, $0.committed, $0.closed) }
                if closed { return [] }
                do {
                    let subscription: any EventSubscription
                    if let current {
                        subscription = current
                    } else {
                        subscription = try await bus.store.subscribeAll(after: committed)
                        state.withLock { $0.subscription = subscription }
                    }
                    guard let event = try await subscription.next() else { return [] }
                    if state.withLock({ s in defer { s.failing = false }; return s.failing }) {
                        bus.logger?.notice("following the event store's log again", metadata: ["member": "\(member)"])
                    }
                    let record = BusRecord(event)
                    return [Delivery(topic: record.topic, partition: 0, offset: event.globalPosition, key: record.key,
                                     event: event, generation: 0)]
                } catch let error as CausewayError where error.isTransient {
                    let first = state.withLock { s in
                        defer { s.failing = true }
                        s.subscription = nil
                        return !s.failing
                    }
                    if first {
                        bus.logger?.warning("the event store's log is unavailable; re-subscribing until it is back", metadata: [
                            "member": "\(member)", "after": "\(committed)", "error": "\(error)",
                        ])
                    }
                    try await bus.clock.sleep(until: bus.clock.now() + bus.reconnectDelay)
                }
            }
        }

        func commit(_ deliveries: [Delivery]) async throws {
            guard let last = deliveries.map(\.offset).max() else { return }
            state.withLock { $0.committed = Swift.max($0.committed, last) }
        }

        func close() async {
            state.withLock {
                $0.closed = true
                $0.subscription = nil
            }
        }
    }
}
