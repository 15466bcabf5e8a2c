import DatasetLoader
import Foundation
import SISRCore

/// A release seen through a protocol: the train and test selections, the scoring task, and the
/// images of the selected samples (center crops, read shard by shard).
public struct ProtocolData: Sendable {
    public let release: Release
    public let experiment: ExperimentProtocol
    public let train: ProtocolSelection
    public let test: ProtocolSelection
    /// Called after each image `forEachImage` (and `map`) hands over: progress lines of long baselines.
    public var onImage: (@Sendable () -> Void)? = nil

    /// Opens `release` and selects its train and test splits under `experiment`.
    /// - Throws: `LoaderError` naming the file, or `SISRError.invalidArgument` when a split is empty.
    public init(release url: URL, experiment: ExperimentProtocol) throws {
        release = try Release.open(url)
        self.experiment = experiment
        train = try ProtocolSelection(release: release, protocol: experiment, split: "train")
        test = try ProtocolSelection(release: release, protocol: experiment, split: "test")
        guard !train.samples.isEmpty else {
            throw SISRError.invalidArgument("protocol \(experiment.name) selects no train sample of release \(url.path)")
        }
        guard !test.samples.isEmpty else {
            throw SISRError.invalidArgument("protocol \(experiment.name) selects no test sample of release \(url.path)")
        }
    }

    /// The classes (shared by all splits).
    public var classes: [String] { test.classes }

    /// The scoring task: the test selection with every sample's labels.
    public var task: EvaluationTask {
        EvaluationTask(name: experiment.name, labelField: experiment.label, classes: test.classes,
                       samples: test.samples.map(Self.evaluationSample))
    }

    static func evaluationSample(_ s: SampleRecord) -> EvaluationSample {
        var labels = [String: String]()
        for name in Labels.names { labels[name] = s.labels[name] }
        return EvaluationSample(key: s.key, model: s.model, image: s.image, labels: labels)
    }

    /// Calls `body` with each sample's center crop, in the order of `samples`, after the protocol's
    /// perturbation when it names the sample's split. The crop is the square of
    /// side `min(crop, width, height)` placed as `torchvision.transforms.CenterCrop` places it
    /// (`CropPlan`, `.center`); `crop == nil` passes the whole image. Each shard is decompressed once.
    public func forEachImage(
        _ samples: [SampleRecord], crop: Int?, progress: ((Int) -> Void)? = nil,
        _ body: (Int, RGBImage) throws -> Void
    ) throws {
        var byShard = [Int: [Int]]()
        for (i, s) in samples.enumerated() { byShard[s.shard, default: []].append(i) }
        var done = 0
        // Shards in index order; inside a shard, samples in selection order. `body` sees every index once.
        for shard in byShard.keys.sorted() {
            let url = release.shardURL(shard), path = release.manifest.shards[shard].path
            let compressed: [UInt8]
            do { compressed = [UInt8](try Data(contentsOf: url)) } catch {
                throw SISRError.io(path: url.path, problem: "cannot read shard (\(error.localizedDescription))")
            }
            let tar = try Zstd.decompress(compressed, name: url.path, maxOutput: release.manifest.shards[shard].maxTarBytes)
            for i in byShard[shard]! {
                let s = samples[i]
                guard let range = s.pngRange(inTarOf: tar.count) else {
                    throw SISRError.corrupt(path: url.path, problem: "sample \(s.key): PNG member lies outside the tar")
                }
                let decoded = try PNG.decode(Array(tar[range]), name: "\(path):\(s.key).png")
                let image = try experiment.perturbation?.apply(to: decoded, sample: s) ?? decoded  // the protocol's test-time perturbation
                defer { onImage?() }
                guard let side = crop else { try body(i, image); continue }
                let patch = min(side, image.width, image.height)
                let plan = try CropPlan.make(mode: .center, key: s.key, width: image.width, height: image.height,
                                             patch: patch, seed: 0, epoch: 0, hflip: false)
                try body(i, image.cropped(x: plan.x, y: plan.y, width: patch, height: patch))
                done += 1
                progress?(done)
            }
        }
    }

    /// `transform` of each sample's crop, in the order of `samples`.
    public func map<T>(_ samples: [SampleRecord], crop: Int?, _ transform: (RGBImage) throws -> T) throws -> [T] {
        var out = [T?](repeating: nil, count: samples.count)
        try forEachImage(samples, crop: crop) { i, img in out[i] = try transform(img) }
        return out.map { $0! }
    }
}
