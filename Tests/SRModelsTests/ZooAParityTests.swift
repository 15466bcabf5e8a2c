import Foundation
import SISRCore
@testable import SRModels
import Testing
import TestSupport

@Suite("PyTorch parity of SRFBN, SAN, DRN and LIIF")
struct ZooAParityTests {
    @Test("matches the PyTorch output on the official container", arguments: try ModelFixtures.zooAEntries())
    func parity(_ fixture: ModelFixtures.Entry) throws {
        try checkParity(fixture, in: ModelFixtures.zooA)
    }

    @Test("outputs are byte-identical for 1 and 2 threads and for the generic and the best kernels",
          arguments: try ModelFixtures.zooAEntries())
    func determinism(_ fixture: ModelFixtures.Entry) throws {
        let dict = try loadStateDict(ModelFixtures.zooA.appendingPathComponent(fixture.weights))
        let net = try Architecture(named: fixture.arch).build(
            configJSON: fixture.configJSON, stateDict: dict, name: fixture.weights, scale: fixture.scale)
        let x = try readNpy(ModelFixtures.zooA.appendingPathComponent(fixture.input))
        let reference = EngineSettings.current.with(threads: 1, isa: .generic).run { net(x) }
        #expect(EngineSettings.current.with(threads: 2, isa: .generic).run { net(x) }.data == reference.data)
        #expect(EngineSettings.current.with(threads: 2, isa: GEMM.detectedISA).run { net(x) }.data == reference.data)
    }

    @Test("sizes are inferred from the checkpoints")
    func inferredSizes() throws {
        func config<C>(_ arch: Architecture, _ file: String, scale: Int? = nil, as: C.Type) throws -> C {
            let dict = try loadStateDict(ModelFixtures.zooA.appendingPathComponent(file))
            return try #require(try arch.resolveConfig(configJSON: nil, stateDict: dict, name: file, scale: scale) as? C)
        }
        let srfbn = try config(.srfbn, "srfbn_x4.pth", as: SRFBNConfig.self)
        #expect(srfbn.numFeatures == 6 && srfbn.numGroups == 2 && srfbn.upscaleFactor == 4 && srfbn.numSteps == 4)
        #expect(try config(.srfbn, "srfbn_x2.pth", as: SRFBNConfig.self).upscaleFactor == 2)
        let san = try config(.san, "san_x4.pth", as: SANConfig.self)
        #expect(san.nFeats == 8 && san.nResgroups == 2 && san.nResblocks == 2 && san.reduction == 2 && san.scale == 4)
        let drn = try config(.drn, "drn_x4.pth", as: DRNConfig.self)
        #expect(drn.nFeats == 4 && drn.nBlocks == 1 && drn.scale == 4)
        let edsr = try config(.liif, "liif_edsr.pth", scale: 4, as: LIIFConfig.self)
        #expect(edsr.encoderSpec.name == "edsr-baseline" && edsr.encoderSpec.args.nFeats == 8 && edsr.encoderSpec.args.nResblocks == 2)
        #expect(edsr.imnetSpec.args.hiddenList == [16, 12] && edsr.scale == 4)
        let rdn = try config(.liif, "liif_rdn.pth", as: LIIFConfig.self)
        #expect(rdn.encoderSpec.name == "rdn" && rdn.encoderSpec.args.g0 == 6 && rdn.encoderSpec.args.rdnSizes! == (2, 3, 4))
        #expect(rdn.scale == 2)
    }

    @Test("a fixed-scale checkpoint refuses another scale; LIIF takes any")
    func scales() throws {
        let dict = try loadStateDict(ModelFixtures.zooA.appendingPathComponent("srfbn_x2.pth"))
        #expect(throws: ModelError.self) { try Architecture.srfbn.build(stateDict: dict, name: "srfbn_x2.pth", scale: 4) }
        let liif = try loadStateDict(ModelFixtures.zooA.appendingPathComponent("liif_edsr.pth"))
        let net = try Architecture.liif.build(stateDict: liif, name: "liif_edsr.pth", scale: 3)
        #expect(net(Tensor(zeros: [1, 3, 5, 4])).shape == [1, 3, 15, 12])
    }

    @Test("SOCA pools the official centre crop (Python slicing, floor division)",
          arguments: [(1200, 900, 100, 0, 1000, 900), (900, 1300, 0, 150, 900, 1000), (1000, 899, 0, 848, 1000, 51),
                      (20, 30, 0, 0, 20, 30), (1001, 1001, 0, 0, 1000, 1000)])
    func socaCrop(_ c: (Int, Int, Int, Int, Int, Int)) {
        let (h, w, top, left, rh, rw) = c
        let x = Tensor(shape: [1, 1, h, w], data: (0..<(h * w)).map { Float($0) })
        let r = SecondOrderChannelAttention.pooledRegion(x)
        #expect(r.shape == [1, 1, rh, rw])
        #expect(r.data.first == Float(top * w + left))
    }

