/// An ISO 4217 currency that Causeway accepts. Only a documented set is known; anything else is
/// rejected at the edge with a clear error.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The three-letter code.
    public let code: String

    /// The currencies Causeway knows, with their minor-unit exponent.
    public static let known: [String: Int] = [
        "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "JPY": 0,
    ]

    /// Validates a currency code.
    public init(_ code: String) throws(CausewayError) {
        guard Currency.known[code] != nil else {
            let list = Currency.known.keys.sorted().joined(separator: ", ")
            throw CausewayError(.invalidArgument, "unknown currency '\(IdentifierRules.shown(code))'; known: \(list)")
        }
        self.code = code
    }

    public static let eur = Currency(unchecked: "EUR")
    init(unchecked code: String) { self.code = code }

    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(code)
    }
}

/// An amount of money in integer minor units (cents for EUR). Never a floating point number.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The amount in minor units.
    public var minorUnits: Int64
    /// The currency.
    public var currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public var description: String { "\(minorUnits) \(currency)" }
}
