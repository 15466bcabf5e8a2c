import Foundation
import Testing
@testable import SISRCore

/// Samples framed one by one (on any thread, in any order) and assembled give the shard that
/// `FramedShard.pack` writes, whose concatenated frames decompress to the reproducible tar.
@Suite("FramedShard: per-sample segments and assembly")
struct FramedShardTests {
    func samples() -> [FramedShard.Sample] {
        (0..<3).map { i in
            let img = Procedural.image(seed: 4, index: i, width: 37 + 5 * i, height: 29 + 11 * i)
            return .init(key: "M-NA-x2-NA-NA__img00000\(i + 1)", png: BandedPNG.encode(img, bandRows: 8),
                         json: Array("{\"i\":\(i)}".utf8))
        }
    }

    @Test(arguments: [ReleaseManifest.FrameLayout.perBand, .perSample])
    func assembledSegmentsAreThePackedShard(frames: ReleaseManifest.FrameLayout) throws {
        let samples = samples()
        let packed = try FramedShard.pack(samples, level: 3, frames: frames, bandRows: 8)
        // Framed in reverse order (as workers may finish), assembled in sample order.
        var segments = [FramedShard.Segment?](repeating: nil, count: samples.count)
        for i in samples.indices.reversed() {
            segments[i] = try FramedShard.segment(samples[i], level: 3, frames: frames, bandRows: 8)
        }
        let shard = FramedShard.assemble(segments.map { $0! }, level: 3)
        #expect(shard.compressed == packed.compressed)
        #expect(shard.placements == packed.placements)
        #expect(shard.tarSize == packed.tar.count)
        #expect(shard.tarSHA256 == SHA256Hasher.hex(packed.tar))
        // The tar is the one TarWriter writes for the same members, and the frames decompress to it.
        var tar = TarWriter()
        for s in samples {
            try tar.append(name: s.key + ".png", data: s.png)
            try tar.append(name: s.key + ".json", data: s.json)
        }
        #expect(packed.tar == tar.finish())
        #expect(try Zstd.decompress(shard.compressed) == packed.tar)
        // Each sample's region is its own frames, starting where the previous one ended.
        for (i, p) in shard.placements.enumerated() {
            #expect(p.frameSize == segments[i]!.frames.count)
            #expect(p.frameSHA256 == SHA256Hasher.hex(segments[i]!.frames))
            #expect(Array(packed.tar[p.pngOffset..<(p.pngOffset + samples[i].png.count)]) == samples[i].png)
        }
        #expect(shard.placements.map { $0.frameOffset! } == [0, segments[0]!.frames.count,
                                                             segments[0]!.frames.count + segments[1]!.frames.count])
    }

    @Test func aPNGThatIsNotBandedIsRefusedWithItsName() throws {
        let img = Procedural.image(seed: 4, index: 0, width: 20, height: 40)
        let sample = FramedShard.Sample(key: "M__img1", png: PNG.encode(img), json: [])
        #expect { try FramedShard.segment(sample, level: 3, frames: .perBand, bandRows: 8) } throws: { "\($0)".contains("M__img1.png") }
    }
}
