// swift-tools-version:6.0
import PackageDescription

// Targets, bottom to top:
//   C system libraries (each imported by exactly one Swift file of SISRCore)
//   SISRCore        images, PNG, resampling, hashing, seeded randomness, zstd, tar, BLAS, manifest types
//   CSISRKernels    the engine's innermost loops in C (deterministic GEMM, per-function ISA targets)
//   SISREngine      tensors, deterministic kernels and math, threading, the numeric settings
//   SRModels        layers, architectures, checkpoint readers, CPU inference
//   DatasetBuilder  plan -> LR -> SR -> PNG -> shards + manifest + CHECKSUMS
//   DatasetLoader   shards -> selection -> order -> crops -> batches
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
        .target(
            name: "SISRCore",
            dependencies: [
                "CPNG", "CZstd", "COpenBLAS", "CArchive",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // Optimised even in debug builds (the parity tests run through it), contraction off: every
        // multiply-add in the kernels is an explicit fma, so results do not depend on the compiler.
        .target(
            name: "CSISRKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]),
        .target(name: "SISREngine", dependencies: ["SISRCore", "CSISRKernels"]),
        .target(name: "SRModels", dependencies: ["SISRCore", "SISREngine"]),
        .target(name: "DatasetBuilder", dependencies: ["SISRCore", "SRModels"]),
        .target(name: "DatasetLoader", dependencies: ["SISRCore"]),
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
        .testTarget(name: "SISRCoreTests", dependencies: ["SISRCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SISREngineTests", dependencies: ["SISREngine", "SISRCore"]),
        .testTarget(name: "SRModelsTests", dependencies: ["SRModels", "SISREngine", "SISRCore"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DatasetBuilderTests", dependencies: ["DatasetBuilder", "SRModels", "SISRCore"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DatasetLoaderTests", dependencies: ["DatasetLoader", "DatasetBuilder", "SISRCore"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "BaselinesTests", dependencies: ["Baselines", "DatasetLoader", "DatasetBuilder", "SISRCore", "SISRTraining"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "SISRTrainingTests", dependencies: ["SISRTraining", "SRModels", "SISRCore"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["sisr", "SISRCore"]),
    ],
    swiftLanguageModes: [.v6]
)
