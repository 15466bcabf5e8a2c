import SISRCore

/// The paper's PRNU baseline: per-class fingerprints from noise residuals, nearest fingerprint wins.
///
/// - residual of an image = crop - denoise(crop), stored as Int8 (see ``PRNUResidual``), on the
///   center crop of side ``crop``;
/// - fingerprint of a class = mean residual of its training images;
/// - prediction = the class whose fingerprint is nearest in Euclidean distance (``Match/euclidean``,
///   as the paper) or has the highest normalized correlation with the residual (``Match/correlation``).
///
/// Usage:
/// ```swift
/// var prnu = PRNUBaseline(denoiser: BM3D(sigma: 5), crop: 224)
/// try prnu.fit(samples: train)                // [(image: RGBImage, label: Int)]
/// let p = try prnu.predict(testImage)         // p.label, p.scores (one per prnu.labels)
/// ```
/// Results do not depend on the number of threads.
public struct PRNUBaseline: Sendable {
    /// How a residual is compared with the fingerprints.
    public enum Match: String, Sendable, CaseIterable {
        /// Smallest squared Euclidean distance (the paper). Scores are `-distance^2`.
        case euclidean
        /// Largest normalized (zero-mean) correlation. Scores are the correlations in [-1, 1].
        case correlation
    }

    /// One prediction: the winning label and a score per class, aligned with ``PRNUBaseline/labels``
    /// (higher is better for both match kinds).
    public struct Prediction: Sendable, Equatable {
        public let label: Int
        public let scores: [Double]
    }

    public let denoiser: any Denoiser
    /// Side of the square center crop (the paper's CNN crops were 224; its PRNU dataset class defaulted to 299).
    public let crop: Int
    public let match: Match
    /// Known labels, ascending.
    public private(set) var labels: [Int] = []
    /// Per-label running sums of residuals (`crop * crop * 3`, interleaved RGB) and counts, aligned
    /// with `labels`. Sums of Int8 values are exact, so the order images are added in does not matter.
    private var sums: [[Int64]] = []
    private var counts: [Int] = []

    /// Mean residual per label (the fingerprints), aligned with ``labels``.
    public var fingerprints: [[Float]] {
        zip(sums, counts).map { s, n in s.map { Float(Double($0) / Double(n)) } }
    }

    /// Number of training residuals per label, aligned with ``labels``.
    public var sampleCounts: [Int] { counts }

    public init(denoiser: any Denoiser = BM3D(sigma: 5), crop: Int = 224, match: Match = .euclidean) {
        self.denoiser = denoiser
        self.crop = crop
        self.match = match
    }

    /// The residual of `image`'s center crop (`crop * crop * 3` Int8 values, interleaved RGB).
    public func residual(_ image: RGBImage, name: String = "image") throws -> [Int8] {
        PRNUResidual.residual(try PRNUResidual.centerCrop(image, size: crop, name: name), denoiser: denoiser)
    }

    /// Adds training images to the fingerprints (can be called repeatedly). All residuals are
    /// checked before any is added, so a bad sample leaves the model unchanged.
    public mutating func fit(samples: [(image: RGBImage, label: Int)]) throws {
        var residuals: [[Int8]] = []
        residuals.reserveCapacity(samples.count)
        for (i, s) in samples.enumerated() { residuals.append(try residual(s.image, name: "training sample \(i)")) }
        for (i, s) in samples.enumerated() { accumulate(residuals[i], label: s.label) }
    }

    /// Adds one training image (streaming alternative to ``fit(samples:)``).
    public mutating func add(_ image: RGBImage, label: Int, name: String = "image") throws {
        accumulate(try residual(image, name: name), label: label)
    }

    /// Adds one training residual computed elsewhere (for example cached), `crop * crop * 3` values.
    public mutating func add(residual: [Int8], label: Int) throws {
        try checkLength(residual)
        accumulate(residual, label: label)
    }

    /// The per-label residual sums and counts (what a worker of a split run hands on), ascending labels.
    public var classSums: [(label: Int, count: Int, sums: [Int64])] {
        labels.indices.map { (labels[$0], counts[$0], sums[$0]) }
    }

    /// Adds `count` residuals already summed elsewhere (``classSums`` of another model) to `label`.
    public mutating func add(sums s: [Int64], count: Int, label: Int) throws {
        guard s.count == crop * crop * 3, count >= 1 else {
            throw SISRError.invalidArgument("PRNU sums have \(s.count) values for \(count) residuals, expected \(crop * crop * 3) for crop \(crop)")
        }
        let k = slot(label)
        for i in s.indices { sums[k][i] += s[i] }
        counts[k] += count
    }

    private func checkLength(_ r: [Int8]) throws {
        guard r.count == crop * crop * 3 else {
            throw SISRError.invalidArgument(
                "PRNU residual has \(r.count) values, expected \(crop * crop * 3) for crop \(crop)")
        }
    }

    /// The index of `label` in `labels`, inserted (with zero sums) if new.
    private mutating func slot(_ label: Int) -> Int {
        let k = labels.firstIndex { $0 >= label } ?? labels.count
        if k == labels.count || labels[k] != label {
            labels.insert(label, at: k)
            sums.insert([Int64](repeating: 0, count: crop * crop * 3), at: k)
            counts.insert(0, at: k)
        }
        return k
    }

    private mutating func accumulate(_ r: [Int8], label: Int) {
        let k = slot(label)
        r.withUnsafeBufferPointer { rb in
            sums[k].withUnsafeMutableBufferPointer { sb in for i in 0..<rb.count { sb[i] += Int64(rb[i]) } }
        }
        counts[k] += 1
    }

    /// Predicts the class of `image` (its center crop); equal best scores go to the smallest label.
    /// Throws before `fit` or when the image is smaller than the crop (the error names `name`).
    public func predict(_ image: RGBImage, name: String = "image") throws -> Prediction {
        try predict(residual: try residual(image, name: name))
    }

    /// Predicts from a precomputed residual (`crop * crop * 3` values).
    public func predict(residual r: [Int8]) throws -> Prediction {
        guard !labels.isEmpty else { throw SISRError.invalidArgument("PRNU baseline has no fingerprints: call fit first") }
        try checkLength(r)
        let x = r.map { Double($0) }
        let scores: [Double] = zip(sums, counts).map { s, n in
            let inv = 1 / Double(n)
            switch match {
            case .euclidean:
                var d = 0.0
                for i in x.indices { let e = x[i] - Double(s[i]) * inv; d += e * e }
                return -d
            case .correlation:
                return Self.correlation(x, s.map { Double($0) * inv })
            }
        }
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }  // ties: smallest label
        return Prediction(label: labels[best], scores: scores)
    }

    /// Zero-mean normalized correlation; 0 when either side is constant.
    static func correlation(_ x: [Double], _ f: [Double]) -> Double {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n
        let mf = f.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let a = x[i] - mx, b = f[i] - mf
            sxy += a * b; sxx += a * a; syy += b * b
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }
}
