import DatasetBuilder
import Foundation
import SISRCore
import Testing
import TestSupport

@Suite struct DeterminismTests {
    @Test func defaultBuildReproducesRepositoryCHECKSUMS() throws {
        let t = try TempDir("default")
        defer { t.cleanup() }
        let report = try runBuild(BuildOptions(), into: t.url, threads: 2)
        #expect(report.manifest != nil)
        let built = try #require(FileManager.default.contents(atPath: t.sub("CHECKSUMS").path))
        let committed = try #require(FileManager.default.contents(atPath: repositoryRoot.appendingPathComponent("CHECKSUMS").path),
                                     "the repository's top-level CHECKSUMS is missing")
        #expect(built == committed, "the default release differs from the committed CHECKSUMS:\n\(String(decoding: built, as: UTF8.self))")
        #expect(!FileManager.default.fileExists(atPath: t.sub(".sisr-build").path))
    }

    @Test func sameBytesForOneAndTwoThreadsAndRepeatedRuns() throws {
        let a = try TempDir("a"), b = try TempDir("b"), c = try TempDir("c")
        defer { a.cleanup(); b.cleanup(); c.cleanup() }
        _ = try runBuild(smallOptions(), into: a.url, threads: 1)
        _ = try runBuild(smallOptions(), into: b.url, threads: 2)
        _ = try runBuild(smallOptions(), into: c.url, threads: 2)
        let sa = try snapshot(a.url)
        #expect(sa.count > 6 && sa.keys.contains("manifest.json"))
        #expect(try sa == snapshot(b.url))
        #expect(try sa == snapshot(c.url))
    }

    @Test func threeWorkersPlusFinalizeEqualOneMachine() throws {
        let one = try TempDir("one"), many = try TempDir("many")
        defer { one.cleanup(); many.cleanup() }
        _ = try runBuild(smallOptions(), into: one.url)
        var built = 0
        for w in 0..<3 {
            let r = try runBuild(smallOptions(), into: many.url, threads: 2, worker: w, workers: 3)
            #expect(r.manifest == nil)
            built += r.shardsBuilt
        }
        #expect(!FileManager.default.fileExists(atPath: many.sub("manifest.json").path))
        try DatasetBuilder.finalize(outDirectory: many.url)
        #expect(built == (try Release.open(one.url)).manifest.shards.count)
        #expect(try snapshot(one.url) == snapshot(many.url))
    }

    @Test func finalizeNamesMissingShards() throws {
        let t = try TempDir("missing")
        defer { t.cleanup() }
        _ = try runBuild(smallOptions(), into: t.url, worker: 1, workers: 3)
        do {
            try DatasetBuilder.finalize(outDirectory: t.url)
            Issue.record("finalize should fail with shards missing")
        } catch {
            #expect("\(error)".contains("sisr-train-000000.tar.zst"))
        }
    }

    @Test func killedBuildResumesWithoutRedoingFinishedShards() throws {
        let fresh = try TempDir("fresh"), killed = try TempDir("killed")
        defer { fresh.cleanup(); killed.cleanup() }
        _ = try runBuild(smallOptions(), into: fresh.url)
        // A build killed after some shards: the shards of "worker 0 of 2" are finished, the rest not.
        let partial = try runBuild(smallOptions(), into: killed.url, worker: 0, workers: 2)
        let total = partial.plan.shards.count
        // ... one finished shard was truncated afterwards, and a writer left a temporary file.
        let victim = partial.plan.shards[2].path
        let h = try FileHandle(forWritingTo: killed.sub(victim))
        try h.truncate(atOffset: 100)
        try h.close()
        try Data([1, 2, 3]).write(to: killed.sub("shards/train/.sisr-train-000001.tar.zst.tmp-999"))
        let resumed = try runBuild(smallOptions(), into: killed.url, threads: 2)
        #expect(resumed.shardsSkipped == partial.shardsBuilt - 1)
        #expect(resumed.shardsBuilt == total - partial.shardsBuilt + 1)
        #expect(try snapshot(fresh.url) == snapshot(killed.url))
    }

    @Test func buildKilledDuringFinalizeCompletesOnRerun() throws {
        let fresh = try TempDir("fresh2"), killed = try TempDir("killed2")
        defer { fresh.cleanup(); killed.cleanup() }
        _ = try runBuild(smallOptions(), into: fresh.url)
        for w in 0..<2 { _ = try runBuild(smallOptions(), into: killed.url, worker: w, workers: 2) }
        try Data("{}".utf8).write(to: killed.sub("manifest.json"))  // killed after manifest.json, before cleanup
        let r = try runBuild(smallOptions(), into: killed.url)
        #expect(r.shardsBuilt == 0 && r.manifest != nil)
        #expect(try snapshot(fresh.url) == snapshot(killed.url))
    }

    @Test func existingReleaseIsNotOverwrittenWithoutForce() throws {
        let t = try TempDir("force")
        defer { t.cleanup() }
        _ = try runBuild(smallOptions(), into: t.url)
        let before = try snapshot(t.url)
        let rerun = try runBuild(smallOptions(), into: t.url)  // the same options: already complete
        let manifest = try Release.open(t.url).manifest
        #expect(rerun.alreadyComplete && rerun.shardsBuilt == 0 && rerun.manifest == manifest)
        var other = smallOptions()
        other.seed = 1
        #expect(throws: SISRError.self) { _ = try runBuild(other, into: t.url) }
        #expect(try snapshot(t.url) == before)
        try "keep me".write(to: t.sub("notes.txt"), atomically: true, encoding: .utf8)
        _ = try runBuild(other, into: t.url, force: true)
        #expect(try snapshot(t.url) != before)
        #expect(FileManager.default.fileExists(atPath: t.sub("notes.txt").path))
    }
}
