// swift-tools-version: 6.0
// The `lesson` package: a neural-network teaching tool in layered modules.
import PackageDescription

// Generic numeric code crosses module boundaries in the hot loops; let the optimiser see through them.
let optimise: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "lesson",
    products: [
        .executable(name: "lesson", targets: ["lesson"]),
        // The engine as a library, for the libFuzzer targets in Tests/Fuzz (a package of their own).
        .library(name: "LessonEngine", targets: ["Numerics", "Network", "CKernels", "Training", "Datasets", "Rendering", "LessonKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Sources/System: the C libraries, one system-library target each, found through pkg-config.
        .systemLibrary(name: "COpenBLAS", path: "Sources/System/COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/System/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/System/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CFreeType", path: "Sources/System/CFreeType", pkgConfig: "freetype2", providers: [.apt(["libfreetype-dev"])]),
        // SHA-256 of the data files from libmd: a system library, not a package of 360 C sources to compile.
        .systemLibrary(name: "CMD", path: "Sources/System/CMD", pkgConfig: "libmd", providers: [.apt(["libmd-dev"])]),

        // Sources/Core: the libraries, which know nothing of lessons, words or the terminal.
        //   Numerics ← Network (readable layers, the reference) ← Training (the fast path, proven equal to
        //   Network, on CKernels); Datasets and Rendering beside them, on Numerics and the C libraries.
        .target(name: "Numerics", dependencies: ["COpenBLAS"], path: "Sources/Core/Numerics", swiftSettings: optimise),
        .target(name: "Network", dependencies: ["Numerics"], path: "Sources/Core/Network", swiftSettings: optimise),
        // Channel-loop kernels in C for the training path: vectorised by the C compiler, with an AVX2
        // clone chosen at load time; no FMA contraction, so every clone computes the same bits.
        .target(name: "CKernels", path: "Sources/Core/CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "Training", dependencies: ["Network", "Numerics", "CKernels"], path: "Sources/Core/Training", swiftSettings: optimise),
        .target(name: "Datasets", dependencies: ["Numerics", "CZlib", "CMD"], path: "Sources/Core/Datasets", swiftSettings: optimise),
        .target(name: "Rendering", dependencies: ["CPNG", "CFreeType"], path: "Sources/Core/Rendering", swiftSettings: optimise),

        // Sources/App: the lessons (files, engines, records and their views) on all of Core, `lesson
        // bench` on the lessons and the training path, and the command line on both.
        .target(name: "LessonKit", dependencies: ["Numerics", "Network", "Training", "Datasets", "Rendering"],
                path: "Sources/App/LessonKit", swiftSettings: optimise),
        // `lesson bench`: what the lessons spend their time on, timed against the targets.
        .target(name: "LessonBench", dependencies: ["LessonKit", "Training", "Network", "Numerics", "Datasets"],
                path: "Sources/App/LessonBench", swiftSettings: optimise),
        .executableTarget(name: "lesson", dependencies: [
            "LessonKit", "LessonBench", "Training", "Numerics", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/App/lesson", swiftSettings: optimise),

        .target(name: "TestSupport", dependencies: ["CZlib", "Datasets"], path: "Tests/TestSupport"),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NetworkTests", dependencies: ["Network", "Numerics"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Network", "Numerics", "CKernels"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "CZlib", "TestSupport"]),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering", "CPNG", "CZlib"]),
        .testTarget(name: "LessonKitTests", dependencies: ["LessonKit", "lesson", "Network", "Training", "Numerics", "Datasets", "Rendering", "TestSupport"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
