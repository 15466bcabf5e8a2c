import Baselines

/// The predictions reader (`sisr evaluate`): JSON lines with keys, labels, scores and features.
enum PredictionsHarness {
    static let classes = ["EDSR", "RCAN", "SwinIR", "RRDBNet"]
    static let keys: Set<String> = ["EDSR-x2__img000", "RCAN-x4__img001", "SwinIR-x2__img002"]

    static func run(_ data: [UInt8]) {
        _ = try? Predictions.parse(data, path: "fuzz.jsonl", classes: classes, expectedKeys: keys, protocolName: "fuzz")
    }
}
