import DatasetBuilder
import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("The build plan is made once and passed in")
struct BuildPlanTests {
    /// The builder runs the plan it is given: an image added to the folder after planning is not
    /// built (a builder that planned again would list and build it), and the release's images and
    /// samples are exactly the plan's.
    @Test func theBuilderRunsThePlanItIsGiven() throws {
        let t = try TempDir("plan-once")
        defer { t.cleanup() }
        let images = t.sub("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for i in 0..<3 { try PNG.write(Procedural.image(seed: 5, index: i, width: 32, height: 24), to: images.appendingPathComponent("p\(i).png")) }
        var o = smallOptions()
        o.images = .folder(images)
        o.models = ["Nearest-NA-x2-NA-NA"]
        let plan = try BuildPlan.make(o)
        try PNG.write(Procedural.image(seed: 5, index: 3, width: 32, height: 24), to: images.appendingPathComponent("p3.png"))
        var run = RunOptions(outDirectory: t.sub("rel"))
        run.threads = 2
        let report = try DatasetBuilder.execute(plan, options: o, run: run)
        #expect(report.plan == plan)
        let release = try Release.open(t.sub("rel"))
        #expect(release.images.images.map(\.id) == ["p0", "p1", "p2"])
        #expect(Set(release.samples.map(\.image)) == ["p0", "p1", "p2"])
        // A plan made from other options is refused, naming both.
        var other = o
        other.seed = 9
        #expect(throws: SISRError.self) { _ = try DatasetBuilder.execute(plan, options: other, run: run) }
    }
}
