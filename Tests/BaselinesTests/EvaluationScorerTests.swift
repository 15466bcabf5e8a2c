import Foundation
import Testing
import SISRCore
@testable import Baselines

/// Hand-made tasks with answers worked out by hand.
@Suite struct EvaluationScorerTests {
    static func sample(_ model: String, _ image: String, _ labels: [String: String]) -> EvaluationSample {
        var l = labels
        l["model"] = model
        return EvaluationSample(key: "\(model)__\(image)", model: model, image: image, labels: l)
    }

    /// Three models: two seed siblings (EDSR x2 L1 div2k s1/s2) and one RCAN x4; two test images each.
    static let attribution: EvaluationTask = {
        let edsr = ["architecture": "EDSR", "scale": "x2", "loss": "L1", "dataset": "div2k", "family": "custom"]
        var s1 = edsr; s1["seed"] = "s1"
        var s2 = edsr; s2["seed"] = "s2"
        let rcan = ["architecture": "RCAN", "scale": "x4", "loss": "VGG_GAN", "dataset": "div2k", "seed": "s1", "family": "custom"]
        let models = [("EDSR-div2k-x2-L1-s1", s1), ("EDSR-div2k-x2-L1-s2", s2), ("RCAN-div2k-x4-VGG_GAN-s1", rcan)]
        var samples: [EvaluationSample] = []
        for (m, l) in models { for i in ["img0", "img1"] { samples.append(sample(m, i, l)) } }
        return EvaluationTask(name: "toy-attribution", labelField: "model", classes: models.map(\.0), samples: samples)
    }()

    @Test func attributionAccuracyConfusionAndSeedSiblings() throws {
        let t = Self.attribution
        let c = t.classes
        // s1/img0 right; s1/img1 -> RCAN (wrong, but its scores prefer s1 among the siblings);
        // s2/img0 -> s1 (wrong, scores prefer s1 too); s2/img1 right; RCAN both right.
        let preds = [
            Prediction(key: "\(c[0])__img0", label: c[0], scores: [0.6, 0.3, 0.1]),
            Prediction(key: "\(c[0])__img1", label: c[2], scores: [0.3, 0.2, 0.5]),
            Prediction(key: "\(c[1])__img0", label: c[0], scores: [0.5, 0.4, 0.1]),
            Prediction(key: "\(c[1])__img1", label: c[1], scores: [0.1, 0.8, 0.1]),
            Prediction(key: "\(c[2])__img0", label: c[2], scores: [0, 0, 1]),
            Prediction(key: "\(c[2])__img1", label: c[2], scores: [0.2, 0.2, 0.6]),
        ]
        let r = try Scorer().score(preds, task: t)
        #expect(r.overall == Tally(correct: 4, total: 6))
        #expect(r.confusion == [[1, 0, 1], [1, 1, 0], [0, 0, 2]])
        #expect(r.perClass[c[0]] == Tally(correct: 1, total: 2))
        #expect(r.byParameter["scale"]?["x2"] == Tally(correct: 2, total: 4))
        #expect(r.byParameter["scale"]?["x4"] == Tally(correct: 2, total: 2))
        #expect(r.byParameter["architecture"]?["EDSR"] == Tally(correct: 2, total: 4))
        #expect(r.majorityVote == nil && r.oneImage == nil)
        let s = try #require(r.seedTriplets)
        #expect(s.sets == 1 && s.usedScores)
        // Among {s1, s2}: img0 of s1 -> s1 ok; img1 of s1 -> s1 (0.3 > 0.2) ok; s2/img0 -> s1 wrong; s2/img1 ok.
        #expect(s.overall == Tally(correct: 3, total: 4))
        #expect(s.byLossAndScale["L1 x2"] == Tally(correct: 3, total: 4))
        // Without scores: hard labels, 2 of 4.
        let hard = preds.map { Prediction(key: $0.key, label: $0.label) }
        let h = try #require(try Scorer().score(hard, task: t).seedTriplets)
        #expect(!h.usedScores && h.overall == Tally(correct: 2, total: 4))
    }

    /// Parsing by scale: model P (x2) with 23 test images, Q (x4) with 10.
    @Test func tenImageMajorityVote() throws {
        var samples: [EvaluationSample] = []
        for i in 0..<23 { samples.append(Self.sample("P", String(format: "img%03d", 22 - i), ["scale": "x2"])) }
        for i in 0..<10 { samples.append(Self.sample("Q", String(format: "img%03d", i), ["scale": "x4"])) }
        let task = EvaluationTask(name: "toy-parse", labelField: "scale", classes: ["x2", "x4"], samples: samples)
        var preds: [Prediction] = []
        for s in samples {
            let i = Int(s.image.dropFirst(3))!
            let label: String
            if s.model == "P" {
                // Group img000-009: 6 x2 / 4 x4 -> x2 (right). Group img010-019: 5/5 tie -> x2 (smallest
                // class index, right). img020-022 form an incomplete group: dropped.
                label = i < 10 ? (i < 6 ? "x2" : "x4") : (i < 20 ? (i % 2 == 0 ? "x2" : "x4") : "x4")
            } else {
                label = i < 4 ? "x4" : "x2"  // 4 x4 / 6 x2 -> x2 (wrong)
            }
            preds.append(Prediction(key: s.key, label: label))
        }
        let r = try Scorer().score(preds, task: task)
        // 1-image: P right on 6 + 5 + 0 = 11 of 23; Q right on 4 of 10.
        #expect(r.overall == Tally(correct: 15, total: 33))
        #expect(r.oneImage == r.overall)
        let v = try #require(r.majorityVote)
        #expect(v.groupSize == 10 && v.groups == Tally(correct: 2, total: 3) && v.imagesDropped == 3)
        #expect(r.seedTriplets == nil)
        let three = try #require(try Scorer(voteSize: 3).score(preds, task: task).majorityVote)
        #expect(three.groups.total == 7 + 3 && three.imagesDropped == 2 + 1)
    }