    @Test("strict loading names a missing parameter")
    func missingKey() throws {
        var dict = try loadStateDict(ModelFixtures.zooA.appendingPathComponent("san_x4.pth"))
        dict["RG.1.soca.conv_du.2.bias"] = nil
        #expect {
            try Architecture.san.build(stateDict: dict, name: "san_x4.pth")
        } throws: { error in
            "\(error)".contains("RG.1.soca.conv_du.2.bias") && "\(error)".contains("san_x4.pth")
        }
    }
}

@Suite("Strided and transposed convolution")
struct StridedConvolutionTests {
    /// Deterministic pseudo-random values in [-1, 1).
    func values(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed, "strided-conv-test")
        return (0..<n).map { _ in Float(rng.nextDouble() * 2 - 1) }
    }

    @Test("conv2dStrided equals the definition", arguments: [(3, 2, 1), (6, 2, 2), (8, 4, 2), (7, 3, 2), (12, 8, 2), (5, 2, 0)])
    func strided(_ kSP: (Int, Int, Int)) {
        let (k, s, p) = kSP
        let (cin, cout, h, w) = (3, 2, 17, 13)
        let x = Tensor(shape: [1, cin, h, w], data: values(cin * h * w, seed: 1))
        let wt = Tensor(shape: [cout, cin, k, k], data: values(cout * cin * k * k, seed: 2))
        let b = Tensor(shape: [cout], data: values(cout, seed: 3))
        let y = conv2dStrided(x, weight: wt, bias: b, stride: s, padding: p)
        let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        #expect(y.shape == [1, cout, oh, ow])
        var worst: Float = 0
        for o in 0..<cout {
            for yy in 0..<oh {
                for xx in 0..<ow {
                    var v = Double(b.data[o])
                    for c in 0..<cin {
                        for i in 0..<k {
                            for j in 0..<k {
                                let sy = yy * s + i - p, sx = xx * s + j - p
                                guard sy >= 0, sy < h, sx >= 0, sx < w else { continue }
                                v += Double(wt.data[((o * cin + c) * k + i) * k + j]) * Double(x.data[(c * h + sy) * w + sx])
                            }
                        }
                    }
                    worst = max(worst, abs(Float(v) - y.data[(o * oh + yy) * ow + xx]))
                }
            }
        }
        #expect(worst < 1e-5)
    }

    @Test("convTranspose2d equals the definition", arguments: [(6, 2, 2), (8, 4, 2), (7, 3, 2), (12, 8, 2), (4, 2, 1), (3, 1, 1)])
    func transposed(_ kSP: (Int, Int, Int)) {
        let (k, s, p) = kSP
        let (cin, cout, h, w) = (3, 2, 5, 4)
        let x = Tensor(shape: [1, cin, h, w], data: values(cin * h * w, seed: 4))
        let wt = Tensor(shape: [cin, cout, k, k], data: values(cout * cin * k * k, seed: 5))
        let b = Tensor(shape: [cout], data: values(cout, seed: 6))
        let y = convTranspose2d(x, weight: wt, bias: b, stride: s, padding: p)
        let oh = (h - 1) * s - 2 * p + k, ow = (w - 1) * s - 2 * p + k
        #expect(y.shape == [1, cout, oh, ow])
        var expected = [Double](repeating: 0, count: cout * oh * ow)
        for o in 0..<cout { for i in 0..<(oh * ow) { expected[o * oh * ow + i] = Double(b.data[o]) } }
        for c in 0..<cin {
            for yy in 0..<h {
                for xx in 0..<w {
                    for o in 0..<cout {
                        for i in 0..<k {
                            for j in 0..<k {
                                let ty = yy * s + i - p, tx = xx * s + j - p
                                guard ty >= 0, ty < oh, tx >= 0, tx < ow else { continue }
                                expected[(o * oh + ty) * ow + tx] += Double(wt.data[((c * cout + o) * k + i) * k + j]) * Double(x.data[(c * h + yy) * w + xx])
                            }
                        }
                    }
                }
            }
        }
        let worst = zip(expected, y.data).map { abs(Float($0) - $1) }.max() ?? 0
        #expect(worst < 1e-5)
    }
}
