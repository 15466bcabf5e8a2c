import Foundation
import SISRCore
import Testing
@testable import DatasetLoader

/// The shard-PNG fast path gives exactly the pixels libpng decodes, and declines other PNGs.
@Suite struct ShardPNGTests {
    func fastCrop(_ png: [UInt8], x: Int, y: Int, size: Int, complete: Bool = true) throws -> (ShardPNG.Outcome, [UInt8]) {
        var out = [UInt8](repeating: 0, count: size * size * 3)
        let outcome = try png.withUnsafeBytes { raw in
            try out.withUnsafeMutableBufferPointer { try ShardPNG.crop(raw, x: x, y: y, size: size, into: $0.baseAddress!, complete: complete) }
        }
        return (outcome, out)
    }

    func fastCrop(_ png: [UInt8], x: Int, y: Int, size: Int) throws -> [UInt8]? {
        let (outcome, out) = try fastCrop(png, x: x, y: y, size: size, complete: true)
        return outcome == .notShardFormat ? nil : out
    }

    /// A prefix of the file (what a partial decompression gives) crops exactly when it reaches the
    /// patch's last row, and asks for more otherwise.
    @Test func prefixCropsNeedOnlyTheRowsDownToThePatch() throws {
        let (width, height) = (300, 260)
        let image = Procedural.image(seed: 5, index: 1, width: width, height: height)
        let png = PNG.encode(image, options: .shard)
        var rng = SeededRandom(seed: 9, "prefix")
        var sawMore = false, sawEarly = false
        for _ in 0..<40 {
            let size = 1 + rng.nextInt(below: 120)
            let x = rng.nextInt(below: width - size + 1), y = rng.nextInt(below: height - size + 1)
            let cut = 40 + rng.nextInt(below: png.count - 40)
            let (outcome, out) = try fastCrop(Array(png.prefix(cut)), x: x, y: y, size: size, complete: false)
            switch outcome {
            case .needsMore:
                sawMore = true
                let raw = (y + size) * (1 + width * 3)
                #expect(cut < 64 + raw + raw / 64, "asked for more with \(cut) bytes")
            case .cropped(let w, let h):
                sawEarly = sawEarly || cut < png.count - 1000
                #expect(w == width && h == height)
                #expect(out == image.cropped(x: x, y: y, width: size, height: size).pixels, "crop \(size) at \(x),\(y), \(cut) bytes")
            case .notShardFormat:
                Issue.record("shard PNG declined")
            }
        }
        #expect(sawMore && sawEarly)
    }

    @Test(arguments: [(37, 23), (300, 260), (640, 97)])
    func fastPathMatchesLibpng(width: Int, height: Int) throws {
        // 300x260x3 spans many stored blocks and several IDAT chunks.
        let image = Procedural.image(seed: 11, index: width, width: width, height: height)
        let png = PNG.encode(image, options: .shard)
        var rng = SeededRandom(seed: 4, "positions")
        for _ in 0..<12 {
            let size = 1 + rng.nextInt(below: min(width, height))
            let x = rng.nextInt(below: width - size + 1), y = rng.nextInt(below: height - size + 1)
            let got = try #require(try fastCrop(png, x: x, y: y, size: size))
            #expect(got == image.cropped(x: x, y: y, width: size, height: size).pixels, "crop \(size) at \(x),\(y)")
        }
    }

    @Test func compressedPNGFallsBack() throws {
        let image = Procedural.image(seed: 1, index: 2, width: 40, height: 30)
        #expect(try fastCrop(PNG.encode(image, options: .standard), x: 0, y: 0, size: 8) == nil)
        #expect(try fastCrop(PNG.encode(image, options: .standard), x: 0, y: 0, size: 8, complete: false).0 == .notShardFormat)
    }

    @Test func truncatedPNGThrows() throws {
        let png = PNG.encode(Procedural.image(seed: 1, index: 3, width: 40, height: 30), options: .shard)
        #expect(throws: ShardPNG.Failure.self) { try fastCrop(Array(png.prefix(png.count / 2)), x: 0, y: 0, size: 8) }
        var bad = png
        bad[0] = 0
        #expect(throws: ShardPNG.Failure.self) { try fastCrop(bad, x: 0, y: 0, size: 8) }
    }
}
