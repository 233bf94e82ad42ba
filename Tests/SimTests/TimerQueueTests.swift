import Core
@testable import Sim
import Testing

@Suite struct TimerQueueTests {
    /// Timers come out by time, then by their draw, then by the order they were set, whether few
    /// are pending (the sorted array) or many (the heap), and across the moves between the two.
    @Test(arguments: [1, 8, 40, 300])
    func timersComeOutInFiringOrder(pending: Int) {
        let random = SimRandom(seed: UInt64(pending))
        var queue = TimerQueue()
        var expected: [SimRuntime.Timer] = []
        var sequence = 0
        func add() {
            sequence += 1
            // Mostly due soon, some long after; few distinct times, so draws break many ties.
            let millis = random.chance(0.1) ? 1_000 + random.millis(in: 0...5_000) : random.millis(in: 0...20)
            let timer = SimRuntime.Timer(at: Timestamp(millis: millis), tiebreak: random.next() % 4, sequence: sequence,
                                         action: .run({}))
            queue.insert(timer)
            expected.append(timer)
        }
        var fired: [Int] = []
        for _ in 0..<pending { add() }
        #expect(queue.nextAt?.millis == expected.map(\.at.millis).min())
        // Interleaved: take one, set one, as a run does.
        for _ in 0..<pending {
            fired.append(queue.removeNext().sequence)
            add()
        }
        while !queue.isEmpty { fired.append(queue.removeNext().sequence) }
        #expect(queue.nextAt == nil)
        #expect(fired.count == 2 * pending)
        // What fired in the first half was the earliest of what was pending each time.
        var pendingSet = Array(expected.prefix(pending))
        for (index, sequence) in fired.enumerated() {
            let earliest = pendingSet.min()!
            #expect(sequence == earliest.sequence, "timer \(index) out of order")
            pendingSet.removeAll { $0.sequence == earliest.sequence }
            if index < pending { pendingSet.append(expected[pending + index]) }
            if sequence != earliest.sequence { return }
        }
    }
}
