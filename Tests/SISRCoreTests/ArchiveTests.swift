import Foundation
import Testing
import SISRArchive
@testable import SISRCore
import TestSupport

@Suite("tar, zstd and libarchive")
struct ArchiveTests {
    func sampleTar() throws -> (tar: [UInt8], members: [(String, [UInt8])]) {
        var w = TarWriter()
        let members: [(String, [UInt8])] = [
            ("a__img1.png", Array(repeating: 7, count: 1000)),
            ("a__img1.json", Array("{\"k\":1}".utf8)),
            ("dir/b__img2.png", []),
            ("b__img2.json", Array(repeating: 1, count: 512)),
        ]
        for (n, d) in members { try w.append(name: n, data: d) }
        return (w.finish(), members)
    }

    @Test("the tar writer is reproducible and our reader, libarchive and GNU tar all read it")
    func tarRoundTrip() throws {
        let (tar, members) = try sampleTar()
        #expect(tar.count % 10240 == 0)
        #expect(tar == (try sampleTar()).tar)
        let entries = try TarReader.entries(tar)
        #expect(entries.map(\.name) == members.map(\.0))
        for (e, m) in zip(entries, members) { #expect(Array(tar[e.dataOffset..<(e.dataOffset + e.size)]) == m.1) }

        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("s.tar.zst")
        try AtomicFile.write(Zstd.compress(tar, level: 3), to: url)
        let viaLibarchive = try ArchiveReader.members(of: url)
        #expect(viaLibarchive.map(\.name) == members.map(\.0))
        #expect(viaLibarchive.map(\.data) == members.map(\.1))
    }

    @Test("zstd: one frame, round trip, corruption and truncation are errors naming the input")
    func zstd() throws {
        var input = [UInt8]()
        for i in 0..<300_000 { input.append(UInt8(truncatingIfNeeded: (i * i) >> 7)) }
        let z = Zstd.compress(input, level: 9)
        #expect(z == Zstd.compress(input, level: 9))
        #expect(Zstd.frameCount(z) == 1)
        #expect(try Zstd.decompress(z) == input)
        #expect(try Zstd.decompress(z + Zstd.compress([1, 2, 3], level: 1)) == input + [1, 2, 3])
        var bad = z
        bad[bad.count / 2] ^= 0x55
        #expect(throws: SISRError.self) { try Zstd.decompress(bad, name: "x.tar.zst") }
        do {
            _ = try Zstd.decompress(Array(z.prefix(z.count - 9)), name: "cut.tar.zst")
            Issue.record("truncated zstd accepted")
        } catch let e as SISRError {
            #expect(e.description.hasPrefix("cut.tar.zst: "))
        }
    }

    @Test("the tar reader refuses bad checksums, truncation and escaping names")
    func tarErrors() throws {
        let (tar, _) = try sampleTar()
        var bad = tar
        bad[10] ^= 1
        #expect(throws: SISRError.self) { try TarReader.entries(bad, name: "s.tar") }
        #expect(throws: SISRError.self) { try TarReader.entries(Array(tar.prefix(700)), name: "s.tar") }
        var w = TarWriter()
        #expect(throws: SISRError.self) { try w.append(name: "../evil", data: [1]) }
        #expect(throws: SISRError.self) { try w.append(name: "a.b/" + String(repeating: "x", count: 120), data: [1]) }
    }
}
