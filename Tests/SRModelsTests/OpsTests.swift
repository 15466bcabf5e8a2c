import Foundation
import SISRCore
import SRModels
import Testing

func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SeededRandom(seed: seed, "test-tensor")
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float(rng.nextDouble() * 2 - 1) })
}

/// Direct six-loop convolution in double precision, as an independent reference.
func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor, padding p: Int) -> Tensor {
    let (n, cin, h, wd) = x.nchw
    let (cout, _, kh, kw) = w.nchw
    let oh = h + 2 * p - kh + 1, ow = wd + 2 * p - kw + 1
    var out = Tensor(zeros: [n, cout, oh, ow])
    for bi in 0..<n { for o in 0..<cout { for y in 0..<oh { for xx in 0..<ow {
        var s = Double(b.data[o])
        for c in 0..<cin { for i in 0..<kh { for j in 0..<kw {
            let sy = y + i - p, sx = xx + j - p
            if sy >= 0 && sy < h && sx >= 0 && sx < wd {
                s += Double(x.data[((bi * cin + c) * h + sy) * wd + sx]) * Double(w.data[((o * cin + c) * kh + i) * kw + j])
            }
        } } }
        out.data[((bi * cout + o) * oh + y) * ow + xx] = Float(s)
    } } } }
    return out
}

@Suite("Tensor operations")
struct OpsTests {
    @Test("conv2d equals a direct convolution", arguments: [(3, 1), (1, 0), (5, 2), (3, 0)])
    func convMatchesNaive(kernel: Int, padding: Int) {
        let x = randomTensor([2, 5, 9, 13], seed: 1)
        let w = randomTensor([7, 5, kernel, kernel], seed: 2)
        let b = randomTensor([7], seed: 3)
        let y = conv2d(x, weight: w, bias: b, padding: padding)
        let r = naiveConv(x, w, b, padding: padding)
        #expect(y.shape == r.shape)
        #expect(zip(y.data, r.data).allSatisfy { abs($0 - $1) < 1e-5 })
        let lrelu = conv2d(x, weight: w, bias: b, padding: padding, activation: .leakyReLU(0.2))
        #expect(lrelu == leakyReLU(y, slope: 0.2))
        #expect(conv2d(x, weight: w, bias: b, padding: padding, activation: .relu) == relu(y))
    }

    @Test("pixel shuffle follows PyTorch's channel order and unshuffle inverts it")
    func shuffle() {
        let x = Tensor(shape: [1, 8, 1, 2], data: (0..<16).map(Float.init))
        let y = pixelShuffle(x, 2)
        #expect(y.shape == [1, 2, 2, 4])
        // out[c, h*2+i, w*2+j] = in[c*4 + i*2 + j, h, w]; input channel k at w holds 2k + w.
        #expect(y.data[0..<8] == [0, 2, 1, 3, 4, 6, 5, 7])
        #expect(pixelUnshuffle(y, 2) == x)
        let z = randomTensor([2, 3, 6, 4], seed: 4)
        #expect(pixelShuffle(pixelUnshuffle(z, 2), 2) == z)
    }

    @Test("nearest x2, concat, pool, channel multiply, reflect pad")
    func misc() {
        let x = Tensor(shape: [1, 1, 2, 2], data: [1, 2, 3, 4])
        #expect(upsampleNearest2x(x).data == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        #expect(concatChannels([x, x.map { -$0 }]).data == [1, 2, 3, 4, -1, -2, -3, -4])
        #expect(globalAveragePool(x).data == [2.5])
        #expect(multiplyChannels(concatChannels([x, x]), by: Tensor(shape: [1, 2], data: [2, 0])).data == [2, 4, 6, 8, 0, 0, 0, 0])
        let p = reflectPadBottomRight(Tensor(shape: [1, 1, 2, 3], data: [1, 2, 3, 4, 5, 6]), bottom: 1, right: 2)
        #expect(p.data == [1, 2, 3, 2, 1, 4, 5, 6, 5, 4, 1, 2, 3, 2, 1])
        #expect(sigmoid(Tensor(shape: [1], data: [0])).data == [0.5])
        #expect(add(x, x, scaledBy: 0.5).data == [1.5, 3, 4.5, 6])
    }
}

