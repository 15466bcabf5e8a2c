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
    /// Per-label running sums of residuals (`crop * crop * 3`, interleaved RGB) and counts.
    private var sums: [Int: [Int64]] = [:]
    private var counts: [Int: Int] = [:]
    /// Mean residual per label, aligned with `labels` (valid after `fit` or `add`).
    public private(set) var fingerprints: [[Float]] = []

    public init(denoiser: any Denoiser = BM3D(sigma: 5), crop: Int = 224, match: Match = .euclidean) {
        self.denoiser = denoiser
        self.crop = crop
        self.match = match
    }

    /// The residual of `image`'s center crop (`crop * crop * 3` Int8 values, interleaved RGB).
    public func residual(_ image: RGBImage, name: String = "image") throws -> [Int8] {
        PRNUResidual.residual(try PRNUResidual.centerCrop(image, size: crop, name: name), denoiser: denoiser)
    }

    /// Adds training images to the fingerprints (can be called repeatedly; fingerprints are updated).
    public mutating func fit(samples: [(image: RGBImage, label: Int)]) throws {
        var residuals: [[Int8]] = []
        residuals.reserveCapacity(samples.count)
        for (i, s) in samples.enumerated() { residuals.append(try residual(s.image, name: "training sample \(i)")) }
        for (i, s) in samples.enumerated() { accumulate(residuals[i], label: s.label) }
        refresh()
    }

    /// Adds one training residual computed elsewhere (for example cached), `crop * crop * 3` values.
    public mutating func add(residual: [Int8], label: Int) throws {
        guard residual.count == crop * crop * 3 else {
            throw SISRError.invalidArgument(
                "PRNU residual has \(residual.count) values, expected \(crop * crop * 3) for crop \(crop)")
        }
        accumulate(residual, label: label)
        refresh()
    }

    private mutating func accumulate(_ r: [Int8], label: Int) {
        var s = sums[label] ?? [Int64](repeating: 0, count: crop * crop * 3)
        for i in r.indices { s[i] += Int64(r[i]) }
        sums[label] = s
        counts[label, default: 0] += 1
    }

    private mutating func refresh() {
        labels = sums.keys.sorted()
        fingerprints = labels.map { l in
            let n = Double(counts[l]!)
            return sums[l]!.map { Float(Double($0) / n) }
        }
    }

    /// Predicts the class of `image` (its center crop). Throws before `fit` or when the image is
    /// smaller than the crop.
    public func predict(_ image: RGBImage, name: String = "image") throws -> Prediction {
        try predict(residual: try residual(image, name: name))
    }

    /// Predicts from a precomputed residual (`crop * crop * 3` values).
    public func predict(residual r: [Int8]) throws -> Prediction {
        guard !labels.isEmpty else { throw SISRError.invalidArgument("PRNU baseline has no fingerprints: call fit first") }
        guard r.count == crop * crop * 3 else {
            throw SISRError.invalidArgument(
                "PRNU residual has \(r.count) values, expected \(crop * crop * 3) for crop \(crop)")
        }
        let x = r.map { Double($0) }
        let scores: [Double]
        switch match {
        case .euclidean:
            scores = fingerprints.map { f in
                var d = 0.0
                for i in x.indices { let e = x[i] - Double(f[i]); d += e * e }
                return -d
            }
        case .correlation:
            scores = fingerprints.map { Self.correlation(x, $0) }
        }
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }  // ties: smallest label
        return Prediction(label: labels[best], scores: scores)
    }

    /// Zero-mean normalized correlation; 0 when either side is constant.
    static func correlation(_ x: [Double], _ f: [Float]) -> Double {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n
        let mf = f.reduce(0.0) { $0 + Double($1) } / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let a = x[i] - mx, b = Double(f[i]) - mf
            sxy += a * b; sxx += a * a; syy += b * b
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }
}
