// swift-tools-version: 6.0
// libFuzzer targets for every parser a user's bytes reach; built and run by Tests/Fuzz/run.
import PackageDescription

let package = Package(
    name: "LessonFuzz",
    dependencies: [.package(name: "lesson", path: "../..")],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"]),
        .systemLibrary(name: "CZlibFuzz", pkgConfig: "zlib"),
    ] + ["FuzzIDX", "FuzzGzip", "FuzzLessonFile", "FuzzWeights", "FuzzNetworkBlock", "FuzzGzipFields", "FuzzWeightsFields", "FuzzNpy"].map {
        .executableTarget(name: $0, dependencies: ["FuzzSupport", "CZlibFuzz", .product(name: "LessonEngine", package: "lesson")])
    },
    swiftLanguageModes: [.v5]
)
