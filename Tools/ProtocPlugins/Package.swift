// swift-tools-version:6.1
import PackageDescription

// The protoc plugins that generate Sources/Adapters/GRPC/Generated. Built only by
// scripts/generate-protos, never by the main package: the generated code is committed.
let package = Package(
    name: "ProtocPlugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
    ],
    targets: []
)
