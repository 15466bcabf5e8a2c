import DatasetLoader
import Foundation
import SISRCore

/// Runs a reference baseline on a protocol: trains on the train split, predicts the test split.
public enum BaselineRunner {
    /// Acutance 20-NN: feature = `Acutance.value` of the center crop; scores = vote fractions;
    /// features = `[acutance]`.
    public static func acutance(_ data: ProtocolData, k: Int = 20, crop: Int? = 224) throws -> [Prediction] {
        let trainFeatures = try data.map(data.train.samples, crop: crop, Acutance.value)
        var knn = AcutanceKNN(k: k, classCount: data.classes.count)
        knn.fit(features: trainFeatures, labels: data.train.classIds)
        let testFeatures = try data.map(data.test.samples, crop: crop, Acutance.value)
        return zip(data.test.samples, testFeatures).map { s, a in
            let p = knn.predict(a)
            return Prediction(key: s.key, label: data.classes[p.label], scores: p.scores, features: [a])
        }
    }

    /// Spectral classifier: `SpectralFeatures` of the center crop, L2 logistic regression; scores =
    /// class probabilities; features = the spectral feature vector.
    public static func spectral(
        _ data: ProtocolData, crop: Int? = 224, l2: Double = 1e-3, iterations: Int = 1000
    ) throws -> [Prediction] {
        let extractor = SpectralFeatures()
        let trainFeatures = try data.map(data.train.samples, crop: crop, extractor.features)
        var model = LogisticRegression(l2: l2, iterations: iterations)
        model.fit(features: trainFeatures, labels: data.train.classIds, classCount: data.classes.count)
        let testFeatures = try data.map(data.test.samples, crop: crop, extractor.features)
        let probs = model.probabilities(testFeatures)
        return zip(zip(data.test.samples, testFeatures), probs).map { sf, p in
            Prediction(key: sf.0.key, label: data.classes[argmax(p)], scores: p, features: sf.1)
        }
    }
}
