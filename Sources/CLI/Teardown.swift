import Dispatch
import Sim

/// Frees what large runs leave behind (a world's tables, events and services) on a thread of its
/// own, so the command goes on to its report and its next run while the memory is given back.
/// Freeing a 5,000-order world took about 3 % of its run on the simulator thread.
///
/// Only runs of at least ``minimumEvents`` events are worth it: a small world frees in less time
/// than it takes to hand it over and wake the thread (`explore`'s runs of 50 orders went 15 %
/// slower when each was handed over), so it is freed where it is dropped.
///
/// At most ``limit`` runs' remains wait to be freed: a caller that finds them all waiting waits
/// for one to go, so memory stays bounded however many runs a command makes. Nothing freed here
/// touches a simulation: every task of a world has finished before its remains are handed over.
enum Teardown {
    /// The smallest run, in events appended, whose remains are freed here.
    static let minimumEvents = 4096
    /// Remains that may wait to be freed at one time.
    static let limit = 2
    private static let queue = DispatchQueue(label: "causeway.teardown")
    private static let slots = DispatchSemaphore(value: limit)

    /// Frees `remains` on the teardown thread if the run was large, here otherwise.
    static func free(_ remains: consuming RunRemains) {
        guard remains.events >= minimumEvents else { return }
        nonisolated(unsafe) let object = remains.handOver()
        slots.wait()
        queue.async {
            object.release()
            slots.signal()
        }
    }

    /// Waits until every run's remains handed over so far are freed. A measurement that follows
    /// a run waits here first, so that it is not timed while the run's memory is given back on
    /// the other core (or, on a busy host, on the same one).
    static func drain() {
        queue.sync {}
    }
}
