public import Core

/// A place in a scenario file, for error messages and failure reports.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var description: String { "\(file):\(line):\(column)" }
}

/// A parsed scenario file: the world's set-up, timed actions, and expectations.
public struct Scenario: Sendable {
    public var name: String
    public var file: String
    public var seed: UInt64 = 1
    public var partitions = 4
    public var paymentTimeout: Duration = .seconds(10)
    public var sessionTimeout: Duration = .seconds(1)
    /// The run stops here even if it is not quiet yet.
    public var stopAfter: Duration = .seconds(300)
    public var currency: Currency = .eur
    public var customers: [(CustomerID, Int64)] = []
    public var stock: [(SKU, Int64)] = []
    public var actions: [TimedAction] = []
    public var expectations: [Expectation] = []

    public init(name: String, file: String) {
        self.name = name
        self.file = file
    }
}

/// An action at a point of virtual time.
public struct TimedAction: Sendable {
    public var at: Duration
    public var action: Action
    public var location: SourceLocation
}

/// What a scenario can do while it runs.
public enum Action: Sendable {
    /// A client places an order; `alias` names it in expectations.
    case place(alias: String, PlaceOrder)
    case crash(ServiceName)
    case restart(ServiceName)
    case provider(ProviderBehaviour)
    case warehouseStock(SKU, Int64)
    /// A fault from the catalogue, undone after the duration when one is given.
    case fault(Fault, for: Duration?)
}

/// How the simulated payment provider behaves from an action on.
public enum ProviderBehaviour: Hashable, Sendable {
    case normal
    case decline(CustomerID)
    case declineAll
    case latency(Duration)
    case timeout
}

/// A check made when the run ends.
public struct Expectation: Sendable {
    public enum Kind: Sendable {
        /// The order's status in the log at the end, optionally reached within a time.
        case orderStatus(alias: String, OrderStatus, within: Duration?)
        /// The client's request was refused (it holds no order).
        case rejected(alias: String)
        case balance(CustomerID, Int64)
        case stock(SKU, Int64)
        /// The read model's view of the order.
        case view(alias: String, OrderStatus, version: Int64?)
        case noEvent(EventType, alias: String)
        case count(EventType, alias: String?, Int)
        /// How many distinct orders were created.
        case orders(Int)
        case sameOrder(String, String)
        /// How many times the provider debited the customer.
        case charges(CustomerID, Int)
        /// How many orders the query service lists for a filter.
        case query(customer: CustomerID?, status: OrderStatus?, count: Int)
    }
    public var kind: Kind
    public var location: SourceLocation
    /// The expectation as written.
    public var text: String
}
