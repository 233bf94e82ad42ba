import Core
import Actors

/// Which events each consumer group has handled to the end: the record behind the `consumed`
/// checker. A group's commit promises that what it passed over was dealt with; a group that
/// commits first and handles after (at most once) loses what a crash interrupts, and for the
/// payment service that loss is masked by the saga's payment deadline, which cancels the order
/// as if the provider had never answered. Once the run is quiet, every event a group acts on
/// must have been handled by one of its members at least once.
///
/// Only touched on the simulator thread; a bit per event and group, by global position.
final class ConsumptionLedger: @unchecked Sendable {
    /// One group's handled events: bit `p` set when the event at global position `p` was handled.
    final class Handled: @unchecked Sendable {
        @exclusivity(unchecked) var words: [UInt64]
        /// How many different events were handled: the bits set.
        @exclusivity(unchecked) private(set) var count = 0

        init(events: Int) { words = Array(repeating: 0, count: events / 64 + 1) }

        func insert(_ position: Int64) {
            let word = Int(position >> 6)
            if word >= words.count { words.append(contentsOf: repeatElement(0, count: max(word + 1, 2 * words.count) - words.count)) }
            let before = words[word]
            words[word] = before | 1 << UInt64(position & 63)
            if words[word] != before { count += 1 }
        }

        func removeAll() {
            words = [0]
            count = 0
        }

        func contains(_ position: Int64) -> Bool {
            let word = Int(position >> 6)
            return word < words.count && words[word] & (1 << UInt64(position & 63)) != 0
        }
    }

    struct Group {
        let name: String
        /// The event types the group acts on (``EventType/bit``).
        let interests: UInt64
        let handled: Handled
    }
    @exclusivity(unchecked) private(set) var groups: [Group] = []
    /// The events a run is expected to append: room made for them from the start.
    private let expectedEvents: Int

    init(expectedEvents: Int = 0) { self.expectedEvents = expectedEvents }

    /// The group's index, registering it (with the event types its handler acts on) the first time.
    func group(_ name: String, interests: Set<EventType>) -> Int {
        if let index = groups.firstIndex(where: { $0.name == name }) { return index }
        groups.append(Group(name: name, interests: EventType.mask(of: interests),
                            handled: Handled(events: expectedEvents)))
        return groups.count - 1
    }

    /// The observer of one group's consumer loops: it marks what a loop handled, and hands the
    /// rest to the trace.
    final class Observer: ConsumerObserver, @unchecked Sendable {
        let handled: Handled
        let trace: TraceRecorder

        init(_ group: Group, trace: TraceRecorder) {
            handled = group.handled
            self.trace = trace
        }

        func handled(_ delivery: Delivery, member: String) {
            handled.insert(delivery.event.globalPosition)
        }

        func handlerGaveUp(_ delivery: Delivery, member: String, error: any Error) {
            trace.handlerGaveUp(delivery, member: member, error: error)
        }
    }
}
