import Foundation
import SISRCore
import Testing
@testable import DatasetBuilder

/// `sisr verify --deep` on format 3: frames must be cut exactly at the PNG's band boundaries.
@Suite struct VerifierBandTests {
    func check(_ frames: ReleaseManifest.FrameLayout, png: [UInt8], bandRows: Int = 8) throws -> [VerifyProblem] {
        let key = "Model-NA-x2-NA-NA__img000001"
        let sample = FramedShard.Sample(key: key, png: png, json: Array("{}".utf8))
        let packed = try FramedShard.pack([sample], level: 3, frames: frames, bandRows: bandRows)
        let shard = ShardRecord(path: "shards/train/sisr-train-000000.tar.zst", split: "train", samples: 1, bytes: packed.compressed.count,
                                sha256: "", tarBytes: packed.tar.count, tarSHA256: "", firstKey: key, lastKey: key)
        let labels = Labels(model: "Model-NA-x2-NA-NA", architecture: "Model", scale: "x2", loss: "NA", dataset: "NA", seed: "NA",
                            pretrained: "false", family: "demo")
        let record = FramedShard.placed(
            SampleRecord(key: key, model: labels.model, image: "img000001", split: "train", labels: labels, width: 30, height: 21,
                         psnr: nil, shard: 0, pngOffset: 0, pngSize: png.count, jsonOffset: 0, jsonSize: 0,
                         pngSHA256: "", pixelSHA256: ""),
            sample, shard: 0, at: packed.placements[0])
        return Verifier.checkFrames(shard: shard, compressed: packed.compressed, tar: packed.tar, samples: [record], bandRows: bandRows)
    }

    @Test func bandFramesPassAndOtherCutsAreReported() throws {
        let png = BandedPNG.encode(Procedural.image(seed: 2, index: 0, width: 30, height: 21), bandRows: 8)
        #expect(try check(.perBand, png: png).isEmpty)
        let whole = try check(.perSample, png: png)
        #expect(whole.contains { $0.problem.contains("not cut at the PNG's band boundaries") }, "\(whole)")
        // A banded PNG of other band rows than the manifest's is not this format's member.
        let other = try check(.perSample, png: BandedPNG.encode(Procedural.image(seed: 2, index: 0, width: 30, height: 21), bandRows: 4))
        #expect(other.contains { $0.problem.contains("not a format-3 banded PNG") }, "\(other)")
    }
}
