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
        let (images, o) = try folderOptions(t, images: 3)
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

    /// Planning decodes and hashes the images on several threads; the plan, and the file named when
    /// two are bad, are those of one thread (the first bad file in name order).
    @Test func planningOnThreadsGivesTheSamePlanAndError() throws {
        let t = try TempDir("plan-threads")
        defer { t.cleanup() }
        let (images, o) = try folderOptions(t, images: 6)
        let one = try BuildPlan.make(o, threads: 1)
        #expect(try BuildPlan.make(o, threads: 3) == one)
        var procedural = smallOptions()
        procedural.images = .procedural(seed: 2, count: 7, width: 40, height: 30)
        #expect(try BuildPlan.make(procedural, threads: 4) == BuildPlan.make(procedural, threads: 1))
        for bad in ["p2.png", "p4.png"] {
            let url = images.appendingPathComponent(bad)
            let bytes = try Data(contentsOf: url)
            try bytes.prefix(bytes.count / 2).write(to: url)
        }
        for threads in [1, 2, 4] {
            do {
                _ = try BuildPlan.make(o, threads: threads)
                Issue.record("a truncated PNG was accepted")
            } catch {
                #expect("\(error)".contains("p2.png"), "threads \(threads): \(error)")
                #expect(!"\(error)".contains("p4.png"), "threads \(threads): \(error)")
            }
        }
    }

    /// A folder `images` of `count` procedural PNG files p0.png ... and options building it with one model.
    private func folderOptions(_ t: TempDir, images count: Int) throws -> (URL, BuildOptions) {
        let images = t.sub("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for i in 0..<count { try PNG.write(Procedural.image(seed: 5, index: i, width: 32, height: 24), to: images.appendingPathComponent("p\(i).png")) }
        var o = smallOptions()
        o.images = .folder(images)
        o.models = ["Nearest-NA-x2-NA-NA"]
        return (images, o)
    }
}
