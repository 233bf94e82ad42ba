import Core
import Deploy
import Foundation
import HTTPAdapter
import InMemory
import Actors
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// Builds the API over an embedded system whose services are not running (enough for requests
/// that are refused before anything is appended, and for placing orders).
func makeAPI(balance: Int64 = 100_000) -> (EmbeddedSystem, Application<RouterResponder<BasicRequestContext>>) {
    var configuration = EmbeddedSystem.Configuration()
    configuration.startingBalance = balance
    configuration.paymentTimeout = .seconds(2)
    let logger = Logger(label: "test")
    let system = EmbeddedSystem(configuration, logger: logger)
    let api = OrdersAPI(orders: system.orders, query: system.query, isReady: { system.readiness.isReady },
                        registry: PrometheusCollectorRegistry(), logger: logger)
    return (system, Application(router: api.router(), logger: logger))
}

let json: HTTPFields = [.contentType: "application/json"]

func order(customer: String = "alice", currency: String = "EUR", sku: String = "widget", quantity: String = "2",
           price: String = "1500") -> ByteBuffer {
    ByteBuffer(string: """
        {"customerId": "\(customer)", "currency": "\(currency)", "items": [{"sku": "\(sku)", "quantity": \(quantity), "unitPrice": \(price)}]}
        """)
}

struct ProblemBody: Decodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
}

