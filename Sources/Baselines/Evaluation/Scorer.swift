import SISRCore

/// Scores validated predictions against an `EvaluationTask`: the figures the paper reports.
///
/// Definitions (also in docs/FORMAT.md, "Evaluation"):
/// - **Accuracy**: fraction of test samples whose predicted label equals the true one.
/// - **By parameter**: the same, over the test samples with a given `scale`/`loss`/`architecture`/`dataset`.
/// - **Seed triplets** (attribution, `label == "model"`): models whose labels agree on everything but a
///   non-`NA` seed form a sibling set; each test sample of such a model is classified by the arg-max of
///   its scores over its set's classes (ties: smallest class index). Without scores the hard label is
///   used and a label outside the set counts as wrong.
/// - **Majority vote** (parsing protocols): the test samples of each model are sorted by image id
///   (byte-wise) and cut into consecutive groups of `voteSize` (10); a last, incomplete group is dropped.
///   A group predicts the label most of its members predict (ties: smallest class index) and is correct
///   when that is the model's true label.
public struct Scorer: Sendable {
    public var voteSize: Int
    /// The parameters accuracy is grouped by.
    public var parameters: [String]

    public init(voteSize: Int = 10, parameters: [String] = ["scale", "loss", "architecture", "dataset"]) {
        precondition(voteSize >= 1)
        self.voteSize = voteSize
        self.parameters = parameters
    }

    /// Computes the report. `predictions` must already be validated against `task` (one per test key,
    /// labels among the classes), as `Predictions.read` does.
    public func score(
        _ predictions: [Prediction], task: EvaluationTask, predictionsFile: String = "",
        paper: [PaperResult] = []
    ) throws -> EvaluationReport {
        let classIndex = Dictionary(uniqueKeysWithValues: task.classes.enumerated().map { ($1, $0) })
        let byKey = Dictionary(predictions.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let k = task.classes.count
        var overall = Tally()
        var perClass = [String: Tally]()
        var byParameter = [String: [String: Tally]]()
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for s in task.samples {
            guard let p = byKey[s.key] else {
                throw SISRError.invalidArgument("no prediction for test sample \(s.key) of protocol \(task.name)")
            }
            let truth = task.truth(s)
            guard let t = classIndex[truth], let q = classIndex[p.label] else {
                throw SISRError.invalidArgument("sample \(s.key): label \(truth) / \(p.label) not a class of \(task.name)")
            }
            let ok = t == q
            overall.add(ok)
            perClass[truth, default: Tally()].add(ok)
            confusion[t][q] += 1
            for field in parameters {
                if let v = s.labels[field] { byParameter[field, default: [:]][v, default: Tally()].add(ok) }
            }
        }
        for c in task.classes where perClass[c] == nil { perClass[c] = Tally() }
        var report = EvaluationReport(
            protocolName: task.name, labelField: task.labelField, classes: task.classes,
            predictionsFile: predictionsFile, samples: task.samples.count, overall: overall,
            byParameter: byParameter, perClass: perClass, confusion: confusion, seedTriplets: nil,
            oneImage: nil, majorityVote: nil, distanceRatio: nil, paper: [])
        if task.isParsing {
            report.oneImage = overall
            report.majorityVote = majorityVote(byKey, task: task, classIndex: classIndex)
        } else {
            report.seedTriplets = seedTriplets(byKey, task: task, classIndex: classIndex)
        }
        let features = task.samples.compactMap { byKey[$0.key]?.features }
        if features.count == task.samples.count, !task.samples.isEmpty {
            let labels = task.samples.map { classIndex[task.truth($0)]! }
            report.distanceRatio = DistanceRatio.matrix(features: features, labels: labels, classCount: k)
        }
        report.paper = PaperResult.compare(paper, with: report)
        return report
    }

    func majorityVote(_ byKey: [String: Prediction], task: EvaluationTask, classIndex: [String: Int]) -> VoteResult {
        var byModel = [String: [EvaluationSample]]()
        for s in task.samples { byModel[s.model, default: []].append(s) }
        var groups = Tally()
        var dropped = 0
        for model in byModel.keys.sorted(by: bytewise) {
            let members = byModel[model]!.sorted { bytewise($0.image, $1.image) }
            let complete = members.count / voteSize * voteSize
            dropped += members.count - complete
            var start = 0
            while start < complete {
                var votes = [Int](repeating: 0, count: task.classes.count)
                for s in members[start..<(start + voteSize)] { votes[classIndex[byKey[s.key]!.label]!] += 1 }
                let winner = argmax(votes.map(Double.init))
                groups.add(task.classes[winner] == task.truth(members[start]))
                start += voteSize
            }
        }
        return VoteResult(groupSize: voteSize, groups: groups, imagesDropped: dropped)
    }

    func seedTriplets(_ byKey: [String: Prediction], task: EvaluationTask, classIndex: [String: Int]) -> SeedTripletResult? {
        // Sibling sets among the classes, from the labels of the test samples of each class.
        var labelsOfModel = [String: [String: String]]()
        for s in task.samples where labelsOfModel[s.model] == nil { labelsOfModel[s.model] = s.labels }
        var sets = [String: [String]]()
        for (model, labels) in labelsOfModel {
            guard let seed = labels["seed"], seed != "NA", classIndex[model] != nil else { continue }
            let stem = ["architecture", "scale", "loss", "dataset", "family"].map { labels[$0] ?? "" }.joined(separator: "|")
            sets[stem, default: []].append(model)
        }
        sets = sets.filter { $0.value.count >= 2 }
        guard !sets.isEmpty else { return nil }
        var setOf = [String: [Int]]()
        for members in sets.values {
            let idx = members.map { classIndex[$0]! }.sorted()
            for m in members { setOf[m] = idx }
        }
        let usedScores = task.samples.allSatisfy { setOf[$0.model] == nil || byKey[$0.key]?.scores != nil }
        var overall = Tally(), withoutNLSN = Tally()
        var byLossAndScale = [String: Tally]()
        for s in task.samples {
            guard let set = setOf[s.model], let p = byKey[s.key] else { continue }
            let t = classIndex[s.model]!
            let ok: Bool
            if usedScores, let scores = p.scores {
                ok = set[argmax(set.map { scores[$0] })] == t
            } else {
                ok = classIndex[p.label] == t
            }
            overall.add(ok)
            if s.labels["architecture"] != "NLSN" {
                withoutNLSN.add(ok)
                byLossAndScale["\(s.labels["loss"] ?? "?") \(s.labels["scale"] ?? "?")", default: Tally()].add(ok)
            }
        }
        return SeedTripletResult(usedScores: usedScores, sets: sets.count, overall: overall,
                                 withoutNLSN: withoutNLSN, byLossAndScale: byLossAndScale)
    }
}

/// Index of the largest value; ties go to the smallest index.
func argmax(_ v: [Double]) -> Int {
    var best = 0
    for i in v.indices.dropFirst() where v[i] > v[best] { best = i }
    return best
}

/// Byte-wise (UTF-8) string order, the order of protocol classes and sample keys.
func bytewise(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
