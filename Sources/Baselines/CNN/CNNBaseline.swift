import Foundation
import SISRCore
import SISRTraining
import SRModels

/// A learned baseline with no Python: Yu et al.'s attribution network (``AttributionNetwork``) trained
/// on CPU with the training module's autograd, softmax cross-entropy and Adam.
///
/// Recipe (the official `classifier/` defaults unless noted): Adam with `beta1 = 0`, `beta2 = 0.99`,
/// `eps = 1e-8`; softmax cross-entropy. Adapted to a CPU and small images: the input is the image's
/// high-pass residual (``highpass``: each pixel minus its 3x3 mean, times 16) instead of the image in
/// [-1, 1] (fed raw pixels, the network learns slowly and generalises badly from 24 training
/// images per class: README, "Baselines and scoring"); random
/// `patch`-px crops (32) instead of whole 128x128 images, at any position (`cropAlign` 1; aligning
/// them to multiples of 8 px, which keeps the phase of upsampling patterns, measured worse on an
/// earlier release: 43.8% against 58.3% unaligned: fewer distinct crops); `fmapBase` 256 and
/// `fmapMax` 64 (official 1024 and 512; the first layers keep the official 16 and 32 maps); learning
/// rate 0.002 (official 0.001) decayed to 0 on a cosine (``schedule``; official: constant) over 160
/// epochs of batch 16 (official 32) instead of 100 million images; no mirror augmentation by default
/// (the official run mirrors; the fingerprint of an untrained
/// network is not mirror-symmetric).
///
/// A test image is classified by the mean softmax probabilities of its grid crops (``gridCrops``: the
/// patches at multiples of a quarter patch, 117 on 128x96 with 32-px patches; test-time averaging, not in the official code, which sees
/// whole images); features are the mean `Dense1` activations. Deterministic: the
/// loader's order and crops depend only on the seed and epoch, initial weights on the seed, and every
/// op's arithmetic is fixed whatever the thread count.
public struct CNNBaseline: Sendable {
    public var patch = 32
    public var fmapBase = 256
    public var fmapMax = 64
    public var epochs = 160
    public var batchSize = 16
    public var learningRate = 0.002
    public var seed: UInt64 = 0
    public var hflip = false
    /// Training crops start at multiples of this many pixels (1: anywhere).
    public var cropAlign = 1

    public init() {}

    /// Training steps plus test batches (for progress lines).
    public func workCount(_ data: ProtocolData) -> Int {
        let perEpoch = (data.train.samples.count + batchSize - 1) / batchSize
        return epochs * perEpoch + (data.test.samples.count + batchSize - 1) / batchSize
    }

    /// Learning rate over training: `constant`, or `cosine` decay from the base rate to 0 over all steps.
    public enum Schedule: String, Sendable, CaseIterable { case constant, cosine }
    public var schedule = Schedule.cosine
    /// Test crops start at multiples of this many pixels in both directions (nil: a quarter patch).
    public var testStride: Int?
    /// If > 0, the network sees each pixel minus its 3x3 mean, times this gain (``planes``); 0: the
    /// image in [-1, 1], as Yu et al. 16 brings the residuals of the default release to about unit
    /// standard deviation (0.055 in [-1, 1] units).
    public var highpass: Float = 16

    /// Training steps plus test batches (for progress lines).
    public func workCount(_ data: ProtocolData, training: Bool = true) -> Int {
        let perEpoch = (data.train.samples.count + batchSize - 1) / batchSize
        return (training ? epochs * perEpoch : 0) + (data.test.samples.count + batchSize - 1) / batchSize
    }

    /// Trains on the protocol's train split, predicts its test split. `onStep` is called after every
    /// training step and test batch; `onEpoch(epoch, mean loss)` after every epoch.
    public func run(_ data: ProtocolData, onStep: (() -> Void)? = nil, onEpoch: ((Int, Double) -> Void)? = nil) throws -> [Prediction] {
        try predict(try train(data, onStep: onStep, onEpoch: onEpoch), data, onStep: onStep)
    }

    /// The learning rate of training step `step` of `total`.
    func learningRate(step: Int, of total: Int) -> Double {
        switch schedule {
        case .constant: return learningRate
        case .cosine: return learningRate * 0.5 * (1 + DMath.cos(Double.pi * Double(step) / Double(max(total, 1))))
        }
    }