    @Test func distanceRatioByHand() {
        // A = {0, 2}, B = {10, 12}: E|a1-a2| = 1, E|b1-b2| = 1, E|a-b| = 10 -> R = 2 / 20.
        let m = DistanceRatio.matrix(features: [[0], [2], [10], [12]], labels: [0, 0, 1, 1], classCount: 3)
        #expect(abs(m[0][1]! - 0.1) < 1e-12 && abs(m[1][0]! - 0.1) < 1e-12)
        #expect(m[0][0] == 1 && m[1][1] == 1)
        #expect(m[2][0] == nil && m[2][2] == nil)
        // 2-D features: A = {(0,0),(3,4)}, B = {(0,0)}: E_AA = 2.5, E_BB = 0, E_AB = 2.5 -> R = 0.5.
        let n = DistanceRatio.matrix(features: [[0, 0], [3, 4], [0, 0]], labels: [0, 0, 1], classCount: 2)
        #expect(abs(n[0][1]! - 0.5) < 1e-12)
    }

    @Test func featuresGiveDistanceRatioInReport() throws {
        let t = Self.attribution
        let preds = t.samples.enumerated().map { i, s in
            Prediction(key: s.key, label: s.model, features: [Double(t.classes.firstIndex(of: s.model)! * 10 + i % 2)])
        }
        let r = try Scorer().score(preds, task: t)
        let d = try #require(r.distanceRatio)
        #expect(d.count == 3 && d[0][0] == 1)
        #expect(r.overall.accuracy == 1)
    }

    @Test func paperFiguresAreMatchedByMetric() throws {
        let t = Self.attribution
        let preds = t.samples.map { Prediction(key: $0.key, label: $0.model) }
        let paper = [
            PaperResult(metric: "accuracy", method: "ConvNeXt", value: 94.3, source: "s"),
            PaperResult(metric: "by.scale.x2", method: "ConvNeXt", value: 95.4, std: 0.7, source: "s", table: "Table 2"),
            PaperResult(metric: "by.scale.x3", method: "ConvNeXt", value: 1, source: "s"),
        ]
        let r = try Scorer().score(preds, task: t, paper: paper)
        #expect(r.paper.map(\.ours) == [100, 100, nil])
        let md = MarkdownReport.render(r)
        #expect(md.contains("| by.scale.x2 | ConvNeXt | Table 2 | 95.4 ± 0.7 | 100.0 |"))
        #expect(md.contains("**Accuracy: 100.0%**"))
    }

    static func shrink(_ img: RGBImage, by f: Int) -> RGBImage {
        var out = RGBImage(width: img.width / f, height: img.height / f)
        for y in 0..<out.height { for x in 0..<out.width { for c in 0..<3 { out[x, y, c] = img[x * f, y * f, c] } } }
        return out
    }

    @Test func repositoryPaperResultsDecode() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("manifests/paper-results")
        let custom = try PaperResult.load(directory: dir, protocolName: "attribution-custom")
        #expect(custom.contains { $0.metric == "by.scale.x2" && $0.value == 95.4 && $0.std == 0.7 && $0.table != nil })
        #expect(custom.contains { $0.metric == "seed-triplets" && $0.method.hasPrefix("PRNU") && $0.value == 62.2 })
        #expect(try PaperResult.load(directory: dir, protocolName: "attribution-all").first?.value == 94.3)
        #expect(try PaperResult.load(directory: dir, protocolName: "no-such-protocol").isEmpty)
    }

    @Test func confusionHeatMapHasReadableCells() {
        let big = ConfusionImage.render([[10, 0], [3, 7]])
        let f = 480 / 55
        #expect(big.width == 55 * f)
        let img = Self.shrink(big, by: f)
        // Two digits max -> cells 20 x 14, margin 14.
        #expect(img.width == 14 + 2 * 20 + 1 && img.height == 14 + 2 * 14 + 1)
        // Cell (0,0) is all-correct: dark blue background at its top-left interior pixel.
        #expect(img[14 + 1, 14 + 1, 0] == 8 && img[14 + 1, 14 + 1, 2] == 107)
        // Cell (0,1) has count 0: white.
        #expect(img[14 + 20 + 5, 14 + 5, 0] == 255)
        // Digits are drawn: the '7' in cell (1,1) puts ink (white on dark) in the cell.
        var inked = false
        for y in (14 + 14)..<(14 + 28) { for x in (14 + 20)..<(14 + 40) where img[x, y, 0] == 255 && img[x, y, 2] == 255 { inked = true } }
        #expect(inked)
    }
}
