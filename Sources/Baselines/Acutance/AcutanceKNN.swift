/// k-nearest-neighbour classifier on the one-dimensional acutance feature (the paper uses k = 20).
///
/// - Distance: `|a - b|` between acutance values.
/// - Neighbours: the `k` training samples with the smallest distance; equal distances are ordered by
///   training-sample index (the order given to `fit`), so the choice is deterministic.
///   If fewer than `k` training samples exist, all of them vote.
/// - Vote: each neighbour gives one vote to its class (uniform weights).
/// - **Tie rule**: among classes with the most votes, the one with the smallest class index wins
///   (class indices follow the protocol's sorted class list). This is NumPy's `argmax` rule, the one
///   scikit-learn's `KNeighborsClassifier(weights="uniform")` applies to its vote counts.
/// - Scores: the vote fraction of each class (`votes / k`), which sums to 1.
public struct AcutanceKNN: Sendable {
    public let k: Int
    public let classCount: Int
    /// Training features sorted ascending, with their class and original index.
    private var sorted: [(value: Double, label: Int, index: Int)] = []
    /// Class index of each training sample, in `fit` order.
    private var labels: [Int] = []

    public init(k: Int = 20, classCount: Int) {
        precondition(k >= 1 && classCount >= 1, "AcutanceKNN: k and classCount must be positive")
        self.k = k
        self.classCount = classCount
    }

    /// Stores the training features (acutance values) and their class indices.
    public mutating func fit(features: [Double], labels: [Int]) {
        precondition(features.count == labels.count, "AcutanceKNN.fit: count mismatch")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classCount }, "AcutanceKNN.fit: label out of range")
        self.labels = labels
        sorted = zip(features, labels).enumerated().map { (value: $1.0, label: $1.1, index: $0) }
        sorted.sort { ($0.value, $0.index) < ($1.value, $1.index) }
    }

    /// Indices (into the `fit` order) of the k nearest training samples, nearest first (ties by index).
    public func neighbours(of x: Double) -> [Int] {
        guard !sorted.isEmpty else { return [] }
        // 1. The k-th smallest distance, merging outward from the insertion point (both sides are
        //    sorted by distance).
        let start = lowerBound(x)
        var hi = start, lo = start - 1, taken = 0, kth = 0.0
        while taken < k && (lo >= 0 || hi < sorted.count) {
            let dl = lo >= 0 ? x - sorted[lo].value : .infinity
            let dh = hi < sorted.count ? sorted[hi].value - x : .infinity
            if dl <= dh { kth = dl; lo -= 1 } else { kth = dh; hi += 1 }
            taken += 1
        }
        // 2. Every sample within that distance (a contiguous run), ordered by (distance, index).
        var a = start, b = start
        while a > 0 && abs(sorted[a - 1].value - x) <= kth { a -= 1 }
        while b < sorted.count && abs(sorted[b].value - x) <= kth { b += 1 }
        let candidates = sorted[a..<b].map { (d: abs($0.value - x), index: $0.index) }
        return candidates.sorted { ($0.d, $0.index) < ($1.d, $1.index) }.prefix(k).map(\.index)
    }

    /// Predicted class index and per-class vote fractions.
    public func predict(_ x: Double) -> (label: Int, scores: [Double]) {
        var votes = [Int](repeating: 0, count: classCount)
        let nb = neighbours(of: x)
        for i in nb { votes[labels[i]] += 1 }
        var best = 0
        for c in 1..<classCount where votes[c] > votes[best] { best = c }
        let total = Double(max(nb.count, 1))
        return (best, votes.map { Double($0) / total })
    }

    private func lowerBound(_ x: Double) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid].value < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