@Suite("Thread-count determinism", .serialized)
struct DeterminismTests {
    /// Small random networks of every architecture.
    static let configs: [Architecture: String] = [
        .edsr: #"{"num_feat": 32, "num_block": 2, "res_scale": 0.1}"#,
        .rcan: #"{"num_feat": 32, "num_group": 2, "num_block": 2, "squeeze_factor": 4}"#,
        .rdn: #"{"num_feat": 16, "num_block": 2, "num_layer": 3, "num_grow_ch": 16}"#,
        .rrdbnet: #"{"num_feat": 32, "num_block": 1, "num_grow_ch": 16}"#,
        .swinir: #"{"embed_dim": 12, "depths": [2], "num_heads": [2], "window_size": 4, "img_size": 8, "num_feat": 8}"#,
        .nlsn: #"{"n_feats": 8, "n_resblocks": 1, "chunk_size": 144, "n_hashes": 2}"#,
        .prosr: #"{"num_init_features": 8, "growth_rate": 4, "bn_size": 2, "level_config": [[2], [1]], "max_scale": 4}"#,
        .enhancenet: #"{"n": 8, "residual_blocks": 1}"#,
        .spsr: #"{"nf": 8, "nb": 4, "gc": 4, "tap_blocks": [1, 2, 3, 4]}"#,
        .ncsr: #"{"nf": 4, "nb": 2, "gc": 4, "K": 1, "L": 3, "hidden_channels": 4, "stackRRDB_blocks": [0, 1], "heat": 0.5}"#,
        .srfbn: #"{"num_features": 8, "num_steps": 2, "num_groups": 2}"#,
        .san: #"{"n_feats": 8, "n_resgroups": 1, "n_resblocks": 1, "reduction": 2}"#,
        .drn: #"{"n_feats": 4, "n_blocks": 1}"#,
        .liif: #"{"encoder_spec": {"name": "edsr-baseline", "args": {"n_resblocks": 1, "n_feats": 8}}, "imnet_spec": {"name": "mlp", "args": {"out_dim": 3, "hidden_list": [8]}}}"#,
    ]

    @Test("networks give byte-identical output with 1 and 2 threads", arguments: Architecture.allCases)
    func oneVersusTwoThreads(_ arch: Architecture) throws {
        let net = try arch.random(configJSON: Data(Self.configs[arch]!.utf8), scale: 4, seed: 9)
        let x = randomTensor([1, 3, 37, 45], seed: 5).map { ($0 + 1) / 2 }
        let one = EngineSettings.current.with(threads: 1).run { net(x) }
        let two = EngineSettings.current.with(threads: 2).run { net(x) }
        #expect(one.shape == [1, 3, 148, 180])
        #expect(one.data.withUnsafeBytes { Array($0) } == two.data.withUnsafeBytes { Array($0) })
    }

    @Test("multi-block Winograd F(2x2), F(4x4) and im2col convolutions are byte-identical with 1 and 2 threads")
    func convolutions() {
        let x = randomTensor([1, 300, 90, 41], seed: 21)
        let w = randomTensor([16, 300, 3, 3], seed: 22)
        var results: [[Tensor]] = []
        for t in [1, 2] {
            results.append(EngineSettings.current.with(threads: t).run {
                [conv2dWinograd(x, weight: w, bias: nil), conv2dWinogradF4(x, weight: w, bias: nil),
                 conv2dIm2col(x, weight: w, bias: nil, padding: 1)]
            })
        }
        #expect(results[0] == results[1])
    }
}

@Suite("Winograd convolution")
struct WinogradTests {
    static let shapes = [(9, 13), (8, 8), (1, 1), (2, 5), (33, 7), (7, 37), (6, 34), (5, 16), (4, 4), (17, 3)]

    /// Winograd output tile -> (the convolution, its error bound against the direct loop).
    static func winograd(_ tile: Int) -> (conv: (Tensor, Tensor, Tensor?, Activation) -> Tensor, bound: Float) {
        tile == 2 ? ({ conv2dWinograd($0, weight: $1, bias: $2, activation: $3) }, 1e-5)
            : ({ conv2dWinogradF4($0, weight: $1, bias: $2, activation: $3) }, 5e-5)
    }

