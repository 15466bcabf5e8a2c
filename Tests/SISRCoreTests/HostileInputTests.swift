import Foundation
import Testing
@testable import SISRCore

/// Inputs made to crash, hang or exhaust memory: each is refused quickly with an error naming it.
@Suite("Hostile PNG, zstd and index values")
struct HostileInputTests {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }
    static func chunk(_ type: String, _ data: [UInt8], length: Int? = nil) -> [UInt8] {
        let t = Array(type.utf8)
        let n = UInt32(length ?? data.count)
        let crc = crc32(t + data)
        return withUnsafeBytes(of: n.bigEndian, Array.init) + t + data + withUnsafeBytes(of: crc.bigEndian, Array.init)
    }
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static func ihdr(_ w: UInt32, _ h: UInt32, colorType: UInt8 = 2) -> [UInt8] {
        chunk("IHDR", withUnsafeBytes(of: w.bigEndian, Array.init) + withUnsafeBytes(of: h.bigEndian, Array.init) + [8, colorType, 0, 0, 0])
    }

    func refused(_ bytes: [UInt8], _ name: String, _ words: String) {
        let start = Date()
        do {
            _ = try PNG.decode(bytes, name: name)
            Issue.record("\(name) decoded")
        } catch {
            #expect("\(error)".contains(name) && "\(error)".contains(words), "\(error)")
        }
        #expect(Date().timeIntervalSince(start) < 1, "\(name) took \(Date().timeIntervalSince(start)) s")
    }

    @Test("a 45-byte PNG whose text chunk declares 2 GB is refused at once (it took 7 s and 2 GB)")
    func hugeDeclaredChunk() {
        let b = Self.signature + Self.ihdr(1, 1) + withUnsafeBytes(of: UInt32(0x7FFF_FFFF).bigEndian, Array.init) + Array("tEXtabcd".utf8)
        #expect(b.count == 45)
        refused(b, "text2g.png", "declares 2147483647 bytes")
    }

    @Test("a PNG of under 100 bytes declaring 16000x16000 RGBA is refused before its 1 GB buffer is allocated")
    func tinyDataHugeImage() throws {
        // The IDAT of a 10x10 image: a few dozen bytes of deflate data.
        let small = PNG.encode(RGBImage(width: 10, height: 10, pixels: [UInt8](repeating: 0, count: 300)), options: .standard)
        let at = try #require((8..<small.count).first { Array(small[$0..<($0 + 4)]) == Array("IDAT".utf8) })
        let n = Int(small[at - 4]) << 24 | Int(small[at - 3]) << 16 | Int(small[at - 2]) << 8 | Int(small[at - 1])
        let b = Self.signature + Self.ihdr(16000, 16000, colorType: 6) + Self.chunk("IDAT", Array(small[(at + 4)..<(at + 4 + n)])) + Self.chunk("IEND", [])
        #expect(b.count < 100)
        refused(b, "bigdims.png", "too little")
    }

    @Test("ordinary PNGs still decode after the chunk walk, interlaced and 1-bit included")
    func ordinaryStillDecodes() throws {
        for name in PNGTests.pillowCases {
            _ = try PNG.read(fixtures.url("png/\(name).png"))
        }
        let img = Procedural.image(seed: 5, index: 0, width: 64, height: 48)
        #expect(try PNG.decode(PNG.encode(img, options: .standard)) == img)
        // A flat image compresses far beyond 100:1 and must not be mistaken for a lie.
        let flat = RGBImage(width: 2000, height: 1500, pixels: [UInt8](repeating: 7, count: 2000 * 1500 * 3))
        #expect(try PNG.decode(PNG.encode(flat, options: PNGEncodeOptions(compressionLevel: 9, filter: .up))) == flat)
    }

    @Test("a zstd frame declaring more than the caller's limit is refused without allocating it")
    func zstdDeclaredBomb() throws {
        let frame = Zstd.compress([UInt8](repeating: 0, count: 8 << 20))
        #expect(frame.count < 4096)
        #expect(throws: SISRError.self) { try Zstd.decompress(frame, name: "bomb.tar.zst", maxOutput: 1 << 20) }
        #expect(try Zstd.decompress(frame, name: "ok.tar.zst", maxOutput: ShardRecord.decompressionLimit(tarBytes: 8 << 20)).count == 8 << 20)
    }

    @Test("offsets and sizes near Int.max from a manifest or index never trap")
    func extremeIndexValues() {
        #expect(ShardRecord.decompressionLimit(tarBytes: .max) == .max)
        #expect(ShardRecord.decompressionLimit(tarBytes: -5) == 1 + (1 << 20))
        var s = SampleRecord(key: "k", model: "m", image: "i", split: "train", labels: Labels(model: "m", architecture: "a", scale: "x2", loss: "l", dataset: "d", seed: "NA", pretrained: "false", family: "demo"), width: 1, height: 1,
                             psnr: nil, shard: 0, pngOffset: .max, pngSize: .max, jsonOffset: 0, jsonSize: 0, pngSHA256: "", pixelSHA256: "")
        #expect(s.pngRange(inTarOf: 1000) == nil)
        s.pngOffset = 10
        #expect(s.pngRange(inTarOf: 1000) == nil)
        s.pngSize = 990
        #expect(s.pngRange(inTarOf: 1000) == 10..<1000)
        s.pngOffset = -1
        #expect(s.pngRange(inTarOf: 1000) == nil)
    }
}
