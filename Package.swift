// swift-tools-version:6.0
import PackageDescription

// Targets, bottom to top:
//   C system libraries (each imported by exactly one Swift file: libpng, libzstd, OpenBLAS and
//                   libturbojpeg by SISRCore, libarchive by SISRArchive)
//   SISRCore        images, PNG, JPEG, resampling, hashing, seeded randomness, zstd, tar, BLAS, manifest
//                   types, JSON, threads (Parallel: the determinism rule)
//   SISRArchive     reading zip / tar / tar.gz archives in place (libarchive), for `sisr import`;
//                   linked only into DatasetBuilder, sisr and the tests that cross-check the tar writer
//   CSISRKernels    the engine's innermost loops in C (deterministic GEMM, per-function ISA targets)
//   SISREngine      tensors, deterministic kernels and math, work splitting, the numeric settings
//   SRModels        layers, architectures, checkpoint readers, CPU inference
//   DatasetBuilder  plan -> LR -> SR -> PNG -> shards + manifest + CHECKSUMS
//   DatasetLoader   shards -> selection -> order -> perturbations -> crops -> batches
//   SISRTraining    BasicSR option files (Options/), data preparation, backward passes, losses,
//                   optimisers, the BasicSR-style training loop
//   Baselines       acutance-kNN, PRNU, spectral classifier, the learned CNN (on SISRTraining), evaluation
//   SISRLoaderC     C ABI over DatasetLoader (shared library for Python)
//   sisr            the command-line tool

let package = Package(
    name: "SISRFingerprints",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sisr", targets: ["sisr"]),
        .library(name: "SISRCore", targets: ["SISRCore"]),
        .library(name: "SISREngine", targets: ["SISREngine"]),
        .library(name: "SRModels", targets: ["SRModels"]),
        .library(name: "DatasetBuilder", targets: ["DatasetBuilder"]),
        .library(name: "DatasetLoader", targets: ["DatasetLoader"]),
        .library(name: "Baselines", targets: ["Baselines"]),
        .library(name: "SISRTraining", targets: ["SISRTraining"]),
        .library(name: "SISRLoaderC", type: .dynamic, targets: ["SISRLoaderC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive", providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .target(
            name: "SISRCore",
            dependencies: [
                "CPNG", "CZstd", "COpenBLAS", "CTurboJPEG",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // Optimised even in debug builds (the parity tests run through it), contraction off: every
        // multiply-add in the kernels is an explicit fma, so results do not depend on the compiler.
        .target(
            name: "CSISRKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "SISRArchive", dependencies: ["SISRCore", "CArchive"]),
        .target(name: "SISREngine", dependencies: ["SISRCore", "CSISRKernels"]),
        .target(name: "SRModels", dependencies: ["SISRCore", "SISREngine"]),
        .target(name: "DatasetBuilder", dependencies: ["SISRCore", "SRModels", "SISRArchive"]),
        .target(name: "DatasetLoader", dependencies: ["SISRCore", "SISREngine"]),
        .target(
            name: "SISRTraining",
            dependencies: ["SISRCore", "SRModels", .product(name: "Yams", package: "Yams")]),
        .target(name: "Baselines", dependencies: ["SISRCore", "DatasetLoader", "SISRTraining"]),
        .target(name: "SISRLoaderC", dependencies: ["DatasetLoader", "SISRCore"]),
        .executableTarget(
            name: "sisr",
            dependencies: [
                "SISRCore", "SRModels", "DatasetBuilder", "DatasetLoader", "Baselines", "SISRTraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Shared by every test target: temporary folders, small releases, the parity check with the
        // project's rounding, fixture loading, optional tools and child processes.
        .target(
            name: "TestSupport",
            dependencies: ["SISRCore", "SRModels", "DatasetBuilder", "DatasetLoader"],
            path: "Tests/TestSupport"),
        .testTarget(name: "SISRCoreTests", dependencies: ["SISRCore", "SISRArchive", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SISREngineTests", dependencies: ["SISREngine", "SISRCore", "TestSupport"]),
        .testTarget(
            name: "SRModelsTests", dependencies: ["SRModels", "SISREngine", "SISRCore", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DatasetBuilderTests", dependencies: ["DatasetBuilder", "SRModels", "SISRCore", "SISRArchive", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DatasetLoaderTests", dependencies: ["DatasetLoader", "DatasetBuilder", "SISRCore", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "BaselinesTests",
            dependencies: ["Baselines", "DatasetLoader", "DatasetBuilder", "SISRCore", "SISRTraining", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "SISRTrainingTests", dependencies: ["SISRTraining", "SRModels", "SISRCore", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["sisr", "SISRCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