    @Test("Winograd F(2x2,3x3), F(4x4,3x3) and im2col equal a direct convolution, with fused bias and activations, on every ISA",
          arguments: [2, 4], shapes)
    func matchesDirect(tile: Int, size: (Int, Int)) {
        let x = randomTensor([2, 6, size.0, size.1], seed: 11)
        let wt = randomTensor([5, 6, 3, 3], seed: 12)
        let b = randomTensor([5], seed: 13)
        let r = naiveConv(x, wt, b, padding: 1)
        let (conv, bound) = Self.winograd(tile)
        let wino = conv(x, wt, b, .identity)
        let col = conv2dIm2col(x, weight: wt, bias: b, padding: 1)
        #expect(wino.shape == r.shape && col.shape == r.shape)
        let err = zip(wino.data, r.data).map { abs($0 - $1) }.max() ?? 0
        #expect(err < bound, "F(\(tile)x\(tile)) max abs error \(err)")
        #expect(zip(col.data, r.data).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(conv(x, wt, b, .leakyReLU(0.2)) == leakyReLU(wino, slope: 0.2))
        #expect(conv(x, wt, b, .relu) == relu(wino))
        for isa in ISA.allCases where isa <= GEMM.detectedISA {
            #expect(EngineSettings.current.with(isa: isa).run { conv(x, wt, b, .identity) } == wino, "\(isa)")
        }
    }

    @Test("Winograd F(4x4,3x3) on rows of >= 16 whole tiles (the transforms' contiguous path): direct, every ISA, 1 and 2 threads",
          arguments: [(20, 70), (9, 130), (16, 64)])
    func f4WideRows(h: Int, w: Int) {
        let x = randomTensor([1, 8, h, w], seed: 41)
        let wt = randomTensor([5, 8, 3, 3], seed: 42)
        let b = randomTensor([5], seed: 43)
        let r = naiveConv(x, wt, b, padding: 1)
        let wino = EngineSettings.current.with(threads: 1, isa: .generic).run {
            conv2dWinogradF4(x, weight: wt, bias: b, activation: .leakyReLU(0.2))
        }
        let err = zip(wino.data, leakyReLU(r, slope: 0.2).data).map { abs($0 - $1) }.max() ?? 0
        #expect(err < 5e-5, "max abs error \(err)")
        for isa in ISA.allCases where isa <= GEMM.detectedISA {
            let y = EngineSettings.current.with(threads: 2, isa: isa).run {
                conv2dWinogradF4(x, weight: wt, bias: b, activation: .leakyReLU(0.2))
            }
            #expect(y.data.withUnsafeBytes { Array($0) } == wino.data.withUnsafeBytes { Array($0) }, "\(isa)")
        }
    }

    @Test("conv2d follows winogradTile, winograd and winogradMinInputChannels")
    func dispatch() {
        let x = randomTensor([1, 8, 11, 10], seed: 31)
        let wt = randomTensor([4, 8, 3, 3], seed: 32)
        let base = EngineSettings.current.with(winogradMinInputChannels: 8)
        #expect(base.with(winogradTile: 4).run { conv2d(x, weight: wt, bias: nil, padding: 1) } == conv2dWinogradF4(x, weight: wt, bias: nil))
        #expect(base.with(winogradTile: 2).run { conv2d(x, weight: wt, bias: nil, padding: 1) } == conv2dWinograd(x, weight: wt, bias: nil))
        #expect(base.with(winograd: false).run { conv2d(x, weight: wt, bias: nil, padding: 1) } == conv2dIm2col(x, weight: wt, bias: nil, padding: 1))
        #expect(base.with(winogradMinInputChannels: 9).run { conv2d(x, weight: wt, bias: nil, padding: 1) } == conv2dIm2col(x, weight: wt, bias: nil, padding: 1))
        #expect(EngineSettings(threads: 1, isa: .generic).winogradTile == 4)
        #expect(EngineSettings(threads: 1, isa: .generic).kernels == "fma-chain-1+winograd-f4")
        #expect(base.with(winogradTile: 2).kernels == "fma-chain-1+winograd-f2-c8")
        #expect(base.with(winograd: false).kernels == "fma-chain-1+im2col")
    }
}
