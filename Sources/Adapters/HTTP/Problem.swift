import Foundation
import Hummingbird

/// An RFC 9457 problem document: every error the HTTP API returns has one, with
/// `application/problem+json`.
struct Problem: Encodable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String

    /// A problem response. `kind` becomes the type URN (`urn:causeway:problem:<kind>`).
    static func response(_ status: HTTPResponse.Status, _ kind: String, _ title: String, _ detail: String) -> Response {
        let problem = Problem(type: "urn:causeway:problem:\(kind)", title: title, status: status.code, detail: detail)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: JSON.encode(problem))))
    }
}

/// JSON encoding for responses: sorted keys, so bodies are stable.
enum JSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    static func response(_ status: HTTPResponse.Status, _ value: some Encodable, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: encode(value))))
    }
}

/// A request that is wrong in a way the client can fix.
struct BadRequest: Error {
    var status: HTTPResponse.Status
    var kind: String
    var title: String
    var detail: String

    static func invalid(_ detail: String) -> BadRequest {
        BadRequest(status: .badRequest, kind: "invalid-request", title: "The request is not valid", detail: detail)
    }

    static func unprocessable(_ detail: String) -> BadRequest {
        BadRequest(status: .unprocessableContent, kind: "invalid-order", title: "The order cannot be accepted", detail: detail)
    }

    /// A route whose service runs in another process (`causeway serve SERVICE`).
    static func servedElsewhere(_ what: String, by service: String) -> BadRequest {
        BadRequest(status: .notFound, kind: "not-served-here", title: "Not served by this process",
                   detail: "\(what) is the \(service) service's job: ask the process running 'causeway serve \(service)'")
    }

    var response: Response { Problem.response(status, kind, title, detail) }
}
