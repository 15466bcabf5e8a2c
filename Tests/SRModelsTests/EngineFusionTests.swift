import SISRCore
import SISREngine
import SRModels
import Testing

/// The engine's in-place and fused forms give the bits of the plain ones they replace.
@Suite("Fused and in-place engine operations")
struct EngineFusionTests {
    private static func bytes(_ t: Tensor) -> [UInt8] { t.data.withUnsafeBytes { Array($0) } }

    @Test("conv2d(stack:) equals conv2d of the copied channels (Winograd F(4x4), F(2x2), im2col; batch 2; every ISA, 1 and 2 threads)",
          arguments: [
              EngineSettings.current.with(winogradTile: 4, winogradMinInputChannels: 8),
              EngineSettings.current.with(winogradTile: 2, winogradMinInputChannels: 8),
              EngineSettings.current.with(winograd: false),
          ])
    func stackConvolution(settings: EngineSettings) {
        let (f, g, h, w) = (8, 5, 19, 70)
        let x = randomTensor([2, f + 2 * g, h, w], seed: 51)
        let wt = randomTensor([g, f + g, 3, 3], seed: 52), b = randomTensor([g], seed: 53)
        let plane = h * w
        var prefixData: [Float] = []
        for i in 0..<2 {
            let start = i * (f + 2 * g) * plane
            prefixData += x.data[start..<(start + (f + g) * plane)]
        }
        let prefix = Tensor(shape: [2, f + g, h, w], data: prefixData)
        let expected = settings.with(threads: 1, isa: .generic).run {
            conv2d(prefix, weight: wt, bias: b, padding: 1, activation: .leakyReLU(0.2))
        }
        for isa in ISA.allCases where isa <= GEMM.detectedISA {
            for threads in [1, 2] {
                var stack = x
                settings.with(threads: threads, isa: isa).run {
                    conv2d(stack: &stack, inputChannels: f + g, outputOffset: f + g, weight: wt, bias: b, padding: 1,
                           activation: .leakyReLU(0.2), cache: ConvWeightCache())
                }
                for i in 0..<2 {
                    let base = (i * (f + 2 * g)) * plane
                    // Input channels untouched, output slice equal to the copied computation.
                    #expect(Array(stack.data[base..<(base + (f + g) * plane)]) == Array(x.data[base..<(base + (f + g) * plane)]))
                    let got = Array(stack.data[(base + (f + g) * plane)..<(base + (f + 2 * g) * plane)])
                    let want = Array(expected.data[(i * g * plane)..<((i + 1) * g * plane)])
                    let same = got.map { $0.bitPattern } == want.map { $0.bitPattern }
                    #expect(same, "\(isa), \(threads) threads, image \(i)")
                }
            }
        }
    }

    @Test("a convolution with a weight cache gives the bits of one without, on first and later calls")
    func weightCache() {
        let x = randomTensor([1, 9, 23, 41], seed: 61)
        let wt = randomTensor([7, 9, 3, 3], seed: 62), b = randomTensor([7], seed: 63)
        let cache = ConvWeightCache()
        for tile in [4, 2, 4] {
            let s = EngineSettings.current.with(winogradTile: tile, winogradMinInputChannels: 8)
            let plain = s.run { conv2d(x, weight: wt, bias: b, padding: 1) }
            for _ in 0..<2 {
                #expect(Self.bytes(s.run { conv2d(x, weight: wt, bias: b, padding: 1, cache: cache) }) == Self.bytes(plain))
            }
        }
    }

    @Test("Winograd F(4x4) on packed panels: every ISA, 1 and 2 threads give generic's bits for output channels and tile blocks that cut panels, with one cache across ISAs")
    func packedWinograd() {
        let base = EngineSettings.current.with(winogradTile: 4, winogradMinInputChannels: 8)
        // Widths of 13, 17, 50 and 65 tiles: blocks of t tiles with t % 48 and t % 16 of several kinds.
        for (cin, cout, h, w) in [(8, 3, 9, 52), (11, 13, 37, 67), (9, 32, 23, 197), (16, 9, 6, 257)] {
            let x = randomTensor([1, cin, h, w], seed: UInt64(80 + cout))
            let wt = randomTensor([cout, cin, 3, 3], seed: UInt64(90 + cout)), b = randomTensor([cout], seed: 99)
            let want = Self.bytes(base.with(threads: 1, isa: .generic).run { conv2d(x, weight: wt, bias: b, padding: 1, activation: .relu) })
            let cache = ConvWeightCache()
            for isa in ISA.allCases.reversed() where isa <= GEMM.detectedISA {
                for threads in [2, 1] {
                    let got = base.with(threads: threads, isa: isa).run {
                        conv2d(x, weight: wt, bias: b, padding: 1, activation: .relu, cache: cache)
                    }
                    #expect(Self.bytes(got) == want, "\(isa), \(threads) threads, \(cin)->\(cout) at \(w)x\(h)")
                }
            }
        }
    }

    @Test("addScaledChannels equals add(a, multiplyChannels(b, by: s), scaledBy:), global pool equals the plain double sum")
    func channelAttention() {
        let a = randomTensor([2, 11, 13, 17], seed: 71), b = randomTensor([2, 11, 13, 17], seed: 72)
        let s = randomTensor([2, 11, 1, 1], seed: 73)
        for scale: Float in [1, 0.2] {
            let want = add(a, multiplyChannels(b, by: s), scaledBy: scale)
            for threads in [1, 2] {
                let got = EngineSettings.current.with(threads: threads).run { addScaledChannels(a, b, channelScales: s, scaledBy: scale) }
                #expect(Self.bytes(got) == Self.bytes(want))
            }
        }
        let plane = 13 * 17
        let reference = (0..<22).map { p in
            var sum = 0.0
            for i in (p * plane)..<((p + 1) * plane) { sum += Double(a.data[i]) }
            return Float(sum / Double(plane))
        }
        for threads in [1, 2] {
            let pooled = EngineSettings.current.with(threads: threads).run { globalAveragePool(a) }
            #expect(pooled.shape == [2, 11, 1, 1])
            #expect(pooled.data.map { $0.bitPattern } == reference.map { $0.bitPattern })
        }
    }

    @Test("EngineSettings.with(kernels:) inverts kernels")
    func kernelFamilies() {
        let base = EngineSettings(threads: 1, isa: .generic)
        for s in [base, base.with(winogradTile: 2), base.with(winogradMinInputChannels: 32), base.with(winograd: false),
                  base.with(winogradTile: 2, winogradMinInputChannels: 8)] {
            #expect(base.with(kernels: s.kernels) == s, "\(s.kernels)")
        }
        #expect(base.with(kernels: "fma-chain-1") == base.with(winogradTile: 2))
        for bad in ["fma-chain-2+winograd-f4", "fma-chain-1+winograd-f3", "fma-chain-1+winograd-f4-c64",
                    "fma-chain-1+winograd-f4-x", "fma-chain-1+im2col-c8", "fma-chain-1+winograd-f4-c8-c9"] {
            #expect(base.with(kernels: bad) == nil, "\(bad)")
        }
    }
}
