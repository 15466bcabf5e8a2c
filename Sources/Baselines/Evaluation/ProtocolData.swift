import DatasetLoader
import Foundation
import SISRCore

/// A release seen through a protocol: the train and test selections, the scoring task, and the
/// images of the selected samples (read through the loader's ``SampleImages``).
public struct ProtocolData: Sendable {
    public let release: Release
    public let experiment: ExperimentProtocol
    public let train: ProtocolSelection
    public let test: ProtocolSelection
    /// Reads the selected samples exactly as the loader does (index offsets, tar member names,
    /// frame or shard hashes, decoded sizes checked).
    public let images: SampleImages
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
        images = SampleImages(release: release, perturbation: experiment.perturbation)
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

    /// Calls `body` with each sample's center crop (after the protocol's perturbation when it names
    /// the sample's split), for the positions `only` of `samples` (all when nil), shard by shard (then
    /// in position order). The crop is the square of side
    /// `min(crop, width, height)` placed as `torchvision.transforms.CenterCrop` places it
    /// (`CropPlan`, `.center`); `crop == nil` passes the whole image.
    public func forEachImage(
        _ samples: [SampleRecord], only: [Int]? = nil, crop: Int?, _ body: (Int, RGBImage) throws -> Void
    ) throws {
        let positions = (only ?? Array(samples.indices)).sorted { (samples[$0].shard, $0) < (samples[$1].shard, $1) }
        for i in positions {
            let s = samples[i]
            let image = try images.image(of: s)
            defer { onImage?() }
            guard let side = crop else { try body(i, image); continue }
            let patch = min(side, image.width, image.height)
            let plan = try CropPlan.make(mode: .center, key: s.key, width: image.width, height: image.height,
                                         patch: patch, seed: 0, epoch: 0, hflip: false)
            try body(i, image.cropped(x: plan.x, y: plan.y, width: patch, height: patch))
        }
    }

    /// `transform` of each sample's crop, in the order of `samples` (or of `only`).
    public func map<T>(_ samples: [SampleRecord], only: [Int]? = nil, crop: Int?, _ transform: (RGBImage) throws -> T) throws -> [T] {
        let positions = only ?? Array(samples.indices)
        let slot = Dictionary(uniqueKeysWithValues: positions.enumerated().map { ($1, $0) })
        var out = [T?](repeating: nil, count: positions.count)
        try forEachImage(samples, only: positions, crop: crop) { i, img in out[slot[i]!] = try transform(img) }
        return out.map { $0! }
    }
}
