public import Core

/// The event-store service's relay: the store is the outbox. It follows the log from its saved
/// checkpoint and publishes every event to the bus, at least once, then saves how far it got.
/// After a crash it resumes from the checkpoint, so some events are published twice; consumers
/// are idempotent.
public struct EventRelay<Store: EventStore, Bus: EventBus, Checkpoints: CheckpointStore>: Sendable {
    /// The checkpoint name.
    public static var checkpointName: String { "relay" }

    let store: Store
    let bus: Bus
    let checkpoints: Checkpoints
    let clock: any TimeSource
    let retry: RetryPolicy

    public init(store: Store, bus: Bus, checkpoints: Checkpoints, clock: any TimeSource, retry: RetryPolicy = .standard) {
        self.store = store
        self.bus = bus
        self.checkpoints = checkpoints
        self.clock = clock
        self.retry = retry
    }

    /// Publishes until cancelled or the store's subscription ends.
    public func run() async throws {
        let start = try await retry.run(clock: clock) { try await checkpoints.load(Self.checkpointName) }
        let subscription = try await store.subscribeAll(after: start)
        while let event = try await subscription.next() {
            try await retry.run(clock: clock) { try await bus.publish([BusRecord(event)]) }
            try await retry.run(clock: clock) {
                try await checkpoints.save(Self.checkpointName, position: event.globalPosition)
            }
        }
    }
}
