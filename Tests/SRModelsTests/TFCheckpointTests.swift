import Foundation
@testable import SRModels
import Testing
import TestSupport

@Suite("TensorFlow 1 Saver V1 reader")
struct TFCheckpointTests {
    static var fixture: URL { PretrainedFixtures.dir.appendingPathComponent("enhancenet_weights") }

    @Test("reads every variable of a TF1 V1 checkpoint, kernels transposed to OIHW")
    func reads() throws {
        let ck = try loadCheckpoint(Self.fixture)
        #expect(ck.format == .tensorflowV1)
        #expect(ck.entries.count == 2 * 9)
        let names = Set(ck.entries.map(\.name))
        #expect(names.contains("generator/Conv/weights") && names.contains("generator/Conv_8/biases"))
        let first = try #require(ck.entries.first { $0.name == "generator/Conv/weights" })
        #expect(first.tensor.shape == [4, 3, 3, 3] && first.dtype == .f32)
        let last = try #require(ck.entries.first { $0.name == "generator/Conv_8/weights" })
        #expect(last.tensor.shape == [3, 4, 3, 3])
    }

    /// Writes `bytes` to a temporary file and loads it, returning the error's text.
    func loadError(_ bytes: [UInt8], _ name: String) throws -> String? {
        let dir = try TempDir("tfv1")
        defer { dir.cleanup() }
        let url = dir.sub(name)
        try Data(bytes).write(to: url)
        do {
            _ = try loadCheckpoint(url)
            return nil
        } catch {
            let text = "\(error)"
            #expect(text.contains(url.path), "error does not name the file: \(text)")
            return text
        }
    }

    @Test("corrupted, truncated and malformed files are refused with an error naming the file")
    func malformed() throws {
        let good = [UInt8](try Data(contentsOf: Self.fixture))
        // Any changed byte inside a block or its trailer breaks the CRC-32C (the footer's zero padding
        // is not checked by TensorFlow either, so it is left out).
        var flipped = 0
        for i in stride(from: 0, to: good.count - 48, by: 11) {
            var bad = good
            bad[i] ^= 0x5A
            if try loadError(bad, "flip\(i)") != nil { flipped += 1 }
        }
        #expect(flipped == (good.count - 48 + 10) / 11, "only \(flipped) corruptions were detected")
        let crc = try #require(try loadError({ var b = good; b[40] ^= 1; return b }(), "crc"))
        #expect(crc.contains("CRC-32C"))
        for cut in [0, 7, 47, good.count / 2, good.count - 1] {
            #expect(try loadError(Array(good.prefix(cut)), "cut\(cut)") != nil)
        }
        // A footer whose index handle points past the end of the file.
        var far = good
        let footer = good.count - 48
        far.replaceSubrange(footer..<(footer + 12), with: [0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x10] + [UInt8](repeating: 0, count: 4))
        let handle = try #require(try loadError(far, "handle"))
        #expect(handle.contains("exceeds") || handle.contains("past the end"), "\(handle)")
    }

    @Test("the slice keys are decoded from OrderedCode")
    func keys() throws {
        // 00 | "dbl" | 00 01 | rank 2 | (start 0, length -1) x 2
        let key: [UInt8] = [0x00, 0x64, 0x62, 0x6C, 0x00, 0x01, 0x01, 0x02, 0x80, 0x7F, 0x80, 0x7F]
        #expect(try TFCheckpointV1.keyName(key, path: "k") == "dbl")
        // An escaped 00 inside the name, rank 0.
        let escaped: [UInt8] = [0x00, 0x61, 0x00, 0xFF, 0x62, 0x00, 0x01, 0x00]
        #expect(try TFCheckpointV1.keyName(escaped, path: "k") == "a\u{0}b")
        // A slice starting at 1: a partitioned variable, refused.
        let partial: [UInt8] = [0x00, 0x61, 0x00, 0x01, 0x01, 0x01, 0x81, 0x7F]
        #expect(throws: WeightError.self) { try TFCheckpointV1.keyName(partial, path: "k") }
        #expect(throws: WeightError.self) { try TFCheckpointV1.keyName([0x00, 0x61], path: "k") }
    }
}

@Suite("ProSR checkpoint container and the unpickler's allow-list")
struct ProSRContainerTests {
    @Test("the EasyDict config is read as inert data and the state dict is found beside it")
    func easyDict() throws {
        let ck = try loadCheckpoint(PretrainedFixtures.dir.appendingPathComponent("prosr.pth"))
        #expect(ck.format == .torchLegacy)
        #expect(ck.unwrapPath == ["state_dict"])
        #expect(Set(ck.rootKeys) == ["class_name", "params", "state_dict"])
    }

    @Test("other globals in the same container are still refused", arguments: [
        ("prosr_refused_system.pth", "posix.system"), ("prosr_refused_counter.pth", "collections.Counter"),
    ])
    func refused(_ file: String, _ global: String) throws {
        let url = PretrainedFixtures.dir.appendingPathComponent(file)
        #expect(throws: WeightError.disallowedGlobal(path: url.path, global: global)) { try loadCheckpoint(url) }
    }
}