    /// Trains a network on the protocol's train split.
    public func train(_ data: ProtocolData, onStep: (() -> Void)? = nil, onEpoch: ((Int, Double) -> Void)? = nil) throws -> AttributionNetwork {
        guard epochs >= 0, batchSize >= 1, learningRate > 0 else {
            throw SISRError.invalidArgument("cnn: epochs must be >= 0, batch >= 1 and the learning rate positive")
        }
        try checkPatch(patch, data)
        let net = try AttributionNetwork(classes: data.classes.count, patch: patch, fmapBase: fmapBase, fmapMax: fmapMax, seed: seed)
        let adam = Adam(net.parameters.parameters, learningRate: learningRate, betas: (0, 0.99), eps: 1e-8)
        let n = data.train.samples.count
        let stepsPerEpoch = (n + batchSize - 1) / batchSize
        for epoch in 0..<epochs {
            var order = Array(0..<n)
            var rng = SeededRandom(seed: seed, "cnn-order", String(epoch))
            rng.shuffle(&order)
            var sum = 0.0, steps = 0
            for start in stride(from: 0, to: n, by: batchSize) {
                // The last batch is filled from the start of the order (as the loader's `wrap`).
                let members = (start..<(start + batchSize)).map { order[$0 % n] }
                var pixels = [Float]()
                pixels.reserveCapacity(members.count * 3 * patch * patch)
                for i in members {
                    let s = data.train.samples[i]
                    let image = try data.images.image(of: s)
                    let (x, y, flip) = trainCrop(key: s.key, width: image.width, height: image.height, epoch: epoch)
                    pixels += Self.planes(image, x: x, y: y, patch: patch, flip: flip, highpass: highpass)
                }
                adam.learningRate = learningRate(step: epoch * stepsPerEpoch + steps, of: epochs * stepsPerEpoch)
                net.parameters.zeroGrad()
                let x = Variable(Tensor(shape: [members.count, 3, patch, patch], data: pixels))
                let loss = softmaxCrossEntropy(net.forward(x), labels: members.map { data.train.classIds[$0] })
                backward(loss)
                adam.step()
                sum += Double(loss.value.data[0])
                steps += 1
                onStep?()
            }
            onEpoch?(epoch, sum / Double(max(steps, 1)))
        }
        net.parameters.setRequiresGrad(false)
        return net
    }

    func checkPatch(_ patch: Int, _ data: ProtocolData) throws {
        let smallest = (data.train.samples + data.test.samples).map { min($0.width, $0.height) }.min() ?? 0
        guard patch <= smallest else {
            throw SISRError.invalidArgument("cnn: the \(patch)-px patch is larger than the smallest image side (\(smallest)); use --patch \(Self.largestPowerOfTwo(atMost: smallest))")
        }
    }

    /// Predicts the protocol's test split with a trained network (its own `patch`; `testStride` from
    /// these settings): the mean softmax probabilities of the image's grid crops.
    public func predict(_ net: AttributionNetwork, _ data: ProtocolData, onStep: (() -> Void)? = nil) throws -> [Prediction] {
        guard net.classes == data.classes.count else {
            throw SISRError.invalidArgument("cnn: the network has \(net.classes) classes, the protocol \(data.experiment.name) \(data.classes.count)")
        }
        let patch = net.patch
        try checkPatch(patch, data)
        var out = [Prediction?](repeating: nil, count: data.test.samples.count)
        var done = 0
        try data.forEachImage(data.test.samples, crop: nil) { i, image in
            let crops = Self.gridCrops(width: image.width, height: image.height, patch: patch, stride: testStride ?? max(1, patch / 4))
            var pixels = [Float]()
            pixels.reserveCapacity(crops.count * 3 * patch * patch)
            for (x, y) in crops { pixels += Self.planes(image, x: x, y: y, patch: patch, highpass: highpass) }
            let (logits, features) = net.classify(Variable(Tensor(shape: [crops.count, 3, patch, patch], data: pixels)))
            let probs = softmaxRows(logits.value), d = net.featureCount, f = features.value.data
            let n = Double(crops.count)
            let score = (0..<data.classes.count).map { c in probs.reduce(0) { $0 + $1[c] } / n }
            let feature = (0..<d).map { j in (0..<crops.count).reduce(0.0) { $0 + Double(f[$1 * d + j]) } / n }
            let key = data.test.samples[i].key
            out[i] = Prediction(key: key, label: data.classes[argmax(score)], scores: score, features: feature)
            done += 1
            if done % batchSize == 0 || done == data.test.samples.count { onStep?() }
        }
        return try out.enumerated().map { i, p in try p.orThrow("cnn: test sample \(data.test.samples[i].key) got no prediction") }
    }

    /// The training crop of `key` in `epoch`: a position on the grid of multiples of `cropAlign` pixels
    /// drawn from `SeededRandom(seed, "cnn-crop", epoch, key)` (x, then y, then the mirror bit when
    /// `hflip`). Aligned crops (8) keep the phase of x2/x4/x8 upsampling patterns fixed, as the whole
    /// images the official network sees do, but give fewer distinct crops.
    func trainCrop(key: String, width: Int, height: Int, epoch: Int) -> (Int, Int, Bool) {
        var rng = SeededRandom(seed: seed, "cnn-crop", String(epoch), key)
        let a = max(1, cropAlign)
        let x = a * rng.nextInt(below: (width - patch) / a + 1), y = a * rng.nextInt(below: (height - patch) / a + 1)
        return (x, y, hflip && rng.next() >> 63 == 1)
    }

