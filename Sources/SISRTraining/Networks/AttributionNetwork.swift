import SRModels

/// The image-attribution classifier of Yu, Davis and Fritz, "Attributing Fake Images to GANs: Learning
/// and Analyzing GAN Fingerprints" (ICCV 2019; official code `classifier/networks.py`, `C_patch` with
/// `mode='postpool'`, `latent_res=-1`), sized by `fmapBase`/`fmapMax`:
///
/// - `nf(s) = min(fmapBase / 2^s, fmapMax)` feature maps at stage `s`;
/// - for each resolution `2^r` from the input side down to 8: `Conv0` 3x3 to `nf(r-1)`, LeakyReLU
///   0.2, `Conv1` 3x3 to `nf(r-2)`, LeakyReLU 0.2, 2x2 average pool;
/// - at 4x4: `Conv0` 3x3 to `nf(1)`, LeakyReLU, flatten, `Dense1` to `max(nf(1), classes)`,
///   LeakyReLU (the penultimate features), `Dense2` to `classes` (logits);
/// - equalized learning rate (`use_wscale`): weights are stored with unit variance and multiplied
///   by `gain / sqrt(fanIn)` in the forward pass (gain `sqrt(2)`, 1 for `Dense2`); biases start at 0;
/// - input in `[-1, 1]` (`drange_net`).
///
/// Weights are drawn uniformly (unit variance) from the project's seeded streams, not TensorFlow's
/// normal ones. Every op is one of this module's differentiable ops, so training is deterministic for
/// a seed and independent of the thread count.
public final class AttributionNetwork: TrainableNetwork {
    public let parameters: ParameterList
    public let patch: Int
    public let classes: Int
    public let featureCount: Int
    struct Layer {
        let weight: Parameter, bias: Parameter
        let scale: Float
        let dense: Bool
    }
    let blocks: [(conv0: Layer, conv1: Layer)]
    let head: Layer, dense1: Layer, dense2: Layer

    /// - Throws: `ModelError.invalidConfig` unless `patch` is a power of two of at least 8 and the
    ///   sizes are positive.
    public init(classes: Int, patch: Int, fmapBase: Int = 1024, fmapMax: Int = 512, seed: UInt64) throws {
        guard patch >= 8, patch & (patch - 1) == 0 else {
            throw ModelError.invalidConfig("the attribution network needs a power-of-two patch of at least 8 pixels, got \(patch)")
        }
        guard classes >= 1, fmapBase >= 1, fmapMax >= 1 else {
            throw ModelError.invalidConfig("attribution network: classes, fmap_base and fmap_max must be positive")
        }
        self.patch = patch
        self.classes = classes
        parameters = ParameterList(seed: seed, name: "attribution")
        let s = LayerScope(parameters)
        func nf(_ stage: Int) -> Int { max(1, min(fmapBase >> stage, fmapMax)) }
        func layer(_ scope: LayerScope, in fin: Int, out fout: Int, kernel k: Int, gain: Float = Float(2).squareRoot()) -> Layer {
            let fanIn = k == 0 ? fin : fin * k * k
            let shape = k == 0 ? [fout, fin] : [fout, fin, k, k]
            return Layer(weight: scope.parameter("weight", shape, .unitVariance), bias: scope.parameter("bias", [fout], .constant(0)),
                         scale: gain / Float(fanIn).squareRoot(), dense: k == 0)
        }
        var log2 = 0
        while 1 << log2 < patch { log2 += 1 }
        var cin = 3
        var blocks: [(Layer, Layer)] = []
        for r in stride(from: log2, to: 2, by: -1) {
            let side = "\(1 << r)x\(1 << r)"
            let c0 = layer(s[side]["Conv0"], in: cin, out: nf(r - 1), kernel: 3)
            let c1 = layer(s[side]["Conv1"], in: nf(r - 1), out: nf(r - 2), kernel: 3)
            blocks.append((c0, c1))
            cin = nf(r - 2)
        }
        self.blocks = blocks
        head = layer(s["4x4"]["Conv0"], in: cin, out: nf(1), kernel: 3)
        featureCount = max(nf(1), classes)
        dense1 = layer(s["4x4"]["Dense1"], in: nf(1) * 16, out: featureCount, kernel: 0)
        dense2 = layer(s["4x4"]["Dense2"], in: featureCount, out: classes, kernel: 0, gain: 1)
    }

    func apply(_ l: Layer, _ x: Variable) -> Variable {
        let w = scaled(l.weight.variable, by: l.scale)
        return l.dense ? linear(x, weight: w, bias: l.bias.variable) : conv2d(x, weight: w, bias: l.bias.variable, padding: 1)
    }

    /// Logits `[N, classes]` and penultimate features `[N, featureCount]` of `x` (`[N, 3, patch, patch]`, in [-1, 1]).
    public func classify(_ x: Variable) -> (logits: Variable, features: Variable) {
        precondition(x.value.nchw.h == patch && x.value.nchw.w == patch, "attribution network input must be \(patch)x\(patch)")
        var h = x
        for (c0, c1) in blocks {
            h = leakyReLU(apply(c0, h), slope: 0.2)
            h = avgPool2x2(leakyReLU(apply(c1, h), slope: 0.2))
        }
        h = leakyReLU(apply(head, h), slope: 0.2)
        let n = h.value.nchw.n
        let features = leakyReLU(apply(dense1, reshaped(h, [n, h.value.count / n])), slope: 0.2)
        return (apply(dense2, features), features)
    }

    public func forward(_ x: Variable) -> Variable { classify(x).logits }
}
