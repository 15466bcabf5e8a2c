import DatasetBuilder
import DatasetLoader
import Foundation
import SISRCore
import Testing
import TestSupport

/// The README's Swift loader example, on a release shaped like the built-in one (128x96 procedural
/// images, demo models), with the patch and protocol the README gives.
@Suite struct ReadmeSnippetTests {
    @Test("README Swift example: BatchLoader with parsing-demo-scale and patch 64 on 128x96 images")
    func readmeSwiftExample() throws {
        let dir = try TempDir("sisr-readme-swift").url
        defer { try? FileManager.default.removeItem(at: dir) }
        var build = BuildOptions()
        build.images = .procedural(seed: 0, count: 10, width: 128, height: 96)
        build.models = ["Nearest-NA-x2-NA-NA", "Bicubic-NA-x4-NA-NA"]
        var run = RunOptions(outDirectory: dir)
        run.threads = 2
        _ = try DatasetBuilder.execute(BuildPlan.make(build), options: build, run: run)

        // As in README.md ("### Swift"), with the release folder's URL.
        var options = LoaderOptions()
        options.split = "train"; options.patch = 64; options.batchSize = 32   // 224 on the paper's photos
        let loader = try BatchLoader(release: dir, protocol: "parsing-demo-scale", options: options)
        let stream = try loader.batches(epoch: 0)
        var batches = 0
        while let batch = try stream.next() {
            _ = (batch.floats, batch.labels, batch.keys)
            #expect(batch.floats.count == batch.count * 3 * 64 * 64)
            batches += 1
        }
        #expect(batches >= 1 && loader.classes == ["x2", "x4"])
        // The loader's default patch (224) does not fit these images: refused when it opens, with the fix.
        options.patch = 224
        #expect(throws: LoaderError.self) { _ = try BatchLoader(release: dir, protocol: "parsing-demo-scale", options: options) }
    }
}