    /// Test crops: the `patch`-px squares at every multiple of `stride` that fits, in both
    /// directions (6 on a 128x96 image with 64-px patches and stride 32), row by row.
    static func gridCrops(width: Int, height: Int, patch: Int, stride step0: Int) -> [(Int, Int)] {
        let step = max(1, step0)
        return stride(from: 0, through: height - patch, by: step).flatMap { y in
            stride(from: 0, through: width - patch, by: step).map { x in (x, y) }
        }
    }

    /// The `patch`-px square at `(x, y)` as 3 planes in [-1, 1] (the loader's `u8 / 255`, then `* 2 - 1`);
    /// with `highpass` > 0 instead each pixel minus the mean of its 3x3 neighbourhood (edge pixels of the
    /// image repeated), times `highpass`: `(9 u - sum of the 9 u) * 2 / (9 * 255) * highpass` from the
    /// integer sum, so it does not depend on summation order. `flip` mirrors the square left to right.
    static func planes(_ image: RGBImage, x: Int, y: Int, patch: Int, flip: Bool = false, highpass: Float = 0) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * patch * patch)
        let w = image.width, h = image.height
        let scale = Float(2) / Float(9 * 255) * highpass
        for c in 0..<3 {
            for r in 0..<patch {
                for col in 0..<patch {
                    let sx = x + (flip ? patch - 1 - col : col), sy = y + r
                    let v: Float
                    if highpass > 0 {
                        var sum = 0
                        for dy in -1...1 {
                            let yy = min(max(sy + dy, 0), h - 1)
                            for dx in -1...1 { sum += Int(image[min(max(sx + dx, 0), w - 1), yy, c]) }
                        }
                        v = Float(9 * Int(image[sx, sy, c]) - sum) * scale
                    } else {
                        v = Float(image[sx, sy, c]) / Float(255) * 2 - 1
                    }
                    out[(c * patch + r) * patch + col] = v
                }
            }
        }
        return out
    }

    static func largestPowerOfTwo(atMost n: Int) -> Int {
        var p = 1
        while p * 2 <= n { p *= 2 }
        return p
    }
}

/// A trained cnn baseline as a file (`sisr baseline cnn --save-model`, read back by `--model`): the
/// network's parameters as safetensors (float32, PyTorch's OIHW shapes, keys `32x32.Conv0.weight`...),
/// with the network's settings and the protocol's classes in its `__metadata__`.
public enum CNNModelFile {
    static let kind = "sisr-baseline-cnn"

    public static func save(_ net: AttributionNetwork, classes: [String], settings: CNNBaseline, to url: URL) throws {
        try writeSafetensors(net.parameters.stateDict, to: url, metadata: [
            "format": kind, "patch": String(net.patch), "fmap_base": String(settings.fmapBase), "fmap_max": String(settings.fmapMax),
            "highpass": String(settings.highpass),
            "classes": CanonicalJSON.string(.array(classes.map { .string($0) })),
        ])
    }

    /// The network saved in `url`, checked against the protocol's `classes` (same names, same order),
    /// and the input's high-pass gain it was trained with.
    public static func load(_ url: URL, classes: [String]) throws -> (network: AttributionNetwork, highpass: Float) {
        let checkpoint = try loadCheckpoint(url)
        let m = checkpoint.metadata
        func bad(_ problem: String) -> SISRError { .corrupt(path: url.path, problem: problem) }
        guard m["format"] == kind else { throw bad("not a cnn baseline model (no __metadata__ format \"\(kind)\"; write one with sisr baseline cnn --save-model)") }
        guard let patch = m["patch"].flatMap(Int.init), let base = m["fmap_base"].flatMap(Int.init), let max = m["fmap_max"].flatMap(Int.init),
              let highpass = m["highpass"].flatMap(Float.init), highpass >= 0 else {
            throw bad("metadata patch, fmap_base and fmap_max must be integers and highpass a number >= 0")
        }
        let saved = try CanonicalJSON.decode([String].self, from: Array((m["classes"] ?? "").utf8), path: url.path + " (metadata classes)")
        guard saved == classes else {
            throw bad("trained on other classes (\(saved.count): \(saved.prefix(3).joined(separator: ", "))...) than the protocol's (\(classes.count): \(classes.prefix(3).joined(separator: ", "))...)")
        }
        let net = try AttributionNetwork(classes: classes.count, patch: patch, fmapBase: base, fmapMax: max, seed: 0)
        try net.parameters.load(checkpoint.stateDict(), source: url.path)
        net.parameters.setRequiresGrad(false)
        return (net, highpass)
    }
}
