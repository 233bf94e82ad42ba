import Core
import Foundation
import GRPCAdapter
import GRPCCore
import GRPCNIOTransportHTTP2
import InMemory
import Testing

/// Requests a client of another language could send: each malformed one is refused with
/// INVALID_ARGUMENT naming the field, and writes nothing.
@Suite(.timeLimit(.minutes(1))) struct GRPCBadRequestTests {
    typealias API = Causeway_Eventstore_V1_EventStore

    func goodEvent(_ id: String = "e1") -> Causeway_Eventstore_V1_ProposedEvent {
        .with {
            $0.eventID = id
            $0.type = "order-approved"
            $0.payload = Data("{}".utf8)
        }
    }

    func appendRequest(_ edit: (inout Causeway_Eventstore_V1_AppendRequest) -> Void) -> Causeway_Eventstore_V1_AppendRequest {
        var r = Causeway_Eventstore_V1_AppendRequest()
        r.streamID = "order-1"
        r.expectedVersion = .any(.init())
        r.events = [goodEvent()]
        edit(&r)
        return r
    }

    @Test func malformedAppendsAreRefusedNamingTheField() async throws {
        let store = InMemoryEventStore(clock: FixedClock())
        let cases: [(String, Causeway_Eventstore_V1_AppendRequest)] = [
            ("stream_id", appendRequest { $0.streamID = "order 1" }),
            ("stream_id", appendRequest { $0.streamID = "" }),
            ("expected_version", appendRequest { $0.expectedVersion = nil }),
            ("expected_version.exact", appendRequest { $0.expectedVersion = .exact(-3) }),
            ("events", appendRequest { $0.events = [] }),
            ("events[1].event_id", appendRequest { $0.events = [goodEvent("ok"), goodEvent("bad/id")] }),
            ("events[0]: unknown event type", appendRequest { $0.events[0].type = "order-teleported" }),
            ("events[0]: payload", appendRequest { $0.events[0].payload = Data("{not json".utf8) }),
            ("events[0]: payload", appendRequest {
                $0.events[0].type = "order-shipped"
                $0.events[0].payload = Data(#"{"trackingID": 5}"#.utf8)
            }),
            ("events[0].schema_version", appendRequest { $0.events[0].schemaVersion = -1 }),
            ("events[0].correlation_id", appendRequest { $0.events[0].correlationID = String(repeating: "c", count: 257) }),
            ("events: at most", appendRequest { $0.events = (0...10_000).map { goodEvent("e\($0)") } }),
        ]
        try await withEventStore(store) { _, port in
            try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
            ) { grpc in
                let api = API.Client(wrapping: grpc)
                for (field, request) in cases {
                    await #expect {
                        _ = try await api.append(request)
                    } throws: { error in
                        let e = error as? RPCError
                        return e?.code == .invalidArgument && e?.message.hasPrefix(field) == true
                    }
                }
                await #expect {
                    _ = try await api.readStream(.with { $0.streamID = "order-1"; $0.limit = 20_000 })
                } throws: { ($0 as? RPCError)?.code == .invalidArgument && ($0 as? RPCError)?.message.hasPrefix("limit") == true }
                await #expect {
                    _ = try await api.readAll(.with { $0.afterPosition = -1 })
                } throws: { ($0 as? RPCError)?.message.hasPrefix("after_position") == true }
                await #expect {
                    try await api.subscribe(.with { $0.eventTypes = ["order-approved", "nope"] }) { response in
                        for try await _ in response.messages {}
                    }
                } throws: { ($0 as? RPCError)?.message.hasPrefix("event_types[1]") == true }

                // A wrong expected version carries the actual version for any client.
                _ = try await api.append(appendRequest { $0.expectedVersion = .noStream(.init()) })
                await #expect {
                    _ = try await api.append(appendRequest {
                        $0.expectedVersion = .noStream(.init())
                        $0.events = [goodEvent("e2")]
                    })
                } throws: { error in
                    let e = error as? RPCError
                    return e?.code == .failedPrecondition
                        && e.map { Array($0.metadata[stringValues: "causeway-actual-version"]) } == ["1"]
                }
            }
        }
        #expect(store.lastPosition == 1)
    }
}
