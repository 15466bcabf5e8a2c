/// Correct / total counts and their ratio.
public struct Tally: Codable, Sendable, Equatable {
    public var correct: Int
    public var total: Int
    /// `correct / total`, or nil when `total` is 0.
    public var accuracy: Double? { total > 0 ? Double(correct) / Double(total) : nil }

    public init(correct: Int = 0, total: Int = 0) {
        self.correct = correct
        self.total = total
    }

    mutating func add(_ ok: Bool) {
        total += 1
        if ok { correct += 1 }
    }

    enum CodingKeys: String, CodingKey { case correct, total, accuracy }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        correct = try c.decode(Int.self, forKey: .correct)
        total = try c.decode(Int.self, forKey: .total)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(correct, forKey: .correct)
        try c.encode(total, forKey: .total)
        try c.encode(accuracy, forKey: .accuracy)
    }
}

/// Majority vote over groups of images of one model (parsing protocols).
public struct VoteResult: Codable, Sendable, Equatable {
    /// Images per group.
    public var groupSize: Int
    /// Groups scored (complete groups only) and how many voted the true label.
    public var groups: Tally
    /// Test images left out because their model's last group was incomplete.
    public var imagesDropped: Int
}

/// Seed-triplet accuracy: each sample of a model that has seed siblings (same architecture, scale,
/// loss and dataset, another seed) is classified among its sibling set only.
public struct SeedTripletResult: Codable, Sendable, Equatable {
    /// True when scores were given, so the arg-max was taken over the sibling set; false when only
    /// hard labels were given (a prediction outside the set counts as wrong: a lower bound).
    public var usedScores: Bool
    /// Number of sibling sets (triplets in the paper's corpus).
    public var sets: Int
    public var overall: Tally
    /// The paper's table: NLSN omitted.
    public var withoutNLSN: Tally
    /// By `"<loss> <scale>"`, NLSN omitted, as in the paper's table.
    public var byLossAndScale: [String: Tally]
}

/// One of the paper's figures beside ours.
public struct PaperComparison: Codable, Sendable, Equatable {
    public var metric: String
    public var method: String
    /// Percent, as printed in the paper.
    public var paper: Double
    public var paperStd: Double?
    /// Percent, ours.
    public var ours: Double?
    public var source: String
    public var table: String?
}

/// Everything `sisr evaluate` computes for one predictions file.
public struct EvaluationReport: Codable, Sendable {
    public var protocolName: String
    public var labelField: String
    public var classes: [String]
    public var predictionsFile: String
    public var samples: Int
    /// One-image accuracy over the whole test split.
    public var overall: Tally
    /// Accuracy grouped by `scale`, `loss`, `architecture`, `dataset` (by each value of the field).
    public var byParameter: [String: [String: Tally]]
    public var perClass: [String: Tally]
    /// Rows: true class, columns: predicted class, in `classes` order.
    public var confusion: [[Int]]
    /// Attribution protocols whose classes include seed siblings.
    public var seedTriplets: SeedTripletResult?
    /// Parsing protocols: one-image accuracy (equal to `overall`) and the 10-image majority vote.
    public var oneImage: Tally?
    public var majorityVote: VoteResult?
    /// When every prediction has features: `R(A,B)` for every pair of classes (see `DistanceRatio`).
    public var distanceRatio: [[Double?]]?
    public var paper: [PaperComparison]
    /// Set when the run differs from the paper's setup (classes, test images): see `PaperComparability`.
    public var paperNote: String? = nil
    /// The protocol's test-time perturbation (`PerturbationSpec.summary`), when it has one.
    public var perturbation: String? = nil
}
