public import Core
import Synchronization

/// The in-memory read model: one view per order, written compare-and-set on the version.
public final class InMemoryReadModel: ReadModelStore, Sendable {
    private let views = Mutex<[OrderID: OrderView]>([:])

    public init() {}

    public func view(of order: OrderID) async throws -> OrderView? {
        views.withLock { $0[order] }
    }

    public func save(_ view: OrderView, replacingVersion: Int64) async throws -> Bool {
        views.withLock { all in
            guard (all[view.orderID]?.version ?? 0) == replacingVersion else { return false }
            all[view.orderID] = view
            return true
        }
    }

    /// Applies the event to the stored view itself: one lookup, no copy of the view.
    @inline(__always)  // into its protocol witness: one async frame per call, not two
    public func apply(_ event: RecordedEvent, to order: OrderID) async throws -> ReadModelApply {
        views.withLock { all in
            guard let slot = all.index(forKey: order) else {
                let (outcome, first) = ReadModelApply.start(event)
                if let first { all[order] = first }
                return outcome
            }
            return ReadModelApply.apply(event, to: &all.values[slot])
        }
    }

    public func list(_ query: OrderQuery) async throws -> [OrderView] {
        views.withLock { all in
            all.values
                .filter { v in
                    (query.customerID == nil || v.state.customerID == query.customerID)
                        && (query.status == nil || v.status == query.status)
                        && (query.after == nil || v.orderID > query.after!)
                }
                .sorted { $0.orderID < $1.orderID }
                .prefix(query.limit)
                .map { $0 }
        }
    }

    /// Makes room for `orders` views (a run whose size is known up front).
    public func reserveCapacity(_ orders: Int) {
        views.withLock { $0.reserveCapacity(orders) }
    }

    /// Every view, by order (for checkers and expectations).
    public func snapshot() -> [OrderID: OrderView] { views.withLock { $0 } }

    /// Lends the table of views to `body` where it is stored, so that a checker comparing every
    /// view reads each in place (a copy of a view retains every string in it). `body` is for
    /// reading: the table is `inout` only because that is how Swift reaches a dictionary's value
    /// without copying it.
    public func inspectViews<R>(_ body: (inout [OrderID: OrderView]) -> R) -> R {
        views.withLock { body(&$0) }
    }
}

/// In-memory checkpoints (the relay's published position).
public final class InMemoryCheckpoints: CheckpointStore, Sendable {
    /// By name, in a list: a store holds a checkpoint or two, and the relay saves after every
    /// event, so a search of a short list beats hashing the name (SipHash) every time.
    private let positions = Mutex<[(name: String, position: Int64)]>([])

    public init() {}

    @inline(__always)
    public func load(_ name: String) async throws -> Int64 {
        positions.withLock { all in all.first { $0.name == name }?.position ?? 0 }
    }

    @inline(__always)  // the relay saves after every event: no async frame of its own
    public func save(_ name: String, position: Int64) async throws {
        positions.withLock { all in
            if let i = all.firstIndex(where: { $0.name == name }) {
                all[i].position = position
            } else {
                all.append((name, position))
            }
        }
    }
}
