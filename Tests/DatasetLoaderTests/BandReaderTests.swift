import Foundation
import SISRCore
import Testing
@testable import DatasetLoader
import TestSupport

/// Format 3: crops decoded from the bands they touch are exactly the image's pixels, whatever the
/// band height, the image width (rows longer than a stored block straddle blocks) and the patch.
@Suite struct BandReaderTests {
    /// Writes `packed` as a shard file in `dir`; its info and sample `sample`'s reference.
    func written(_ packed: FramedShard.Packed, sample: Int, key: String, image: RGBImage, pngSize: Int, bandRows: Int,
                 in dir: TempDir) throws -> (ShardInfo, SampleRef) {
        let file = dir.sub("s.tar.zst")
        try Data(packed.compressed).write(to: file)
        let shard = ShardInfo(path: "s.tar.zst", url: file, sha256: "", tarBytes: packed.tar.count, tarSHA256: "", bandRows: bandRows)
        let p = packed.placements[sample]
        return (shard, SampleRef(key: key, shard: 0, pngOffset: p.pngOffset, pngSize: pngSize, width: image.width, height: image.height,
                                 classId: 0, frameOffset: p.frameOffset, frameSize: p.frameSize, frameSHA256: p.frameSHA256))
    }

    @Test(arguments: [(2500, 40, 16), (23000, 6, 4), (61, 37, 8), (30, 5, 32), (3, 70, 1)])
    func bandCropsAreTheImagesPixels(width: Int, height: Int, bandRows: Int) throws {
        let dir = try TempDir("sisr-bands")
        defer { dir.cleanup() }
        let image = Procedural.image(seed: 9, index: width, width: width, height: height)
        let png = BandedPNG.encode(image, bandRows: bandRows)
        #expect(try PNG.decode(png) == image)  // an ordinary PNG for libpng
        let key = "Model-NA-x2-NA-NA__img000001"
        let packed = try FramedShard.pack([.init(key: "Other-NA-x2-NA-NA__img000002", png: png, json: Array("{}".utf8)),
                                           .init(key: key, png: png, json: Array("{\"a\":1}".utf8))],
                                          level: 3, frames: .perBand, bandRows: bandRows)
        #expect(Zstd.frameCount(packed.compressed) == 2 * (BandedPNG.bandCount(height: height, bandRows: bandRows) + 2) + 1)
        #expect(try Zstd.decompress(packed.compressed) == packed.tar)
        let (shard, ref) = try written(packed, sample: 1, key: key, image: image, pngSize: png.count, bandRows: bandRows, in: dir)
        let reader = FrameReader()
        var rng = SeededRandom(seed: 4, "bands")
        let side = min(width, height)
        for size in Set([1, max(1, side / 2), side, min(side, 224)]) {
            for _ in 0..<6 {
                let x = rng.nextInt(below: width - size + 1), y = rng.nextInt(below: height - size + 1)
                var out = [UInt8](repeating: 0, count: size * size * 3)
                try out.withUnsafeMutableBufferPointer {
                    try reader.crop(ref, shard: shard, plan: CropPlan(x: x, y: y, size: size, flip: false), verify: true,
                                    verifySHA256: true, into: $0.baseAddress!)
                }
                #expect(out == image.cropped(x: x, y: y, width: size, height: size).pixels, "\(size) at (\(x), \(y))")
            }
        }
        #expect(try reader.png(ref, shard: shard, verify: true) == png)
    }

    /// The reader reads about as far as the last band a crop needs, estimated from the average band;
    /// when the bands above compress worse than the average it reads the rest and still crops right.
    @Test func shortReadEstimateReadsTheRest() throws {
        let dir = try TempDir("sisr-bands")
        defer { dir.cleanup() }
        let (width, height, bandRows) = (3000, 64, 4)
        var rng = SeededRandom(seed: 7, "noise")
        var image = RGBImage(width: width, height: height)
        for i in 0..<(width * 16 * 3) { image.pixels[i] = UInt8(truncatingIfNeeded: rng.next()) }  // rows 0-15 noise, the rest black
        let png = BandedPNG.encode(image, bandRows: bandRows)
        let key = "Model-NA-x2-NA-NA__img000001"
        let packed = try FramedShard.pack([.init(key: key, png: png, json: [])], level: 3, frames: .perBand, bandRows: bandRows)
        let (shard, ref) = try written(packed, sample: 0, key: key, image: image, pngSize: png.count, bandRows: bandRows, in: dir)
        let p = packed.placements[0]
        // Band 3 ends the noise: the estimate (5/17 of the region) is far short of the ~95 % it needs.
        let region = Double(p.frameSize!), estimate: Double = region / 17 * 5 * 9 / 8 + 16384
        #expect(estimate < region * 0.8)
        let reader = FrameReader()
        for (x, y, size) in [(3, 12, 4), (0, 0, 16), (100, 10, 40), (0, 60, 4)] {
            var out = [UInt8](repeating: 0, count: size * size * 3)
            try out.withUnsafeMutableBufferPointer {
                try reader.crop(ref, shard: shard, plan: CropPlan(x: x, y: y, size: size, flip: false), verify: true, into: $0.baseAddress!)
            }
            #expect(out == image.cropped(x: x, y: y, width: size, height: size).pixels, "\(size) at (\(x), \(y))")
        }
    }

    @Test func perBandPackingRefusesUnbandedPNGs() throws {
        let image = Procedural.image(seed: 1, index: 1, width: 20, height: 20)
        for png in [PNG.encode(image, options: .shard), BandedPNG.encode(image, bandRows: 4)] {
            #expect(throws: SISRError.self) {
                try FramedShard.pack([.init(key: "a__b", png: png, json: [])], level: 3, frames: .perBand, bandRows: 8)
            }
        }
    }
}
