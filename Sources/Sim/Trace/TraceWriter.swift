import Core
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// One line of the trace as the simulator records it: the values, not yet their JSON.
enum TraceLine: Sendable {
    case append(at: Int64, stream: String, version: Int64, position: Int64, type: EventType, event: String)
    case publish(at: Int64, topic: String, partition: Int, offset: Int64, position: Int64)
    case deliver(at: Int64, group: String, member: String, partition: Int, offset: Int64, stream: String, version: Int64)
    case commit(at: Int64, group: String, member: String, partition: Int, offset: Int64)
    case provider(at: Int64, call: String, key: String, detail: String)
    case client(at: Int64, order: String, outcome: String)
    /// Any other (rarer) kind: its fields in order.
    case fields(at: Int64, kind: StaticString, [(StaticString, TraceValue)])

    /// Writes the line's JSON: `at` and `kind` first, then the fields in their fixed order.
    func write(to out: JSONLines) {
        out.begin()
        switch self {
        case .append(let at, let stream, let version, let position, let type, let event):
            out.field("at", at)
            out.field("kind", "append" as StaticString)
            out.field("stream", stream)
            out.field("version", version)
            out.field("position", position)
            out.field("type", type.rawValue)
            out.field("event", event)
        case .publish(let at, let topic, let partition, let offset, let position):
            out.field("at", at)
            out.field("kind", "publish" as StaticString)
            out.field("topic", topic)
            out.field("partition", partition)
            out.field("offset", offset)
            out.field("position", position)
        case .deliver(let at, let group, let member, let partition, let offset, let stream, let version):
            out.field("at", at)
            out.field("kind", "deliver" as StaticString)
            out.field("group", group)
            out.field("member", member)
            out.field("partition", partition)
            out.field("offset", offset)
            out.field("stream", stream)
            out.field("version", version)
        case .commit(let at, let group, let member, let partition, let offset):
            out.field("at", at)
            out.field("kind", "commit" as StaticString)
            out.field("group", group)
            out.field("member", member)
            out.field("partition", partition)
            out.field("offset", offset)
        case .provider(let at, let call, let key, let detail):
            out.field("at", at)
            out.field("kind", "provider" as StaticString)
            out.field("call", call)
            out.field("key", key)
            out.field("detail", detail)
        case .client(let at, let order, let outcome):
            out.field("at", at)
            out.field("kind", "client" as StaticString)
            out.field("order", order)
            out.field("outcome", outcome)
        case .fields(let at, let kind, let fields):
            out.field("at", at)
            out.field("kind", kind)
            for (name, value) in fields {
                switch value {
                case .string(let s): out.field(name, s)
                case .int(let n): out.field(name, n)
                }
            }
        }
        out.end()
    }
}

/// A field value of a ``TraceLine/fields(at:kind:_:)`` line.
enum TraceValue: Sendable {
    case string(String)
    case int(Int64)
}

/// Turns trace lines into JSON and their SHA-256 (and, for `--trace`, keeps the bytes).
///
/// A long run hands its lines over in batches to a helper thread, which writes and hashes them
/// while the simulation goes on: that is a sixth of a run's work, and it needs nothing from the
/// simulation but the lines' values. The helper takes the batches in the order they were handed
/// over, so the bytes and the digest are those of writing them in line; it never touches the
/// simulation (no job, no timer, no random draw), so it cannot change what a run does. A short
/// run never starts it.
///
/// The simulator thread calls every method. The JSON buffer, the hasher and the kept bytes belong
/// to the helper while a batch is queued or being written, and to the simulator thread once
/// ``settle()`` has returned; the queue and the pool are only touched under the lock.
final class TraceWriter {
    /// Lines per batch handed to the helper.
    static let batchSize = 2048
    /// How many batches circulate between the simulator thread and the helper: the simulator
    /// waits for the helper only when all of them are full.
    static let batches = 4

