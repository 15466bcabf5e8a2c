import Foundation
import SISRCore
import Testing

@testable import SRModels
import TestSupport

/// The kernels' promise: the instruction set changes speed, never bits. Every parity fixture runs on
/// the generic (scalar `fma`) path and on each vector path this CPU has, and the outputs must be
/// byte-identical. Paths the CPU lacks are skipped visibly (one test per path).
@Suite("Instruction-set independence of network outputs", .serialized)
struct ISAIdentityTests {

    func outputs(_ isa: ISA, _ body: () throws -> Tensor) rethrows -> [UInt8] {
        try EngineSettings.current.with(isa: isa).run { try body() }.data.withUnsafeBytes { Array($0) }
    }

    @Test("CNN fixtures: generic (1 thread) == AVX2 (2 threads), im2col, Winograd F(2x2) and F(4x4)", .enabled(if: GEMM.detectedISA >= .avx2, "no AVX2+FMA on this CPU"),
          arguments: try ModelFixtures.cnn())
    func cnnAVX2(_ fixture: ModelFixtures.Entry) throws { try cnn(fixture, .avx2) }

    @Test("CNN fixtures: generic (1 thread) == AVX-512 (2 threads), im2col, Winograd F(2x2) and F(4x4)", .enabled(if: GEMM.detectedISA >= .avx512, "no AVX-512F on this CPU"),
          arguments: try ModelFixtures.cnn())
    func cnnAVX512(_ fixture: ModelFixtures.Entry) throws { try cnn(fixture, .avx512) }

    static let transformerFixtures = ["swinir_x2", "swinir_gan_x4", "nlsn_x2"]

    @Test("SwinIR and NLSN fixtures: generic (1 thread) == AVX2 (2 threads), each convolution algorithm", .enabled(if: GEMM.detectedISA >= .avx2, "no AVX2+FMA on this CPU"),
          arguments: transformerFixtures)
    func transformersAVX2(_ name: String) throws { try transformers(name, .avx2) }

    @Test("SwinIR and NLSN fixtures: generic (1 thread) == AVX-512 (2 threads), each convolution algorithm", .enabled(if: GEMM.detectedISA >= .avx512, "no AVX-512F on this CPU"),
          arguments: transformerFixtures)
    func transformersAVX512(_ name: String) throws { try transformers(name, .avx512) }

    func cnn(_ fixture: ModelFixtures.Entry, _ isa: ISA) throws {
        let dict = try loadStateDict(ModelFixtures.models.appendingPathComponent(fixture.weights))
        let net = try Architecture(named: fixture.arch).build(
            configJSON: fixture.configJSON, stateDict: dict, name: fixture.weights, scale: fixture.scale)
        let x = try readNpy(ModelFixtures.models.appendingPathComponent(fixture.input))
        for variant in convolutionVariants() {
            let generic = try variant.settings.with(threads: 1).run { try outputs(.generic) { net(x) } }
            let vector = try variant.settings.with(threads: 2).run { try outputs(isa) { net(x) } }
            #expect(generic == vector, "\(fixture.weights), \(variant.label): \(isa.rawValue) with 2 threads differs from generic with 1")
        }
    }

    func transformers(_ name: String, _ isa: ISA) throws {
        let fx = try TransformerFixture(name)
        let net: (Tensor) -> Tensor
        if name.hasPrefix("swinir") {
            let m = try SwinIR(config: try fx.decodeConfig(SwinIRConfig.self), weights: WeightScope(WeightStore(fx.weights, name: name)))
            net = { m($0) }
        } else {
            let m = try NLSN(config: try fx.decodeConfig(NLSNConfig.self), weights: WeightScope(WeightStore(fx.weights, name: name)))
            net = { m($0) }
        }
        for variant in convolutionVariants() {
            let generic = variant.settings.with(threads: 1).run { outputs(.generic) { net(fx.input) } }
            let vector = variant.settings.with(threads: 2).run { outputs(isa) { net(fx.input) } }
            #expect(generic == vector, "\(name), \(variant.label): \(isa.rawValue) with 2 threads differs from generic with 1")
        }
    }

    @Test("SISR_ISA caps the level and never raises it")
    func capFromSettings() {
        #expect(EngineSettings.current.with(isa: .avx512).isa <= GEMM.detectedISA)
        #expect(EngineSettings.current.with(isa: .generic).isa == .generic)
    }
}
