import Core
import InMemory

/// The bus as a service sees it through a faulty broker: publishing fails during an outage.
struct FaultyBus: EventBus {
    let inner: InMemoryEventBus
    let faults: FaultBox

    @inline(__always)  // the relay publishes every event: no async frame of its own
    func publish(_ records: [BusRecord]) async throws {
        if faults.state.busOutage { throw CausewayError(.unavailable, "the broker is down") }
        inner.publishSync(records)
    }

    func join(group: String, member: String, topics: [String]) async throws -> any BusConsumer {
        try joinMember(group: group, member: member, topics: topics)
    }

    /// Joins with the in-memory member's own type, which ``FaultyConsumer`` calls directly.
    func joinMember(group: String, member: String, topics: [String], interests: Set<EventType>? = nil) throws -> InMemoryEventBus.Consumer {
        if faults.state.busOutage { throw CausewayError(.unavailable, "the broker is down") }
        return inner.joinMember(group: group, member: member, topics: topics, interests: interests)
    }
}

/// One consumer-group member behind the bus faults: lost deliveries (the rest of the batch is
/// re-fetched from the lost one's offset after a while), duplicated deliveries (handed out
/// twice), a slow consumer, a broker outage, and a crash after handling but before the offset
/// commit.
final class FaultyConsumer: BusConsumer, @unchecked Sendable {
    let inner: InMemoryEventBus.Consumer
    let bus: InMemoryEventBus
    let group: String
    let member: String
    let node: ServiceName
    let world: FaultContext

    init(inner: InMemoryEventBus.Consumer, bus: InMemoryEventBus, group: String, member: String, node: ServiceName, world: FaultContext) {
        self.inner = inner
        self.bus = bus
        self.group = group
        self.member = member
        self.node = node
        self.world = world
    }

    // Inlined into their protocol witnesses, which the consumer loop calls: one async frame per
    // call instead of two.
    @inline(__always)
    func poll(max: Int) async throws -> [Delivery] {
        while true {
            if world.faults.state.busOutage {
                try await world.clock.sleep(for: .milliseconds(100))
                continue
            }
            let fetched = try await inner.poll(max: max)
            if fetched.isEmpty { return [] }
            // No fault on the fetch path: the batch as fetched (no copy, no draws).
            if world.faults.state.busDrop == 0, world.faults.state.busDuplicate == 0, world.faults.state.slow.isEmpty {
                return fetched
            }
            var batch: [Delivery] = []
            batch.reserveCapacity(fetched.count)
            for delivery in fetched {
                if world.random.chance(world.faults.state.busDrop) {
                    // The fetch response is lost from this record on: the member fetches again
                    // from its offset after a while.
                    world.trace.injected("drop", detail: "\(member) partition \(delivery.partition) offset \(delivery.offset)")
                    bus.seek(group: group, member: member, to: delivery)
                    try await world.clock.sleep(for: world.random.duration(in: .milliseconds(20)...(.milliseconds(200))))
                    break
                }
                batch.append(delivery)
                if world.random.chance(world.faults.state.busDuplicate) {
                    world.trace.injected("duplicate", detail: "\(member) partition \(delivery.partition) offset \(delivery.offset)")
                    batch.append(delivery)
                }
            }
            if batch.isEmpty { continue }
            if !world.faults.state.slow.isEmpty, let slow = world.faults.state.slow[node] {
                try await world.clock.sleep(for: slow * batch.count)
            }
            return batch
        }
    }

    @inline(__always)
    func commit(_ deliveries: [Delivery]) async throws {
        if !world.faults.state.crashBeforeCommit.isEmpty, world.faults.state.crashBeforeCommit.remove(node) != nil {
            world.crash(node)
            throw CancellationError()
        }
        try await inner.commit(deliveries)
    }

    func close() async { await inner.close() }
}

/// What fault wrappers need from their world.
struct FaultContext: @unchecked Sendable {
    let faults: FaultBox
    let random: SimRandom
    let clock: SimClock
    let trace: TraceRecorder
    let crash: (ServiceName) -> Void
}
