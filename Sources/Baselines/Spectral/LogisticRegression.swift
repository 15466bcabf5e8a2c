import Foundation
import SISRCore

/// Multinomial logistic regression (softmax), trained full-batch in float64 with OpenBLAS.
///
/// - Inputs are standardised with the training mean and standard deviation of each feature (a feature
///   with zero deviation is only centred).
/// - Objective: mean cross-entropy + `(l2 / 2) * ‖W‖²` (**L2 regulariser on the weights, not on the
///   biases**; default `l2 = 1e-3`).
/// - Optimiser: Nesterov-accelerated gradient descent from zero weights for `iterations` steps with the
///   fixed step `1 / L`, `L = ‖[X 1]‖²_F / (2n) + l2` (an upper bound of the gradient's Lipschitz constant).
///   No random numbers are drawn (zero start, full batch), so training is deterministic by
///   construction; the GEMMs split work over output elements only, so results do not depend on the
///   number of OpenBLAS threads.
public struct LogisticRegression: Sendable {
    public var l2: Double
    public var iterations: Int
    public private(set) var classCount = 0
    public private(set) var mean: [Double] = []
    public private(set) var scale: [Double] = []
    /// Weights `(d + 1) x K` row-major; the last row is the bias.
    public private(set) var weights: [Double] = []

    public init(l2: Double = 1e-3, iterations: Int = 1000) {
        precondition(l2 >= 0 && iterations >= 0)
        self.l2 = l2
        self.iterations = iterations
    }

    /// Trains on `features` (n rows of equal length) with class indices in `0..<classCount`.
    public mutating func fit(features: [[Double]], labels: [Int], classCount k: Int) {
        precondition(features.count == labels.count && !features.isEmpty && k >= 1, "LogisticRegression.fit: bad input")
        let n = features.count, d = features[0].count
        classCount = k
        mean = (0..<d).map { j in features.reduce(0) { $0 + $1[j] } / Double(n) }
        scale = (0..<d).map { j in
            let v = features.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[j] - mean[j]) } / Double(n)
            return v > 0 ? 1 / v.squareRoot() : 1
        }
        let x = design(features)
        let p = d + 1
        let lipschitz = x.reduce(0) { $0 + $1 * $1 } / (2 * Double(n)) + l2
        let step = 1 / lipschitz
        var w = [Double](repeating: 0, count: p * k), previous = w, y = w
        var onehot = [Double](repeating: 0, count: n * k)
        for (i, c) in labels.enumerated() { onehot[i * k + c] = 1 }
        var t = 1.0
        for _ in 0..<iterations {
            var grad = gradient(x: x, n: n, p: p, weights: y, onehot: onehot)
            for i in 0..<(p - 1) * k { grad[i] += l2 * y[i] }
            previous = w
            for i in 0..<w.count { w[i] = y[i] - step * grad[i] }
            let tNext = (1 + (1 + 4 * t * t).squareRoot()) / 2
            let m = (t - 1) / tNext
            for i in 0..<w.count { y[i] = w[i] + m * (w[i] - previous[i]) }
            t = tNext
        }
        weights = w
    }

    /// Class probabilities for each row.
    public func probabilities(_ features: [[Double]]) -> [[Double]] {
        guard !features.isEmpty else { return [] }
        let n = features.count, p = mean.count + 1, k = classCount
        var logits = [Double](repeating: 0, count: n * k)
        BLAS.dgemm(m: n, n: k, k: p, a: design(features), b: weights, c: &logits)
        softmaxRows(&logits, k: k)
        return (0..<n).map { Array(logits[$0 * k..<($0 + 1) * k]) }
    }

    /// Mean cross-entropy plus the L2 term, for tests and diagnostics.
    public func objective(features: [[Double]], labels: [Int]) -> Double {
        let probs = probabilities(features)
        let ce = zip(probs, labels).reduce(0) { $0 - Foundation.log(max($1.0[$1.1], 1e-300)) } / Double(labels.count)
        let reg = weights.prefix(mean.count * classCount).reduce(0) { $0 + $1 * $1 } * l2 / 2
        return ce + reg
    }

    /// Standardised rows with a trailing 1, flattened `n x (d + 1)`.
    func design(_ features: [[Double]]) -> [Double] {
        let d = mean.count, p = d + 1
        var x = [Double](repeating: 1, count: features.count * p)
        for (i, f) in features.enumerated() {
            precondition(f.count == d, "LogisticRegression: feature length \(f.count), trained on \(d)")
            for j in 0..<d { x[i * p + j] = (f[j] - mean[j]) * scale[j] }
        }
        return x
    }

    /// Gradient of the mean cross-entropy: `Xᵀ (softmax(XW) − Y) / n`.
    func gradient(x: [Double], n: Int, p: Int, weights w: [Double], onehot: [Double]) -> [Double] {
        let k = classCount
        var logits = [Double](repeating: 0, count: n * k)
        BLAS.dgemm(m: n, n: k, k: p, a: x, b: w, c: &logits)
        softmaxRows(&logits, k: k)
        for i in 0..<logits.count { logits[i] -= onehot[i] }
        var g = [Double](repeating: 0, count: p * k)
        BLAS.dgemm(transA: true, m: p, n: k, k: n, alpha: 1 / Double(n), a: x, b: logits, c: &g)
        return g
    }

    func softmaxRows(_ z: inout [Double], k: Int) {
        for r in 0..<(z.count / k) {
            let base = r * k
            var mx = -Double.infinity
            for c in 0..<k { mx = max(mx, z[base + c]) }
            var s = 0.0
            for c in 0..<k { z[base + c] = Foundation.exp(z[base + c] - mx); s += z[base + c] }
            for c in 0..<k { z[base + c] /= s }
        }
    }
}

/// Spectral classifier: `SpectralFeatures` of a center crop + `LogisticRegression`.
public struct SpectralClassifier: Sendable {
    public var features: SpectralFeatures
    public var model: LogisticRegression

    public init(features: SpectralFeatures = SpectralFeatures(), model: LogisticRegression = LogisticRegression()) {
        self.features = features
        self.model = model
    }

    /// Trains on images with class indices.
    public mutating func fit(images: [RGBImage], labels: [Int], classCount: Int) {
        model.fit(features: images.map(features.features), labels: labels, classCount: classCount)
    }

    /// Predicted class (arg-max, ties to the smallest index), probabilities and the feature vector.
    public func predict(_ image: RGBImage) -> (label: Int, scores: [Double], features: [Double]) {
        let f = features.features(image)
        let p = model.probabilities([f])[0]
        return (argmax(p), p, f)
    }
}
