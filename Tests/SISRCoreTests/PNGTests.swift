import Foundation
import Testing
@testable import SISRCore
import TestSupport

@Suite("PNG codec")
struct PNGTests {
    static let pillowCases = ["rgb", "rgba", "gray", "gray-alpha", "palette", "palette-trns", "gray1bit"]

    @Test("decodes every colour type to the pixels Pillow's convert(\"RGB\") gives", arguments: pillowCases)
    func decodesLikePillow(name: String) throws {
        let img = try PNG.read(fixtures.url("png/\(name).png"))
        let expected = try fixtures.bytes("png/\(name).rgb")
        #expect(img.width == 17 && img.height == 13)
        #expect(img.pixels == expected)
    }

    @Test("round-trips exactly with every filter and level", arguments: PNGFilter.allCases)
    func roundTrip(filter: PNGFilter) throws {
        let img = Procedural.image(seed: 3, index: 1, width: 33, height: 21)
        for level in [0, 1, 6, 9] {
            let bytes = PNG.encode(img, options: PNGEncodeOptions(compressionLevel: level, filter: filter))
            #expect(try PNG.decode(bytes) == img)
        }
    }

    @Test("decoded fixtures re-encode and decode to the same pixels", arguments: pillowCases)
    func reencode(name: String) throws {
        let img = try PNG.read(fixtures.url("png/\(name).png"))
        #expect(try PNG.decode(PNG.encode(img, options: .shard)) == img)
    }

    @Test("encoding is deterministic and the shard options write stored blocks with the Up filter")
    func deterministicShardEncoding() throws {
        let img = Procedural.image(seed: 9, index: 2, width: 40, height: 30)
        let a = PNG.encode(img, options: .shard), b = PNG.encode(img, options: .shard)
        #expect(a == b)
        // Stored PNG: IDAT holds zlib header + stored blocks, so it is larger than the raw rows.
        #expect(a.count > 30 * (40 * 3 + 1))
        // Find the first IDAT and check the first row's filter byte (after 2-byte zlib + 5-byte block header).
        let idat = try #require(findChunk(a, "IDAT"))
        #expect(a[idat + 2] & 0x06 == 0)  // BTYPE 00: stored
        #expect(a[idat + 7] == 2)  // filter type 2: Up
        // No time or text chunks.
        #expect(findChunk(a, "tIME") == nil && findChunk(a, "tEXt") == nil)
    }

    @Test("truncated, corrupt and 16-bit files give errors naming the file")
    func errors() throws {
        let good = try fixtures.bytes("png/rgb.png")
        #expect(throws: SISRError.self) { try PNG.decode(Array(good.prefix(good.count / 2)), name: "cut.png") }
        do {
            _ = try PNG.decode(Array(good.prefix(good.count - 20)), name: "cut.png")
            Issue.record("truncated PNG decoded")
        } catch let e as SISRError {
            #expect(e.description.hasPrefix("cut.png: "))
        }
        var flipped = good
        flipped[flipped.count / 2] ^= 0xFF
        #expect(throws: SISRError.self) { try PNG.decode(flipped, name: "flip.png") }
        #expect(throws: SISRError.corrupt(path: "x.png", problem: "not a PNG file (bad signature)")) {
            try PNG.decode([1, 2, 3, 4, 5, 6, 7, 8, 9], name: "x.png")
        }
        do {
            _ = try PNG.read(fixtures.url("png/gray16.png"))
            Issue.record("16-bit PNG accepted")
        } catch let e as SISRError {
            #expect(e.description.contains("16-bit"))
            #expect(e.description.contains("gray16.png"))
        }
    }

    @Test("a header claiming absurd dimensions is refused before allocation")
    func absurdSize() throws {
        var bytes = PNG.encode(RGBImage(width: 1, height: 1), options: .standard)
        // IHDR data starts at 16: width (4 bytes), height (4 bytes). Claim 100000 x 100000; fix the CRC.
        let big: [UInt8] = [0x00, 0x01, 0x86, 0xA0]
        bytes.replaceSubrange(16..<20, with: big)
        bytes.replaceSubrange(20..<24, with: big)
        let crc = crc32(Array(bytes[12..<29]))
        bytes.replaceSubrange(29..<33, with: [UInt8(crc >> 24), UInt8((crc >> 16) & 255), UInt8((crc >> 8) & 255), UInt8(crc & 255)])
        do {
            _ = try PNG.decode(bytes, name: "huge.png")
            Issue.record("absurd PNG accepted")
        } catch let e as SISRError {
            #expect(e.description.contains("over the limit"))
        }
    }

    @Test("Pillow decodes the encoder's output to the same pixels",
          .enabled(if: Tools.python(has: ["PIL"]), "needs python3 with the Pillow package"))
    func pillowReadsOurPNG() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let img = Procedural.image(seed: 5, index: 0, width: 31, height: 17)
        for (i, opts) in [PNGEncodeOptions.shard, .standard].enumerated() {
            let url = dir.appendingPathComponent("p\(i).png")
            try PNG.write(img, to: url, options: opts)
            let out = try Subprocess.python("from PIL import Image; import hashlib, sys; im = Image.open(sys.argv[1]); print(im.mode, hashlib.sha256(im.tobytes()).hexdigest())", url.path)
            #expect(out == "RGB \(img.pixelSHA256)")
        }
    }
}

func findChunk(_ png: [UInt8], _ type: String) -> Int? {
    var pos = 8
    let t = Array(type.utf8)
    while pos + 8 <= png.count {
        let len = Int(png[pos]) << 24 | Int(png[pos + 1]) << 16 | Int(png[pos + 2]) << 8 | Int(png[pos + 3])
        if Array(png[(pos + 4)..<(pos + 8)]) == t { return pos + 8 }
        pos += 12 + len
    }
    return nil
}

func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
    }
    return c ^ 0xFFFF_FFFF
}
