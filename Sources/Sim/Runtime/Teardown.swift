import Dispatch

/// Frees what finished runs leave behind (a world's tables, events and services) on a thread of
/// its own, so the caller goes on to its report and its next run while the memory is given back.
/// On a machine with a core to spare that takes the freeing off the run's thread, which spends
/// about 3 % of a large run there.
///
/// Only runs of at least ``minimumEvents`` events are worth it: a small world frees in less time
/// than it takes to hand it over and wake the thread (`explore`'s runs of 50 orders went 15 %
/// slower when each was handed over).
///
/// At most ``limit`` runs' remains wait to be freed: a caller that finds them all waiting waits
/// for one to go, so memory stays bounded however many runs a process makes (thousands, in
/// `explore`). Nothing freed here touches the simulation: every task of a world has finished
/// before its remains are handed over.
enum Teardown {
    /// The smallest run, in events appended, whose remains are freed here.
    static let minimumEvents = 4096
    /// Remains that may wait to be freed at one time.
    static let limit = 2
    private static let queue = DispatchQueue(label: "causeway.teardown")
    private static let slots = DispatchSemaphore(value: limit)

    /// Frees `remains`, whose last reference this must be, on the teardown thread.
    static func release(_ remains: Unmanaged<AnyObject>) {
        slots.wait()
        nonisolated(unsafe) let remains = remains
        queue.async {
            remains.release()
            slots.signal()
        }
    }
}
