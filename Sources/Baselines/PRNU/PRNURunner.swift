import DatasetLoader
import SISRCore

extension BaselineRunner {
    /// PRNU on a protocol: class fingerprints from the train split, predictions for the test split.
    ///
    /// Each image's center crop (PIL/the reference's placement, see ``PRNUResidual/centerCrop(_:size:name:)``)
    /// of side `min(crop, smallest side of any train or test image)` is denoised, the Int8 residual
    /// added to its class (train) or matched against the fingerprints (test). Scores are per class in
    /// the protocol's class order (`-squared distance` or correlation, higher is better); they are
    /// omitted when some class has no training image. No features (a residual is crop*crop*3 values).
    public static func prnu(
        _ data: ProtocolData, crop: Int = 224, denoiser: any Denoiser = BM3D(sigma: 5),
        match: PRNUBaseline.Match = .euclidean
    ) throws -> [Prediction] {
        let all = data.train.samples + data.test.samples
        guard let side = all.map({ min($0.width, $0.height) }).min() else { return [] }
        guard crop >= 1 else { throw SISRError.invalidArgument("PRNU crop must be at least 1, got \(crop)") }
        var model = PRNUBaseline(denoiser: denoiser, crop: min(crop, side), match: match)
        try data.forEachImage(data.train.samples, crop: nil) { i, img in
            try model.add(img, label: data.train.classIds[i], name: data.train.samples[i].key)
        }
        let complete = model.labels == Array(0..<data.classes.count)
        var out = [Prediction?](repeating: nil, count: data.test.samples.count)
        try data.forEachImage(data.test.samples, crop: nil) { i, img in
            let key = data.test.samples[i].key
            let p = try model.predict(img, name: key)
            out[i] = Prediction(key: key, label: data.classes[p.label], scores: complete ? p.scores : nil)
        }
        return out.map { $0! }
    }
}
