// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "PruneScope",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "prunescope", targets: ["prunescope"]),
        .library(name: "PruneKit", targets: ["PruneKit"]),
        .library(name: "PruneTUI", targets: ["PruneTUI"]),
        .library(name: "PruneApps", targets: ["PruneApps"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        .systemLibrary(
            name: "CNcurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Inner loops of the sparse inference kernels, in C because C can compile
        // one function for AVX2 + FMA next to a baseline one and choose at run
        // time (Swift cannot without building the whole module for one CPU).
        // Optimised in debug builds too: the explorer and the tests time them,
        // and -O0 loops are ten times slower (-O2 is no CPU-specific flag).
        .target(name: "CSparseKernels", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        // PruneKit parses untrusted files (safetensors, torch .pt, npy, npz, specs): it
        // keeps Swift's bounds and overflow checks in release (no -Ounchecked).
        .target(name: "PruneKit", dependencies: ["CBLAS", "CZlib", "CSparseKernels"]),
        // The terminal toolkit: cells, widgets, drivers. Knows nothing of pruning.
        .target(name: "PruneTUI", dependencies: ["CNcurses"]),
        // The explorer and the inspector: models, updates, effects, views, jobs.
        // Lessons are data: Lessons/lessons/*.json, copied beside the binary (see LessonCatalog.directory).
        .target(name: "PruneApps", dependencies: ["PruneKit", "PruneTUI"], resources: [.copy("Lessons/lessons")]),
        // Text snapshots of screens and widgets for the test targets.
        .target(name: "ScreenSnapshots", dependencies: ["PruneTUI"]),
        .executableTarget(
            name: "prunescope",
            dependencies: [
                "PruneKit", "PruneTUI", "PruneApps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // libFuzzer targets for every parser. `scripts/fuzz` builds it with
        // -sanitize=fuzzer,address -DFUZZING into .build/fuzz; the normal build
        // is a small command that replays saved inputs and writes seed corpora.
        .executableTarget(name: "prunefuzz", dependencies: ["PruneKit"]),
        .testTarget(name: "PruneKitTests", dependencies: ["PruneKit"], exclude: ["Fixtures"]),
        .testTarget(name: "PruneTUITests", dependencies: ["PruneTUI", "ScreenSnapshots"], exclude: ["__Snapshots__"]),
        .testTarget(
            name: "PruneAppsTests",
            dependencies: ["PruneApps", "PruneTUI", "PruneKit", "ScreenSnapshots"],
            exclude: ["__Snapshots__"]
        ),
        .testTarget(name: "prunescopeTests", dependencies: ["PruneKit"]),
    ]
)
