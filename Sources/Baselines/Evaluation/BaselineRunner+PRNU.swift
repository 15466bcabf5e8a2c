import DatasetLoader
import Foundation
import SISRCore

extension BaselineRunner {
    /// PRNU (Marra et al., the paper's baseline; `PRNUBaseline` from Sources/Baselines/PRNU): residual =
    /// crop − denoise(crop) as Int8, class fingerprint = mean training residual, nearest fingerprint.
    /// The crop side is `min(crop, the smallest image side of the protocol's train and test samples)`
    /// so every residual has the same size; `PRNUBaseline` places it. Scores: `-distance²` (euclidean)
    /// or the correlation, in class order (classes without training samples get the lowest finite
    /// score). No features are written (a residual is `crop² x 3` values).
    public static func prnu(
        _ data: ProtocolData, crop: Int = 224, denoiser: any Denoiser = BM3D(sigma: 5),
        match: PRNUBaseline.Match = .euclidean, batch: Int = 64
    ) throws -> [Prediction] {
        let all = data.train.samples + data.test.samples
        let side = min(crop, all.map { min($0.width, $0.height) }.min() ?? crop)
        var model = PRNUBaseline(denoiser: denoiser, crop: side, match: match)
        var pending: [(image: RGBImage, label: Int)] = []
        try data.forEachImage(data.train.samples, crop: nil) { i, image in
            pending.append((image, data.train.classIds[i]))
            if pending.count == batch { try model.fit(samples: pending); pending.removeAll() }
        }
        if !pending.isEmpty { try model.fit(samples: pending) }
        var out = [Prediction?](repeating: nil, count: data.test.samples.count)
        try data.forEachImage(data.test.samples, crop: nil) { i, image in
            let p = try model.predict(image, name: data.test.samples[i].key)
            var scores = [Double](repeating: -Double.greatestFiniteMagnitude, count: data.classes.count)
            for (j, label) in model.labels.enumerated() { scores[label] = p.scores[j] }
            out[i] = Prediction(key: data.test.samples[i].key, label: data.classes[p.label], scores: scores)
        }
        return out.map { $0! }
    }
}
