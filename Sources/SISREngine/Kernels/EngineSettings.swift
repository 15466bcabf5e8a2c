import Foundation
import SISRCore

/// Instruction-set levels the kernels can use. Results are identical on every level; only speed differs.
public enum ISA: String, Sendable, CaseIterable, Comparable, Codable {
    /// Portable scalar code, one `fma` per multiply-add: the reference, on any CPU.
    case generic
    /// x86-64 AVX2 + FMA.
    case avx2
    /// x86-64 AVX-512F.
    case avx512

    var level: Int {
        switch self {
        case .generic: 0
        case .avx2: 1
        case .avx512: 2
        }
    }

    init(level: Int) { self = level >= 2 ? .avx512 : level == 1 ? .avx2 : .generic }

    public static func < (a: ISA, b: ISA) -> Bool { a.level < b.level }
}

/// The engine's numeric settings, as a value. The settings in force are ``current``, a task-local
/// that ``Compute`` carries into its worker threads, so concurrent tasks (test suites, a server) can
/// run with different settings without racing on a global. None of them changes any output bit
/// except ``winograd``, ``winogradTile`` and ``winogradMinInputChannels``, which choose the convolution
/// algorithm (``kernels`` names the choice, as a release manifest records it).
public struct EngineSettings: Sendable, Equatable {
    /// Worker threads for tensor operations (at least 1).
    public var threads: Int
    /// Instruction set of the kernels; always at most what the CPU supports.
    public var isa: ISA
    /// Whether 3x3 convolutions with padding 1 use Winograd rather than im2col.
    public var winograd: Bool
    /// Output tile of the Winograd path: 4 for F(4x4, 3x3) (the default: 36 multiplies per 16 outputs),
    /// 2 for F(2x2, 3x3) (16 per 4, the algorithm of releases before it; smaller rounding error).
    public var winogradTile: Int
    /// 3x3 convolutions with fewer input channels use im2col even when ``winograd`` is on.
    public var winogradMinInputChannels: Int

    /// The Winograd output tiles the engine implements.
    public static let winogradTiles = [2, 4]

    public init(threads: Int, isa: ISA, winograd: Bool = true, winogradTile: Int = 4, winogradMinInputChannels: Int = 64) {
        precondition(Self.winogradTiles.contains(winogradTile), "EngineSettings: winogradTile must be 2 or 4, not \(winogradTile)")
        self.threads = max(1, threads)
        self.isa = min(isa, GEMM.detectedISA)
        self.winograd = winograd
        self.winogradTile = winogradTile
        self.winogradMinInputChannels = max(1, winogradMinInputChannels)
    }

    /// All cores, the CPU's best instruction set capped by the `SISR_ISA` environment variable
    /// (`generic`, `avx2`, `avx512`; it never raises the level), Winograd from 64 input channels.
    public static let processDefault: EngineSettings = {
        let env = ProcessInfo.processInfo.environment
        let cap = env["SISR_ISA"].flatMap { ISA(rawValue: $0.lowercased()) } ?? .avx512
        return EngineSettings(threads: ProcessInfo.processInfo.activeProcessorCount, isa: cap)
    }()

    /// Why `SISR_ISA` was ignored, if it holds something other than a known level (for the CLI to report).
    public static var isaEnvironmentProblem: String? {
        guard let raw = ProcessInfo.processInfo.environment["SISR_ISA"], ISA(rawValue: raw.lowercased()) == nil
        else { return nil }
        return "SISR_ISA=\(raw) is not one of \(ISA.allCases.map(\.rawValue).joined(separator: ", ")); ignored"
    }

    /// The settings in force for the current task (and the workers ``Compute`` starts for it).
    @TaskLocal public static var current: EngineSettings = processDefault

    /// A copy with some values changed.
    public func with(
        threads: Int? = nil, isa: ISA? = nil, winograd: Bool? = nil, winogradTile: Int? = nil,
        winogradMinInputChannels: Int? = nil
    ) -> EngineSettings {
        EngineSettings(
            threads: threads ?? self.threads, isa: isa ?? self.isa, winograd: winograd ?? self.winograd,
            winogradTile: winogradTile ?? self.winogradTile,
            winogradMinInputChannels: winogradMinInputChannels ?? self.winogradMinInputChannels)
    }

    /// Runs `body` with `self` as ``current``.
    public func run<R>(_ body: () throws -> R) rethrows -> R {
        try EngineSettings.$current.withValue(self, operation: body)
    }

    /// The arithmetic these settings give, as a release manifest's `tool.kernels` records it: the
    /// kernels' contract (``SISRVersion/kernels``), then the 3x3 convolution algorithm, e.g.
    /// `fma-chain-1+winograd-f4` (a threshold other than 64 input channels is appended as `-c<n>`).
    /// Settings with equal strings give equal bits on every CPU and thread count.
    public var kernels: String {
        guard winograd else { return SISRVersion.kernels + "+im2col" }
        let threshold = winogradMinInputChannels == 64 ? "" : "-c\(winogradMinInputChannels)"
        return SISRVersion.kernels + "+winograd-f\(winogradTile)" + threshold
    }

    /// These settings with the arithmetic that a `tool.kernels` string names (the inverse of
    /// ``kernels``: `fma-chain-1+winograd-f2`, `fma-chain-1+winograd-f4-c32`, `fma-chain-1+im2col`), so
    /// that a release made with other settings can be rebuilt; plain `fma-chain-1` (releases before the
    /// algorithm was recorded) is F(2x2) from 64 input channels. nil for another kernel contract or a
    /// string that ``kernels`` would not print.
    public func with(kernels family: String) -> EngineSettings? {
        if family == SISRVersion.kernels { return with(winograd: true, winogradTile: 2, winogradMinInputChannels: 64) }
        let prefix = SISRVersion.kernels + "+"
        guard family.hasPrefix(prefix) else { return nil }
        let algorithm = family.dropFirst(prefix.count)
        if algorithm == "im2col" { return with(winograd: false) }
        guard algorithm.hasPrefix("winograd-f") else { return nil }
        let parts = algorithm.dropFirst("winograd-f".count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let tile = Int(parts[0]), Self.winogradTiles.contains(tile) else { return nil }
        var threshold = 64
        if parts.count == 2 {
            guard parts[1].hasPrefix("c"), let c = Int(parts[1].dropFirst()), c >= 1 else { return nil }
            threshold = c
        }
        let settings = with(winograd: true, winogradTile: tile, winogradMinInputChannels: threshold)
        return settings.kernels == family ? settings : nil
    }

    /// The 3x3 convolution algorithm in words, e.g. `Winograd F(4x4,3x3) from 64 input channels`.
    public var convolution: String {
        winograd ? "Winograd F(\(winogradTile)x\(winogradTile),3x3) from \(winogradMinInputChannels) input channels" : "im2col"
    }

    /// One line naming what runs, e.g. `kernels avx512 (GEMM tile 8x48, sequential fma chain),
    /// 3x3 conv Winograd F(4x4,3x3) from 64 input channels, threads 2`.
    public var summary: String {
        let t = GEMM.tile(isa)
        return "kernels \(isa.rawValue) (GEMM tile \(t.rows)x\(t.columns), sequential fma chain), 3x3 conv \(convolution), threads \(threads)"
    }
}
