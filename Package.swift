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
    ],
    targets: [
        .target(
            name: "Core",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "Actors",
            dependencies: ["Core"],
            swiftSettings: strict
        ),
        .target(
            name: "InMemory",
            dependencies: ["Core"],
            swiftSettings: strict
        ),
        .target(
            name: "Sim",
            dependencies: [
                "Core", "Actors", "InMemory",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "CLI",
            dependencies: [
                "Core", "Actors", "Sim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
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