    private let keep: Bool
    /// The batch being filled (simulator thread only).
    @exclusivity(unchecked) private var batch: [TraceLine] = []
    private let out = JSONLines()
    private var hasher = SHA256()
    private var kept: [UInt8] = []

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Full batches, oldest first.
    private var queue: [[TraceLine]] = []
    /// Written batches, to be emptied and filled again by the simulator thread.
    private var pool: [[TraceLine]] = []
    /// Batches made so far besides the first.
    private var made = 0
    /// Whether the helper is writing a batch it took off the queue.
    private var writing = false
    /// Whether the simulator thread waits for the helper (for an empty batch, or for the end).
    private var waiting = false
    private var stopping = false
    private var helper: pthread_t?

    init(keep: Bool) {
        self.keep = keep
        batch.reserveCapacity(Self.batchSize)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        if let helper {
            locked { stopping = true }
            pthread_join(helper, nil)
        }
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
    }

    /// Adds a line after those added before.
    @inline(__always) func add(_ line: TraceLine) {
        batch.append(line)
        if batch.count == Self.batchSize { submit() }
    }

    /// The hex SHA-256 of every line added so far.
    func hexDigest() -> String {
        finish()
        return Array(hasher.finalize()).hexString
    }

    /// Every line added so far as JSON lines, when kept.
    var keptBytes: [UInt8] {
        finish()
        return kept
    }

    /// Hands the full batch to the helper (starting it the first time) and goes on with an empty one.
    private func submit() {
        if helper == nil { startHelper() }
        var next: [TraceLine] = locked {
            while pool.isEmpty && made == Self.batches - 1 { wait() }
            if let empty = pool.popLast() { return empty }
            made += 1
            return []
        }
        // The lines are let go here, not on the helper: memory is then freed by the thread that
        // allocated it, and the two threads never contend for the allocator.
        next.removeAll(keepingCapacity: true)
        if next.capacity < Self.batchSize { next.reserveCapacity(Self.batchSize) }
        swap(&batch, &next)
        // No wake-up: the helper looks for work on its own (a wake-up is a system call and,
        // on a virtual machine, an interrupt to the other processor, dearer than the batch).
        locked { queue.append(next) }
    }

    /// Writes what the helper has not been handed, on this thread, after everything it has.
    private func finish() {
        settle()
        write(batch)
        batch.removeAll(keepingCapacity: true)
        out.drain { consume($0) }
    }

    /// Waits until the helper has written every batch handed to it.
    private func settle() {
        guard helper != nil else { return }
        locked {
            while !queue.isEmpty || writing { wait() }
        }
    }

    private func write(_ lines: [TraceLine]) {
        for line in lines {
            line.write(to: out)
            if out.count >= 1 << 16 { out.drain { consume($0) } }
        }
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        if keep { kept.append(contentsOf: bytes) }
    }

    private func startHelper() {
        var thread = pthread_t()
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            Unmanaged<TraceWriter>.fromOpaque(context!).takeUnretainedValue().work()
            return nil
        }, context)
        precondition(status == 0, "could not start the trace's writing thread (error \(status))")
        helper = thread
    }

    /// Waits, holding the lock, until the helper has finished a batch.
    private func wait() {
        waiting = true
        pthread_cond_wait(changed, lock)
    }

    /// The helper's loop: write the oldest full batch and return it to the pool; with none,
    /// look again a little later; until stopped.
    private func work() {
        pthread_mutex_lock(lock)
        while true {
            guard let lines = queue.first else {
                if stopping { break }
                pthread_mutex_unlock(lock)
                usleep(200)
                pthread_mutex_lock(lock)
                continue
            }
            queue.removeFirst()
            writing = true
            pthread_mutex_unlock(lock)
            write(lines)
            pthread_mutex_lock(lock)
            writing = false
            pool.append(lines)
            if waiting {
                waiting = false
                pthread_cond_broadcast(changed)
            }
        }
        pthread_mutex_unlock(lock)
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return body()
    }
}
