import Crypto
import DequeModule
#if canImport(Glibc)
import Glibc
#endif

/// Writes a run's trace entries as JSON lines and hashes them (and keeps them, for `--trace`), on
/// a thread of its own: the simulator hands over a batch of entries and goes on with the run.
///
/// Batches are written strictly in the order they were handed over, so the bytes, and the hash,
/// are the same as if they were written where they happened. The thread touches nothing of the
/// simulation: only the entries (values) it is handed. It starts with the first full batch, so a
/// short run never starts one; what is left when the hash is asked for is written on the
/// caller's thread, once the worker has written everything before it.
///
/// A full queue makes the simulator wait, so a worker that falls behind (one core for both)
/// never holds more than ``maxQueued`` batches. An idle worker is woken once ``wakeAfter``
/// batches wait, not for each one. If no thread can be started, every batch is
/// written on the simulator's thread when it is handed over.
final class TraceDigest: @unchecked Sendable {
    /// Entries per batch handed to the worker.
    static let batchSize = 1024
    /// Batches the simulator may be ahead of the worker before it waits.
    static let maxQueued = 64
    /// Batches that wait before an idle worker is woken. Waking a thread is a system call that
    /// took about 3 % of a benchmark run's simulator thread when it was made for every batch;
    /// a worker that is busy needs no wake-up and takes what is queued as it goes.
    static let wakeAfter = 8

    private let worker: Worker

    /// `threaded: false` writes every batch on the caller's thread as it is handed over (what
    /// also happens when the system will not start a thread).
    init(keep: Bool, threaded: Bool = true) {
        worker = Worker(keep: keep, threadless: !threaded)
    }

    deinit { worker.stop() }

    /// Hands `batch` over to be written after every batch before it. Returns an empty batch to
    /// fill next (an earlier batch's storage, when one is free).
    func submit(_ batch: TraceBatch) -> TraceBatch {
        worker.submit(batch)
    }

    /// Writes everything handed over and then `rest` (which is emptied), and returns the hash of
    /// the whole trace so far and, when kept, its bytes. Lines may still be added after.
    func finish(_ rest: inout TraceBatch) -> (digest: SHA256.Digest, kept: [UInt8]) {
        worker.waitUntilIdle()
        // The worker is idle and waits for a batch: its output is the caller's until the next
        // `submit`, which hands it back under the lock.
        worker.write(rest)
        rest.removeAll()
        return (worker.hasher.finalize(), worker.kept)
    }

    /// The worker's state. The queue and flags are guarded by `lock`; the output (`lines`,
    /// `hasher`, `kept`) belongs to the worker thread while it writes a batch, and to the owner
    /// only while the worker is idle.
    private final class Worker: @unchecked Sendable {
        let keep: Bool
        private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        /// Signalled when a batch is queued or the worker should stop.
        private let work = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        /// Signalled when the worker has written a batch.
        private let progress = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        private var queue = Deque<TraceBatch>()
        private var spare: [TraceBatch] = []
        private var writing = false
        private var started = false
        /// Set when batches are written in place: asked for, or the system would not start the thread.
        private var threadless: Bool
        private var stopping = false

        private let lines = JSONLines()
        var hasher = SHA256()
        var kept: [UInt8] = []

        init(keep: Bool, threadless: Bool) {
            self.keep = keep
            self.threadless = threadless
            pthread_mutex_init(lock, nil)
            pthread_cond_init(work, nil)
            pthread_cond_init(progress, nil)
        }

        deinit {
            pthread_cond_destroy(progress)
            pthread_cond_destroy(work)
            pthread_mutex_destroy(lock)
            progress.deallocate()
            work.deallocate()
            lock.deallocate()
        }

        func submit(_ batch: TraceBatch) -> TraceBatch {
            pthread_mutex_lock(lock)
            if !started, !threadless {
                started = start()
                threadless = !started
            }
            guard started else {
                // No thread to be had: the batch is written here, as it would have been there.
                pthread_mutex_unlock(lock)
                var batch = batch
                write(batch)
                batch.removeAll()
                return batch
            }
            defer { pthread_mutex_unlock(lock) }
            while queue.count >= TraceDigest.maxQueued { pthread_cond_wait(progress, lock) }
            queue.append(batch)
            if queue.count >= TraceDigest.wakeAfter { pthread_cond_signal(work) }
            if let reused = spare.popLast() { return reused }
            var fresh = TraceBatch()
            fresh.entries.reserveCapacity(TraceDigest.batchSize)
            return fresh
        }

        func waitUntilIdle() {
            pthread_mutex_lock(lock)
            // Batches may be waiting for the worker to be woken.
            if !queue.isEmpty { pthread_cond_signal(work) }
            while !queue.isEmpty || writing { pthread_cond_wait(progress, lock) }
            pthread_mutex_unlock(lock)
        }

        func stop() {
            pthread_mutex_lock(lock)
            stopping = true
            pthread_cond_signal(work)
            pthread_mutex_unlock(lock)
        }

        /// Writes entries as JSON, hashes them and keeps them if asked.
        func write(_ batch: TraceBatch) {
            batch.write(to: lines, full: drain)
            drain()
        }

        private func drain() {
            lines.drain { bytes in
                hasher.update(bufferPointer: bytes)
                if keep { kept.append(contentsOf: bytes) }
            }
        }

        /// Starts the thread (under the lock); false if the system has none to give. The thread
        /// holds the worker until it stops.
        private func start() -> Bool {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let created = pthread_create(&thread, nil, { context in
                Unmanaged<Worker>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
            guard created == 0 else {
                Unmanaged<Worker>.fromOpaque(context).release()
                return false
            }
            pthread_detach(thread)
            return true
        }

        private func run() {
            pthread_mutex_lock(lock)
            while true {
                while queue.isEmpty, !stopping { pthread_cond_wait(work, lock) }
                guard var batch = queue.popFirst() else { break }
                writing = true
                pthread_mutex_unlock(lock)
                write(batch)
                batch.removeAll()
                pthread_mutex_lock(lock)
                writing = false
                if spare.count < 2 { spare.append(batch) }
                pthread_cond_broadcast(progress)
            }
            pthread_mutex_unlock(lock)
        }
    }
}
