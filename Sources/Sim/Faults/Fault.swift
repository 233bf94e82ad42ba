import Core

/// A fault a scenario (or a random schedule) injects. Faults live in the simulated network, bus,
/// store, providers and clocks, and in wrappers around the ports: never in the services.
public enum Fault: Hashable, Sendable {
    /// A delivery is lost on its way to a consumer, which sees it again only by re-fetching.
    case busDrop(Double)
    /// A delivery is handed to a consumer twice.
    case busDuplicate(Double)
    /// Every publication takes this much longer to become visible.
    case busDelay(Duration)
    /// Each publication gets a random extra delay up to this, reordering records across partitions.
    case busReorder(Duration)
    /// The broker is down: publishing fails, consumers get nothing.
    case busOutage
    /// A consumer group rebalances now.
    case busRebalance(group: String)
    /// A service's consumers take this long before handling each delivery.
    case busSlow(ServiceName, Duration)
    /// A service cannot reach the event store (its calls time out).
    case networkPartition(ServiceName)
    /// Every hop between a service and the event store takes this much longer.
    case networkLatency(Duration)
    /// Requests to the event store are lost (nothing happens; the caller times out).
    case networkLoseRequests(Double)
    /// Replies from the event store are lost (it happened; the caller times out).
    case networkLoseReplies(Double)
    /// Appends fail with `unavailable` and write nothing.
    case storeFailWrites(Double)
    /// Appends time out; some were written, some not.
    case storeTimeoutWrites(Double)
    /// Reads fail with `unavailable`.
    case storeFailReads(Double)
    /// The payment provider charges, then its reply is lost (the caller sees a timeout).
    case providerFailAfterCharge(Double)
    /// A service's clock jumps forward (positive) or back (negative).
    case clockJump(ServiceName, Duration)
    /// The service crashes when its next store call has been carried out, before the reply.
    case crashBeforeReply(ServiceName)
    /// The service crashes when it next commits an offset, after handling, before the commit.
    case crashBeforeCommit(ServiceName)

    /// Whether `for <duration>` makes sense for this fault (it is a state that can be undone).
    public var isLasting: Bool {
        switch self {
        case .busRebalance, .clockJump: false
        default: true
        }
    }

    /// The fault's kind, as `--faults` and the docs name it.
    public var kind: FaultKind {
        switch self {
        case .busDrop: .busDrop
        case .busDuplicate: .busDuplicate
        case .busDelay: .busDelay
        case .busReorder: .busReorder
        case .busOutage: .busOutage
        case .busRebalance: .busRebalance
        case .busSlow: .busSlow
        case .networkPartition: .networkPartition
        case .networkLatency: .networkLatency
        case .networkLoseRequests: .networkLoseRequests
        case .networkLoseReplies: .networkLoseReplies
        case .storeFailWrites: .storeFailWrites
        case .storeTimeoutWrites: .storeTimeoutWrites
        case .storeFailReads: .storeFailReads
        case .providerFailAfterCharge: .providerFailAfterCharge
        case .clockJump: .clockJump
        case .crashBeforeReply: .crashBeforeReply
        case .crashBeforeCommit: .crashBeforeCommit
        }
    }
}

/// The kinds of fault, including those expressed by other actions (crash, provider behaviour).
public enum FaultKind: String, CaseIterable, Hashable, Sendable {
    case crash
    case crashBeforeReply = "crash-before-reply"
    case crashBeforeCommit = "crash-before-commit"
    case busDrop = "bus-drop"
    case busDuplicate = "bus-duplicate"
    case busDelay = "bus-delay"
    case busReorder = "bus-reorder"
    case busOutage = "bus-outage"
    case busRebalance = "bus-rebalance"
    case busSlow = "bus-slow"
    case networkPartition = "network-partition"
    case networkLatency = "network-latency"
    case networkLoseRequests = "network-lose-requests"
    case networkLoseReplies = "network-lose-replies"
    case storeFailWrites = "store-fail-writes"
    case storeTimeoutWrites = "store-timeout-writes"
    case storeFailReads = "store-fail-reads"
    case providerDecline = "provider-decline"
    case providerTimeout = "provider-timeout"
    case providerSlow = "provider-slow"
    case providerFailAfterCharge = "provider-fail-after-charge"
    case clockJump = "clock-jump"
}

/// The fault knobs of a running world. Wrappers and fakes read them on every call, so a set or
/// table is asked whether it is empty before it is searched (most runs have no such fault on).
public struct FaultState: Sendable {
    public var busDrop = 0.0
    public var busDuplicate = 0.0
    public var busDelay: Duration = .zero
    public var busReorder: Duration = .zero
    public var busOutage = false
    public var slow: [ServiceName: Duration] = [:]
    public var partitioned: Set<ServiceName> = []
    public var networkLatency: Duration = .zero
    public var loseRequests = 0.0
    public var loseReplies = 0.0
    public var failWrites = 0.0
    public var timeoutWrites = 0.0
    public var failReads = 0.0
    public var failAfterCharge = 0.0
    public var crashBeforeReply: Set<ServiceName> = []
    public var crashBeforeCommit: Set<ServiceName> = []

    public init() {}

    /// Turns a lasting fault on or off.
    mutating func set(_ fault: Fault, on: Bool) {
        switch fault {
        case .busDrop(let p): busDrop = on ? p : 0
        case .busDuplicate(let p): busDuplicate = on ? p : 0
        case .busDelay(let d): busDelay = on ? d : .zero
        case .busReorder(let d): busReorder = on ? d : .zero
        case .busOutage: busOutage = on
        case .busSlow(let s, let d): slow[s] = on ? d : nil
        case .networkPartition(let s): if on { partitioned.insert(s) } else { partitioned.remove(s) }
        case .networkLatency(let d): networkLatency = on ? d : .zero
        case .networkLoseRequests(let p): loseRequests = on ? p : 0
        case .networkLoseReplies(let p): loseReplies = on ? p : 0
        case .storeFailWrites(let p): failWrites = on ? p : 0
        case .storeTimeoutWrites(let p): timeoutWrites = on ? p : 0
        case .storeFailReads(let p): failReads = on ? p : 0
        case .providerFailAfterCharge(let p): failAfterCharge = on ? p : 0
        case .crashBeforeReply(let s): if on { crashBeforeReply.insert(s) } else { crashBeforeReply.remove(s) }
        case .crashBeforeCommit(let s): if on { crashBeforeCommit.insert(s) } else { crashBeforeCommit.remove(s) }
        case .busRebalance, .clockJump: break
        }
    }
}
