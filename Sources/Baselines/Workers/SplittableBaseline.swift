import DatasetLoader
import Foundation
import SISRCore

/// A baseline whose expensive part is per-sample work (decoding, features, residuals), so it can run
/// split over machines: each worker ``extract(_:share:)``s its ``WorkerShare`` into a
/// ``BaselinePartial``, and one ``finish(_:parts:)`` fits and predicts from all of them. A one-machine
/// run is the same two steps with one share (``run(_:)``), so a split run merged gives the same bytes.
public protocol SplittableBaseline: Sendable {
    /// `acutance`, `spectral`, `prnu`.
    var name: String { get }
    /// Every option that changes the result, as recorded in partial results and checked by the merge.
    var settings: [String: String] { get }
    /// The per-sample work of one share.
    func extract(_ data: ProtocolData, share: WorkerShare) throws -> BaselinePartial
    /// Training and prediction from every share's partial result (checked to cover each sample once).
    func finish(_ data: ProtocolData, parts: [BaselinePartial]) throws -> [Prediction]
}

extension SplittableBaseline {
    /// The whole baseline on this machine.
    public func run(_ data: ProtocolData) throws -> [Prediction] {
        try finish(data, parts: [extract(data, share: .whole)])
    }

    /// An empty partial result of `share` (positions filled in).
    func partial(_ data: ProtocolData, share: WorkerShare) throws -> BaselinePartial {
        BaselinePartial(baseline: name, settings: settings, protocolName: data.experiment.name,
                        manifestSHA256: try data.manifestSHA256(), share: share,
                        trainPositions: data.trainPositions(share), testPositions: data.testPositions(share))
    }

    /// Images the share reads (train and test), for progress lines.
    public func imageCount(_ data: ProtocolData, share: WorkerShare) -> Int {
        data.trainPositions(share).count + data.testPositions(share).count
    }
}

/// A baseline on one feature vector per sample (its center crop's), fitted on the train features.
protocol FeatureBaseline: SplittableBaseline {
    var crop: Int? { get }
    func features(_ image: RGBImage) -> [Double]
    /// Predictions for the test samples from all train and test features (in selection order).
    func predict(_ data: ProtocolData, train: [[Double]], test: [[Double]]) -> [Prediction]
}

extension FeatureBaseline {
    public func extract(_ data: ProtocolData, share: WorkerShare) throws -> BaselinePartial {
        var p = try partial(data, share: share)
        p.trainFeatures = try data.map(data.train.samples, only: p.trainPositions, crop: crop) { RawBytes.data(features($0)) }
        p.testFeatures = try data.map(data.test.samples, only: p.testPositions, crop: crop) { RawBytes.data(features($0)) }
        return p
    }

    public func finish(_ data: ProtocolData, parts: [BaselinePartial]) throws -> [Prediction] {
        var train = [[Double]?](repeating: nil, count: data.train.samples.count)
        var test = [[Double]?](repeating: nil, count: data.test.samples.count)
        for p in parts {
            let path = "partial result of worker \(p.worker)"
            guard let tf = p.trainFeatures, let sf = p.testFeatures, tf.count == p.trainPositions.count, sf.count == p.testPositions.count else {
                throw SISRError.corrupt(path: path, problem: "feature lists do not match its positions")
            }
            for (i, d) in zip(p.trainPositions, tf) { train[i] = try RawBytes.doubles(d, path: path) }
            for (i, d) in zip(p.testPositions, sf) { test[i] = try RawBytes.doubles(d, path: path) }
        }
        let trainFeatures = try train.map { try $0.orThrow("a train sample has no features") }
        let testFeatures = try test.map { try $0.orThrow("a test sample has no features") }
        let lengths = Set((trainFeatures + testFeatures).map(\.count))
        guard lengths.count == 1 else { throw SISRError.invalidArgument("\(name): feature vectors of different lengths \(lengths.sorted()) in the partial results") }
        return predict(data, train: trainFeatures, test: testFeatures)
    }
}

extension Optional {
    func orThrow(_ problem: String) throws -> Wrapped {
        guard let v = self else { throw SISRError.invalidArgument(problem) }
        return v
    }
}

/// Acutance 20-NN: feature = `Acutance.value` of the center crop; scores = vote fractions;
/// features = `[acutance]`.
public struct AcutanceBaseline: FeatureBaseline {
    public var k: Int
    public var crop: Int?
    public init(k: Int = 20, crop: Int? = 224) { self.k = k; self.crop = crop }
    public var name: String { "acutance" }
    public var settings: [String: String] { ["k": "\(k)", "crop": crop.map(String.init) ?? "whole"] }
    func features(_ image: RGBImage) -> [Double] { [Acutance.value(image)] }

    func predict(_ data: ProtocolData, train: [[Double]], test: [[Double]]) -> [Prediction] {
        var knn = AcutanceKNN(k: k, classCount: data.classes.count)
        knn.fit(features: train.map { $0[0] }, labels: data.train.classIds)
        return zip(data.test.samples, test).map { s, f in
            let p = knn.predict(f[0])
            return Prediction(key: s.key, label: data.classes[p.label], scores: p.scores, features: f)
        }
    }
}

/// Spectral classifier: `SpectralFeatures` of the center crop, L2 logistic regression; scores =
/// class probabilities; features = the spectral feature vector.
public struct SpectralBaseline: FeatureBaseline {
    public var crop: Int?
    public var l2: Double
    public var iterations: Int
    public init(crop: Int? = 224, l2: Double = 1e-3, iterations: Int = 1000) {
        self.crop = crop
        self.l2 = l2
        self.iterations = iterations
    }
    public var name: String { "spectral" }
    public var settings: [String: String] {
        ["crop": crop.map(String.init) ?? "whole", "l2": "\(l2)", "iterations": "\(iterations)"]
    }
    func features(_ image: RGBImage) -> [Double] { SpectralFeatures().features(image) }

    func predict(_ data: ProtocolData, train: [[Double]], test: [[Double]]) -> [Prediction] {
        var model = LogisticRegression(l2: l2, iterations: iterations)
        model.fit(features: train, labels: data.train.classIds, classCount: data.classes.count)
        let probs = model.probabilities(test)
        return zip(zip(data.test.samples, test), probs).map { sf, p in
            Prediction(key: sf.0.key, label: data.classes[argmax(p)], scores: p, features: sf.1)
        }
    }
}
