public import Actors
public import Core
import Foundation
public import Hummingbird
public import Logging
import HTTPTypes
import Metrics
public import Prometheus

/// The HTTP order and query API.
///
/// - `POST /orders` places an order (`202` with its id and a `Location`); an `Idempotency-Key`
///   header makes a retried POST return the same order.
/// - `GET /orders/{id}` returns the read model of one order; `GET /orders?customerId=&status=&limit=&after=`
///   a page of them.
/// - `GET /healthz`, `GET /readyz`, `GET /metrics` (Prometheus text).
///
/// Every bad request gets an `application/problem+json` body saying what is wrong and where;
/// nothing of a bad request is accepted.
///
/// One process may serve only part of it (`causeway serve orders` the POST, `serve query` the
/// GETs): the routes of the missing part answer 404 with a problem naming the service to ask.
public struct OrdersAPI<Store: EventStore, Views: ReadModelStore>: Sendable {
    /// The largest `POST /orders` body accepted.
    public static var maxBodyBytes: Int { 64 * 1024 }

    let orders: OrderService<Store>?
    let query: QueryService<Views>?
    let isReady: @Sendable () -> Bool
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    public init(orders: OrderService<Store>?, query: QueryService<Views>?, isReady: @escaping @Sendable () -> Bool,
                registry: PrometheusCollectorRegistry, logger: Logger) {
        self.orders = orders
        self.query = query
        self.isReady = isReady
        self.registry = registry
        self.logger = logger
    }

    /// A router with every route and the request-metrics middleware.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(MetricsMiddleware())
        router.post("orders") { request, _ in await self.place(request) }
        router.get("orders/{id}") { _, context in await self.order(context.parameters.get("id") ?? "") }
        router.get("orders") { request, _ in await self.list(request.uri.queryParameters) }
        router.get("healthz") { _, _ in JSON.response(.ok, ["status": "ok"]) }
        router.get("readyz") { _, _ in
            isReady() ? JSON.response(.ok, ["status": "ready"])
                : Problem.response(.serviceUnavailable, "not-ready", "Not ready", "the services are still starting")
        }
        router.get("metrics") { _, _ in
            var text: [UInt8] = []
            registry.emit(into: &text)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        return router
    }

    // MARK: Handlers

    func place(_ request: Request) async -> Response {
        await respond {
            guard let orders else { throw BadRequest.servedElsewhere("placing orders", by: "orders") }
            let contentType = request.headers[.contentType] ?? ""
            guard contentType.lowercased().hasPrefix("application/json") else {
                throw BadRequest(status: .unsupportedMediaType, kind: "unsupported-media-type",
                                 title: "Unsupported content type",
                                 detail: "send the order as application/json (got '\(contentType.isEmpty ? "none" : contentType)')")
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maxBodyBytes)
            } catch {
                throw BadRequest(status: .contentTooLarge, kind: "body-too-large", title: "The body is too large",
                                 detail: "an order body is at most \(Self.maxBodyBytes) bytes")
            }
            var key: String?
            if let header = request.headers[HTTPField.Name("Idempotency-Key")!] {
                if let problem = IdentifierRules.problem(in: header, named: "Idempotency-Key header") {
                    throw BadRequest.invalid(problem)
                }
                key = header
            }
            let command = try PlaceOrderBody.decode(Array(buffer: body)).command(clientKey: key)
            let placed = try await orders.place(command)
            let location = "/orders/\(placed.orderID)"
            logger.info("order accepted", metadata: [
                "order_id": "\(placed.orderID)", "correlation_id": "req-\(placed.orderID)",
                "customer_id": "\(command.customerID)", "duplicate": "\(placed.wasDuplicate)",
            ])
            Counter(label: "causeway_orders_placed_total", dimensions: [("duplicate", "\(placed.wasDuplicate)")]).increment()
            var headers = HTTPFields()
            headers[.location] = location
            if placed.wasDuplicate { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
            return JSON.response(.accepted, AcceptedBody(orderId: placed.orderID.rawValue, status: "accepted",
                                                         total: MoneyBody(placed.total), location: location),
                                 headers: headers)
        }
    }

    func order(_ raw: String) async -> Response {
        await respond {
            let id: OrderID
            do throws(CausewayError) { id = try OrderID(raw) } catch { throw BadRequest.invalid(error.message) }
            guard let query else { throw BadRequest.servedElsewhere("reading orders", by: "query") }
            return JSON.response(.ok, OrderBody(try await query.order(id)))
        }
    }

    func list(_ parameters: Parameters) async -> Response {
        await respond {
            guard let query else { throw BadRequest.servedElsewhere("reading orders", by: "query") }
            var q = OrderQuery()
            if let raw = parameters.get("customerId") {
                do throws(CausewayError) { q.customerID = try CustomerID(raw) } catch { throw BadRequest.invalid("customerId: \(error.message)") }
            }
            if let raw = parameters.get("status") {
                guard let status = OrderStatus(rawValue: raw) else {
                    let known = OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")
                    throw BadRequest.invalid("status '\(raw)' is not one of \(known)")
                }
                q.status = status
            }
            if let raw = parameters.get("limit") {
                guard let limit = Int(raw), (1...500).contains(limit) else {
                    throw BadRequest.invalid("limit must be an integer from 1 to 500 (got '\(raw)')")
                }
                q.limit = limit
            }
            if let raw = parameters.get("after") {
                do throws(CausewayError) { q.after = try OrderID(raw) } catch { throw BadRequest.invalid("after: \(error.message)") }
            }
            let views = try await query.orders(q)
            let next = views.count == q.limit ? views.last?.orderID.rawValue : nil
            return JSON.response(.ok, OrderPage(orders: views.map(OrderBody.init), next: next))
        }
    }

    /// Runs a handler, turning a bad request or a service error into its problem response.
    func respond(_ handler: () async throws -> Response) async -> Response {
        do {
            return try await handler()
        } catch let bad as BadRequest {
            return bad.response
        } catch {
            return problem(for: error)
        }
    }

    /// Maps a service error to a problem response.
    func problem(for error: any Error) -> Response {
        guard let e = error as? CausewayError else {
            logger.error("unexpected error", metadata: ["error": "\(error)"])
            return Problem.response(.internalServerError, "internal", "Internal error", "an unexpected error occurred")
        }
        switch e.code {
        case .invalidArgument: return BadRequest.unprocessable(e.message).response
        case .notFound: return Problem.response(.notFound, "not-found", "Not found", e.message)
        case .idempotencyConflict: return Problem.response(.conflict, "idempotency-conflict", "Idempotency key reused", e.message)
        case .unavailable, .timeout:
            return Problem.response(.serviceUnavailable, "unavailable", "Try again later", e.message)
        default:
            logger.error("service error", metadata: ["error": "\(e)"])
            return Problem.response(.internalServerError, "internal", "Internal error", e.message)
        }
    }
}
