import Foundation
import Testing
import TestSupport

@Suite("sisr inspect-weights")
struct InspectWeightsCLITests {
    /// A two-tensor safetensors file built by hand: "w" F32 [2,2] and "n" I64 [1].
    static func safetensors() -> [UInt8] {
        var header = Array(#"{"__metadata__":{"format":"pt"},"module.w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"n":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}}"#.utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var b = [UInt8]()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { b += $0 }
        b += header
        for v: Float in [1, 2, 3, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { b += $0 } }
        withUnsafeBytes(of: Int64(7).littleEndian) { b += $0 }
        return b
    }

    /// A legacy-format torch file whose main pickle calls posix.system (never executed).
    static func malicious() -> [UInt8] {
        let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
        let proto: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        let info: [UInt8] = [0x80, 0x02, 0x7D, 0x2E]
        let cmd = Array("echo never".utf8)
        let main: [UInt8] = [0x80, 0x02, 0x63] + Array("posix\nsystem\n".utf8) + [0x58, UInt8(cmd.count), 0, 0, 0] + cmd + [0x85, 0x52, 0x2E]
        return magic + proto + info + main
    }

    @Test func listsTensorsAndExports() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("tiny.safetensors"), out = dir.appendingPathComponent("out.safetensors")
        try Data(Self.safetensors()).write(to: f)
        let r = try CLI.run(["inspect-weights", f.path, "--export-safetensors", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("format: safetensors"))
        #expect(r.stdout.contains("w  F32   [2, 2]"))
        #expect(r.stdout.contains("n  I64   [1]"))
        #expect(r.stdout.contains("total: 2 tensors (1 F32, 1 I64), 5 values, 4 float parameters"))
        #expect(r.stdout.contains("metadata: format=pt"))
        let again = try CLI.run(["inspect-weights", out.path])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("total: 1 tensors (1 F32), 4 values"))
    }

    @Test func refusesAMaliciousPickle() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("evil.pth")
        try Data(Self.malicious()).write(to: f)
        let r = try CLI.run(["inspect-weights", f.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("evil.pth: refusing to load: the pickle calls posix.system"))
        #expect(r.stdout.isEmpty)
    }
}
