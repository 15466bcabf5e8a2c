import DatasetLoader
import Foundation
import SISRCore

/// PRNU on a protocol (`PRNUBaseline`): class fingerprints from the train split, predictions for the
/// test split.
///
/// Each image's center crop (PIL/the reference's placement, see ``PRNUResidual/centerCrop(_:size:name:)``)
/// of side `min(crop, smallest side of any train or test image)` is denoised, the Int8 residual
/// added to its class (train) or matched against the fingerprints (test). Scores are per class in
/// the protocol's class order (`-squared distance` or correlation, higher is better); they are
/// omitted when some class has no training image. No features (a residual is crop*crop*3 values).
///
/// Split over workers, a worker's partial result holds the Int64 residual sums of the classes of its
/// train share and the Int8 residuals of its test share; the merge adds the sums (exact integers, so
/// in any order) and matches the test residuals, giving the one-machine bytes.
public struct PRNUProtocolBaseline: SplittableBaseline {
    public var crop: Int
    public var denoiser: any Denoiser
    public var match: PRNUBaseline.Match

    public init(crop: Int = 224, denoiser: any Denoiser = BM3D(sigma: 5), match: PRNUBaseline.Match = .euclidean) {
        self.crop = crop
        self.denoiser = denoiser
        self.match = match
    }

    public var name: String { "prnu" }
    public var settings: [String: String] { ["crop": "\(crop)", "denoiser": denoiser.name, "match": match.rawValue] }

    /// An empty model with the crop side every worker agrees on.
    func model(_ data: ProtocolData) throws -> PRNUBaseline {
        guard crop >= 1 else { throw SISRError.invalidArgument("PRNU crop must be at least 1, got \(crop)") }
        let side = (data.train.samples + data.test.samples).map { min($0.width, $0.height) }.min() ?? crop
        return PRNUBaseline(denoiser: denoiser, crop: min(crop, side), match: match)
    }

    public func extract(_ data: ProtocolData, share: WorkerShare) throws -> BaselinePartial {
        var p = try partial(data, share: share)
        var model = try model(data)
        try data.forEachImage(data.train.samples, only: p.trainPositions, crop: nil) { i, img in
            try model.add(img, label: data.train.classIds[i], name: data.train.samples[i].key)
        }
        p.classSums = model.classSums.map { .init(label: $0.label, count: $0.count, sums: RawBytes.data($0.sums)) }
        p.testResiduals = try data.map(data.test.samples, only: p.testPositions, crop: nil) { img in
            Data(try model.residual(img).map { UInt8(bitPattern: $0) })
        }
        return p
    }

    public func finish(_ data: ProtocolData, parts: [BaselinePartial]) throws -> [Prediction] {
        var model = try model(data)
        var residuals = [[Int8]?](repeating: nil, count: data.test.samples.count)
        for p in parts {
            let path = "partial result of worker \(p.worker)"
            guard let sums = p.classSums, let res = p.testResiduals, res.count == p.testPositions.count else {
                throw SISRError.corrupt(path: path, problem: "PRNU sums or test residuals missing or not matching its positions")
            }
            for s in sums {
                try model.add(sums: try RawBytes.integers(s.sums, as: Int64.self, path: path), count: s.count, label: s.label)
            }
            for (i, r) in zip(p.testPositions, res) { residuals[i] = r.map { Int8(bitPattern: $0) } }
        }
        let complete = model.labels == Array(0..<data.classes.count)
        return try zip(data.test.samples, residuals).map { s, r in
            let p = try model.predict(residual: try r.orThrow("test sample \(s.key) has no residual"))
            return Prediction(key: s.key, label: data.classes[p.label], scores: complete ? p.scores : nil)
        }
    }
}
