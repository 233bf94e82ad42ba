// swift-tools-version:6.1
import PackageDescription

// Core, Actors and Sim depend on nothing heavier than swift-collections and swift-crypto, so the
// simulator builds and tests in a couple of minutes. Adapters (gRPC, HTTP, Kafka, MongoDB) get
// their own targets and are only linked into the CLI.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Nonisolated async functions run on their caller's executor: an actor calling the store or
    // the bus does not switch executors (in the simulator each switch back is a scheduled job).
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

// The simulator's layers in a release build: generic code and small functions of one module are
// specialized and inlined in the next (a run crosses Core, Actors, InMemory and Sim on every call).
let fast: [SwiftSetting] = strict + [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "Causeway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "causeway", targets: ["CLI"]),
        .library(name: "CausewayCore", targets: ["Core"]),
        .library(name: "CausewaySim", targets: ["Sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
    ],
    targets: [
        .target(
            name: "Core",
            dependencies: ["ConcurrencyHooks", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: fast
        ),
        .target(
            name: "Actors",
            dependencies: ["Core"],
            swiftSettings: fast
        ),
        .target(
            name: "InMemory",
            dependencies: ["Core"],
            swiftSettings: fast
        ),
        // The concurrency runtime's global-executor hook, which the simulator's executor uses, and
        // its cancellation check without a retain of the task (Core's `Cancellation`).
        .target(name: "ConcurrencyHooks"),
        .target(
            name: "Sim",
            dependencies: [
                "Core", "Actors", "InMemory", "ConcurrencyHooks",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: fast
        ),
        // Deployment: the services on real time and real threads, as lifecycle services.
        .target(
            name: "Deploy",
            dependencies: [
                "Core", "Actors", "InMemory",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The HTTP order and query API (Hummingbird).
        .target(
            name: "HTTPAdapter",
            dependencies: [
                "Core", "Actors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Adapters/HTTP",
            swiftSettings: strict
        ),
        // The gRPC event-store API: the server over any EventStore and a client that is one.
        // Generated/ is produced by scripts/generate-protos from Protos/ and committed.
        .target(
            name: "GRPCAdapter",
            dependencies: [
                "Core",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Adapters/GRPC",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "CLI",
            dependencies: [
                "Core", "Actors", "Sim", "Deploy", "HTTPAdapter", "GRPCAdapter",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HTTPAdapterTests",
            dependencies: [
                "Core", "Actors", "InMemory", "Deploy", "HTTPAdapter",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Adapters/HTTPTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "GRPCAdapterTests",
            dependencies: [
                "Core", "InMemory", "GRPCAdapter",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            path: "Tests/Adapters/GRPCTests",
            swiftSettings: strict
        ),
        .testTarget(name: "DeployTests", dependencies: ["Core", "InMemory", "Deploy"], swiftSettings: strict),
        .testTarget(name: "CoreTests", dependencies: ["Core"], swiftSettings: strict),
        .testTarget(name: "InMemoryTests", dependencies: ["Core", "InMemory"], swiftSettings: strict),
        .testTarget(name: "ActorsTests", dependencies: ["Core", "Actors", "InMemory"], swiftSettings: strict),
        .testTarget(
            name: "SimTests",
            dependencies: ["Core", "Actors", "InMemory", "Sim", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
