import Foundation
import Testing
import SISRCore
@testable import Baselines

@Suite struct AcutanceTests {
    struct Record: Decodable {
        let name: String, width: Int, height: Int
        let grey_sum: Int, grey_sha256: String, laplacian_sum: Double, acutance: Double
    }
    struct FixtureFile: Decodable { let images: [Record] }

    static let dir = fixtures.url("acutance")

    @Test func matchesPillowAndOpenCV() throws {
        let file = try fixtures.decode(FixtureFile.self, "acutance/acutance.json")
        #expect(file.images.count == 6)
        for r in file.images {
            let img = try PNG.read(Self.dir.appendingPathComponent("\(r.name).png"))
            #expect(img.width == r.width && img.height == r.height)
            let grey = Acutance.grey(img)
            #expect(grey.reduce(0) { $0 + Int($1) } == r.grey_sum, "\(r.name): grey sum")
            #expect(SHA256Hasher.hex(grey) == r.grey_sha256, "\(r.name): grey bytes")
            let lap = Acutance.laplacian(grey: grey, width: img.width, height: img.height)
            #expect(Double(lap.reduce(0) { $0 + Int($1) }) == r.laplacian_sum, "\(r.name): Laplacian sum")
            let a = Acutance.value(img)
            #expect(abs(a - r.acutance) <= 1e-9 * max(abs(r.acutance), 1e-300), "\(r.name): \(a) vs \(r.acutance)")
        }
    }

    @Test func flatImageHasZeroAcutance() {
        let img = RGBImage(width: 5, height: 4, pixels: [UInt8](repeating: 77, count: 60))
        #expect(Acutance.value(img) == 0)
    }

    @Test func knnVotesTwentyNearest() {
        // Class 0 near 0, class 1 near 100, class 2 near 200 (25 samples each).
        var features: [Double] = [], labels: [Int] = []
        for c in 0..<3 { for i in 0..<25 { features.append(Double(c * 100 + i)); labels.append(c) } }
        var knn = AcutanceKNN(k: 20, classCount: 3)
        knn.fit(features: features, labels: labels)
        #expect(knn.predict(5).label == 0)
        #expect(knn.predict(110).label == 1)
        #expect(knn.predict(1000).label == 2)
        let p = knn.predict(112)
        #expect(p.scores == [0, 1, 0])
        // 61.5: distances 37.5, 38.5, ... to class 0 and 38.5, 39.5, ... to class 1; the 20th neighbour
        // is a tie at 47.5 between index 14 (class 0) and index 34 (class 1): the lower index wins.
        let q = knn.predict(61.5)
        #expect(q.label == 0 && q.scores[0] == 11.0 / 20 && q.scores[1] == 9.0 / 20)
        // Exactly between: 10 votes each, the smaller class index wins.
        let t = knn.predict(62)
        #expect(t.label == 0 && t.scores[0] == 0.5 && t.scores[1] == 0.5)
    }

    @Test func knnTieRules() {
        // Equal distances: neighbours ordered by training index; equal votes: smallest class index.
        var knn = AcutanceKNN(k: 2, classCount: 3)
        knn.fit(features: [10, 10, 10, 10], labels: [2, 1, 0, 0])
        #expect(knn.neighbours(of: 10) == [0, 1])
        #expect(knn.predict(10).label == 1)  // votes: class 1 and class 2 tie -> class 1
        var knn4 = AcutanceKNN(k: 4, classCount: 3)
        knn4.fit(features: [1, 3, 5, 7], labels: [2, 2, 1, 1])
        #expect(knn4.predict(4).label == 1)  // 2 votes each -> smallest index 1
        #expect(knn4.neighbours(of: 4) == [1, 2, 0, 3])
        // Fewer samples than k: all vote.
        var small = AcutanceKNN(k: 20, classCount: 2)
        small.fit(features: [0, 1, 2], labels: [1, 1, 0])
        #expect(small.predict(100).scores == [1.0 / 3, 2.0 / 3])
    }

    @Test func knnMatchesBruteForce() {
        var rng = SeededRandom(seed: 3, "knn")
        let n = 300
        let features = (0..<n).map { _ in Double(rng.nextInt(below: 50)) }  // many exact ties
        let labels = (0..<n).map { _ in rng.nextInt(below: 4) }
        var knn = AcutanceKNN(k: 20, classCount: 4)
        knn.fit(features: features, labels: labels)
        for q in stride(from: -3.0, through: 53, by: 0.5) {
            let brute = (0..<n).sorted { (abs(features[$0] - q), $0) < (abs(features[$1] - q), $1) }.prefix(20)
            #expect(knn.neighbours(of: q) == Array(brute), "query \(q)")
        }
    }
}
