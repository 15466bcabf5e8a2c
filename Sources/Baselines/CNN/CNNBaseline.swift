import DatasetLoader
import Foundation
import SISRCore
import SISRTraining
import SRModels

/// A learned baseline with no Python: Yu et al.'s attribution network (``AttributionNetwork``) trained
/// on CPU with the training module's autograd, softmax cross-entropy and Adam.
///
/// Recipe (the official `classifier/` defaults unless noted): Adam with `beta1 = 0`, `beta2 = 0.99`,
/// `eps = 1e-8`, learning rate 0.001; inputs in [-1, 1]; the loader's random `patch` crops of the train
/// split for training and its center crops of the test split for prediction. Adapted to a CPU and small
/// images: a 64-px patch (the official network takes whole 128x128 images), `fmapBase` 256 and
/// `fmapMax` 128 (official 1024 and 512: 16x fewer multiply-adds), batch 16 (official 32), a fixed
/// number of epochs instead of 100 million images, and no mirror augmentation by default (the
/// official run mirrors; an untrained network's fingerprint is not mirror-symmetric).
///
/// Scores are the softmax probabilities; features the `Dense1` activations. Deterministic: the
/// loader's order and crops depend only on the seed and epoch, initial weights on the seed, and every
/// op's arithmetic is fixed whatever the thread count.
public struct CNNBaseline: Sendable {
    public var patch = 64
    public var fmapBase = 256
    public var fmapMax = 128
    public var epochs = 30
    public var batchSize = 16
    public var learningRate = 0.001
    public var seed: UInt64 = 0
    public var hflip = false
    /// Threads of the loader (the network's threads come from `EngineSettings.current`).
    public var threads = 0

    public init() {}

    /// Training steps plus test batches (for progress lines).
    public func workCount(_ data: ProtocolData) -> Int {
        let perEpoch = (data.train.samples.count + batchSize - 1) / batchSize
        return epochs * perEpoch + (data.test.samples.count + batchSize - 1) / batchSize
    }

    /// Trains on the protocol's train split, predicts its test split. `onStep` is called after every
    /// training step and test batch; `onEpoch(epoch, mean loss)` after every epoch.
    public func run(_ data: ProtocolData, onStep: (() -> Void)? = nil, onEpoch: ((Int, Double) -> Void)? = nil) throws -> [Prediction] {
        guard epochs >= 0, batchSize >= 1, learningRate > 0 else {
            throw SISRError.invalidArgument("cnn: epochs must be >= 0, batch >= 1 and the learning rate positive")
        }
        let smallest = (data.train.samples + data.test.samples).map { min($0.width, $0.height) }.min() ?? 0
        guard patch <= smallest else {
            throw SISRError.invalidArgument("cnn: the \(patch)-px patch is larger than the smallest image side (\(smallest)); use --patch \(Self.largestPowerOfTwo(atMost: smallest))")
        }
        let net = try AttributionNetwork(classes: data.classes.count, patch: patch, fmapBase: fmapBase, fmapMax: fmapMax, seed: seed)
        let adam = Adam(net.parameters.parameters, learningRate: learningRate, betas: (0, 0.99), eps: 1e-8)
        var options = LoaderOptions()
        options.split = "train"
        options.seed = seed
        options.batchSize = batchSize
        options.patch = patch
        options.hflip = hflip
        options.threads = threads
        let train = try BatchLoader(release: data.release, protocol: data.experiment, options: options)
        for epoch in 0..<epochs {
            let stream = try train.batches(epoch: epoch)
            var sum = 0.0, steps = 0
            while let batch = try stream.next() {
                net.parameters.zeroGrad()
                let loss = softmaxCrossEntropy(net.forward(Variable(input(batch))), labels: batch.labels.map(Int.init))
                backward(loss)
                adam.step()
                sum += Double(loss.value.data[0])
                steps += 1
                onStep?()
            }
            onEpoch?(epoch, sum / Double(max(steps, 1)))
        }
        net.parameters.setRequiresGrad(false)
        options.split = "test"
        options.tail = .partial
        options.hflip = false
        let test = try BatchLoader(release: data.release, protocol: data.experiment, options: options)
        let position = Dictionary(uniqueKeysWithValues: data.test.samples.enumerated().map { ($1.key, $0) })
        var out = [Prediction?](repeating: nil, count: data.test.samples.count)
        let stream = try test.batches(epoch: 0)
        while let batch = try stream.next() {
            let (logits, features) = net.classify(Variable(input(batch)))
            let probs = softmaxRows(logits.value)
            let f = features.value.data, d = net.featureCount
            for (j, key) in batch.keys.enumerated() {
                guard let i = position[key] else { continue }
                out[i] = Prediction(key: key, label: data.classes[argmax(probs[j])], scores: probs[j],
                                    features: f[(j * d)..<((j + 1) * d)].map(Double.init))
            }
            onStep?()
        }
        return try out.enumerated().map { i, p in try p.orThrow("cnn: test sample \(data.test.samples[i].key) got no prediction") }
    }

    /// A batch's pixels as an `[N, 3, P, P]` tensor in [-1, 1].
    func input(_ batch: Batch) -> Tensor {
        Tensor(shape: batch.shape, data: batch.floats.map { $0 * 2 - 1 })
    }

    static func largestPowerOfTwo(atMost n: Int) -> Int {
        var p = 1
        while p * 2 <= n { p *= 2 }
        return p
    }
}
