import SISRCore

/// The paper's intra- to inter-class distance ratio (Section 4.1.3):
///
///     R(A,B) = (E‖a1 − a2‖ + E‖b1 − b2‖) / (2 E‖a − b‖)
///
/// with every expectation taken exactly over all ordered pairs, drawn with replacement (so a point
/// paired with itself counts, distance 0), which makes `R(A,A) = 1` exactly. Distances are Euclidean,
/// in float64, via BLAS (`‖a‖² + ‖b‖² − 2a·b`, clamped at 0). A class without samples gives `nil`.
public enum DistanceRatio {
    /// The symmetric `classCount x classCount` matrix of `R` over the given features and class indices.
    public static func matrix(features: [[Double]], labels: [Int], classCount k: Int) -> [[Double?]] {
        precondition(features.count == labels.count)
        let n = features.count
        guard n > 0 else { return [[Double?]](repeating: [Double?](repeating: nil, count: k), count: k) }
        let d = features[0].count
        var flat = [Double](repeating: 0, count: n * d)
        for (i, f) in features.enumerated() {
            precondition(f.count == d, "DistanceRatio: features of different lengths")
            for j in 0..<d { flat[i * d + j] = f[j] }
        }
        let norms = (0..<n).map { i in (0..<d).reduce(0.0) { $0 + flat[i * d + $1] * flat[i * d + $1] } }
        var members = [[Int]](repeating: [], count: k)
        for (i, c) in labels.enumerated() { members[c].append(i) }
        // mean[a][b] = E‖x − y‖ for x in class a, y in class b.
        var mean = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for a in 0..<k where !members[a].isEmpty {
            let rows = members[a]
            var block = [Double](repeating: 0, count: rows.count * d)
            for (r, i) in rows.enumerated() { for j in 0..<d { block[r * d + j] = flat[i * d + j] } }
            var dots = [Double](repeating: 0, count: rows.count * n)
            BLAS.dgemm(transB: true, m: rows.count, n: n, k: d, a: block, b: flat, c: &dots)
            var sums = [Double](repeating: 0, count: k)
            for (r, i) in rows.enumerated() {
                for j in 0..<n {
                    let sq = norms[i] + norms[j] - 2 * dots[r * n + j]
                    sums[labels[j]] += i == j ? 0 : (sq > 0 ? sq.squareRoot() : 0)
                }
            }
            for b in 0..<k where !members[b].isEmpty {
                mean[a][b] = sums[b] / Double(rows.count * members[b].count)
            }
        }
        var out = [[Double?]](repeating: [Double?](repeating: nil, count: k), count: k)
        for a in 0..<k where !members[a].isEmpty {
            for b in 0..<k where !members[b].isEmpty {
                let inter = (mean[a][b] + mean[b][a]) / 2
                out[a][b] = inter > 0 ? (mean[a][a] + mean[b][b]) / (2 * inter) : 1
            }
        }
        return out
    }
}