@Suite struct BadRequestTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method = .post
        var uri = "/orders"
        var headers: HTTPFields = json
        var body: ByteBuffer?
        var status: HTTPResponse.Status
        var detail: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: ByteBuffer(string: "{\"customerId\": "), status: .badRequest, detail: "not valid JSON"),
        Case(name: "wrong type", body: order(quantity: "\"two\""), status: .badRequest,
             detail: "field 'items[0].quantity' must be an integer"),
        Case(name: "fractional quantity", body: order(quantity: "1.5"), status: .badRequest,
             detail: "field 'items[0].quantity' must be an integer (got 1.5)"),
        Case(name: "null body", body: ByteBuffer(string: "null"), status: .badRequest, detail: "the body must be a JSON object"),
        Case(name: "array body", body: ByteBuffer(string: "[]"), status: .badRequest, detail: "the body must be a JSON object"),
        Case(name: "missing field", body: ByteBuffer(string: #"{"customerId":"a","items":[]}"#), status: .badRequest,
             detail: "missing field 'currency'"),
        Case(name: "missing item field", body: ByteBuffer(string: #"{"customerId":"a","currency":"EUR","items":[{"sku":"w","quantity":1}]}"#),
             status: .badRequest, detail: "missing field 'items[0].unitPrice'"),
        Case(name: "null field", body: ByteBuffer(string: #"{"customerId":null,"currency":"EUR","items":[]}"#), status: .badRequest,
             detail: "field 'customerId' must be a string, not null"),
        Case(name: "zero quantity", body: order(quantity: "0"), status: .unprocessableContent, detail: "quantity must be positive"),
        Case(name: "negative quantity", body: order(quantity: "-3"), status: .unprocessableContent, detail: "quantity must be positive"),
        Case(name: "negative price", body: order(price: "-1"), status: .unprocessableContent, detail: "must not be negative"),
        Case(name: "total overflows", body: order(quantity: "4", price: "9223372036854775000"), status: .unprocessableContent,
             detail: "overflows"),
        Case(name: "price beyond 64 bits", body: order(price: "99999999999999999999"), status: .badRequest,
             detail: "field 'items[0].unitPrice' is out of range (integers are 64-bit minor units)"),
        Case(name: "unknown currency", body: order(currency: "XYZ"), status: .unprocessableContent, detail: "unknown currency 'XYZ'"),
        Case(name: "bad customer id", body: order(customer: "al ice"), status: .unprocessableContent,
             detail: "customerId: customer id 'al ice' has ' '"),
        Case(name: "bad sku", body: order(sku: "wid/get"), status: .unprocessableContent, detail: "items[0].sku: sku 'wid/get' has '/'"),
        Case(name: "no items", body: ByteBuffer(string: #"{"customerId":"a","currency":"EUR","items":[]}"#),
             status: .unprocessableContent, detail: "at least one item"),
        Case(name: "body too large", body: ByteBuffer(repeating: UInt8(ascii: " "), count: 70_000), status: .contentTooLarge,
             detail: "at most 65536 bytes"),
        Case(name: "wrong content type", headers: [.contentType: "text/plain"], body: order(), status: .unsupportedMediaType,
             detail: "application/json"),
        Case(name: "bad idempotency key", headers: [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "a b"],
             body: order(), status: .badRequest, detail: "Idempotency-Key header 'a b' has ' '"),
        Case(name: "unknown order", method: .get, uri: "/orders/ord-nope", body: nil, status: .notFound, detail: "no order 'ord-nope'"),
        Case(name: "bad order id", method: .get, uri: "/orders/bad.%24id", body: nil, status: .badRequest, detail: "order id"),
        Case(name: "bad limit", method: .get, uri: "/orders?limit=0", body: nil, status: .badRequest, detail: "limit must be"),
        Case(name: "bad status", method: .get, uri: "/orders?status=lost", body: nil, status: .badRequest, detail: "status 'lost'"),
    ]

    @Test(arguments: cases)
    func refusedWithAProblem(_ c: Case) async throws {
        let (system, app) = makeAPI()
        try await app.test(.router) { client in
            try await client.execute(uri: c.uri, method: c.method, headers: c.headers, body: c.body) { response in
                #expect(response.status == c.status)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try JSONDecoder().decode(ProblemBody.self, from: Data(buffer: response.body))
                #expect(problem.status == Int(c.status.code))
                #expect(problem.type.hasPrefix("urn:causeway:problem:"))
                #expect(problem.detail.contains(c.detail), "detail: \(problem.detail)")
            }
        }
        #expect(system.store.lastPosition == 0, "a refused request wrote to the log")
    }
}

@Suite struct PlaceOrderTests {
    struct Accepted: Decodable {
        var orderId: String
        var status: String
        var location: String
    }

    @Test func placingIsIdempotentByKey() async throws {
        let (system, app) = makeAPI()
        let keyed: HTTPFields = [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "checkout-1"]
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/orders", method: .post, headers: keyed, body: order()) { response in
                #expect(response.status == .accepted)
                let body = try JSONDecoder().decode(Accepted.self, from: Data(buffer: response.body))
                #expect(response.headers[.location] == "/orders/\(body.orderId)")
                return body.orderId
            }
            try await client.execute(uri: "/orders", method: .post, headers: keyed, body: order()) { response in
                #expect(response.status == .accepted)
                #expect(response.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                let again = try JSONDecoder().decode(Accepted.self, from: Data(buffer: response.body))
                #expect(again.orderId == first)
            }
            try await client.execute(uri: "/orders", method: .post, headers: keyed, body: order(quantity: "5")) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
        #expect(system.store.lastPosition == 1)
    }

    struct View: Decodable {
        var orderId: String
        var status: String
        var version: Int64
        var history: [Entry]
        struct Entry: Decodable { var type: String }
    }

    /// With the services running: one order ships, one the customer cannot afford is cancelled.
    @Test func ordersReachTheirEndThroughTheRunningServices() async throws {
        let (system, app) = makeAPI(balance: 5_000)
        let group = ServiceGroup(services: system.services, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await app.test(.router) { client in
                // Generous bounds (20 s): a loaded CI machine is slow; a healthy run takes milliseconds.
                for _ in 0..<2_000 where !system.readiness.isReady { try await Task.sleep(for: .milliseconds(10)) }
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
                var ids: [String] = []
                for price in ["1500", "9000"] {
                    ids.append(try await client.execute(uri: "/orders", method: .post, headers: json, body: order(price: price)) {
                        try JSONDecoder().decode(Accepted.self, from: Data(buffer: $0.body)).orderId
                    })
                }
                for (id, expected) in zip(ids, ["shipped", "cancelled"]) {
                    var view: View?
                    for _ in 0..<2_000 {
                        view = try await client.execute(uri: "/orders/\(id)", method: .get) {
                            $0.status == .ok ? try JSONDecoder().decode(View.self, from: Data(buffer: $0.body)) : nil
                        }
                        if view?.status == expected { break }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    #expect(view?.status == expected, "order \(id)")
                }
                try await client.execute(uri: "/orders?status=shipped&customerId=alice", method: .get) { response in
                    #expect(String(buffer: response.body).contains(ids[0]))
                    #expect(!String(buffer: response.body).contains(ids[1]))
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(system.provider.balance(of: CustomerID(unchecked: "alice")) == 2_000)
    }
}

/// A process that runs one service serves only that service's routes; the others name the
/// service to ask instead.
@Suite struct PartialAPITests {
    @Test func routesOfAnotherServiceAnswerNotServedHere() async throws {
        let logger = Logger(label: "test")
        let system = EmbeddedSystem(.init(), logger: logger)
        let ordersOnly = OrdersAPI(orders: system.orders, query: Optional<QueryService<InMemoryReadModel>>.none,
                                   isReady: { true }, registry: PrometheusCollectorRegistry(), logger: logger)
        let queryOnly = OrdersAPI(orders: Optional<OrderService<InMemoryEventStore>>.none, query: system.query,
                                  isReady: { true }, registry: PrometheusCollectorRegistry(), logger: logger)
        let notServed = { @Sendable (response: TestResponse, service: String) throws in
            #expect(response.status == .notFound)
            let problem = try JSONDecoder().decode(ProblemBody.self, from: Data(buffer: response.body))
            #expect(problem.type == "urn:causeway:problem:not-served-here")
            #expect(problem.detail.contains("causeway serve \(service)"), "detail: \(problem.detail)")
        }
        try await Application(router: ordersOnly.router(), logger: logger).test(.router) { client in
            try await client.execute(uri: "/orders/ord-1", method: .get) { try notServed($0, "query") }
            try await client.execute(uri: "/orders?customerId=alice", method: .get) { try notServed($0, "query") }
            try await client.execute(uri: "/orders", method: .post, headers: json, body: order()) {
                #expect($0.status == .accepted)
            }
        }
        try await Application(router: queryOnly.router(), logger: logger).test(.router) { client in
            try await client.execute(uri: "/orders", method: .post, headers: json, body: order()) { try notServed($0, "orders") }
            try await client.execute(uri: "/orders?customerId=alice", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
        #expect(system.store.lastPosition == 1, "only the orders process placed an order")
    }
}
