import Foundation
import Testing

@testable import SRModels
import TestSupport

@Suite("Weights: refused and broken files")
struct WeightsErrorTests {
    @Test func maliciousPicklesAreRefusedNamingTheGlobal() throws {
        let cases = [
            ("malicious.pth", "posix.system"),
            ("malicious_legacy.pth", "__builtin__.eval"),
            ("malicious_proto4.pth", "subprocess.check_output"),
        ]
        for (file, global) in cases {
            let e = try #require(try WeightsFixtures.loadError(file), "\(file) loaded")
            guard case let .disallowedGlobal(path, g) = e else {
                Issue.record("\(file): \(e)")
                continue
            }
            #expect(g == global)
            #expect(path.hasSuffix(file))
            #expect(e.description.contains("refusing to load: the pickle calls \(global), which is not allowed"))
        #expect(!e.description.contains("state_dict()"))  // no "allow it" hint for dangerous modules
        }
    }

    @Test func dangerousGlobalsStayRefusedEvenWhenAllowed() throws {
        let opts = WeightLoadOptions(extraAllowedGlobals: ["posix.system", "subprocess.check_output"])
        let path = try WeightsFixtures.url("malicious.pth").path
        #expect(try WeightsFixtures.loadError("malicious.pth", opts) == .disallowedGlobal(path: path, global: "posix.system"))
        #expect(try WeightsFixtures.loadError("malicious_proto4.pth", opts) != nil)
    }

    @Test func truncatedFiles() throws {
        for file in ["truncated.pth", "truncated_legacy.pth"] {
            let e = try #require(try WeightsFixtures.loadError(file), "\(file) loaded")
            guard case .truncated = e else {
                Issue.record("\(file): expected truncated, got \(e)")
                continue
            }
            #expect(e.description.contains(file))
        }
    }

    @Test func everyPrefixOfAZipFailsCleanly() throws {
        let full = Array(try Data(contentsOf: WeightsFixtures.url("custom_ok.pth")))
        let dir = try TempDir("weights-prefix").url
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in stride(from: 0, to: full.count, by: 7) {
            let u = dir.appendingPathComponent("p.pth")
            try Data(full[0..<n]).write(to: u)
            #expect(throws: WeightError.self) { try loadCheckpoint(u) }
        }
    }

    @Test func corruptedBytesNeverCrash() throws {
        let full = Array(try Data(contentsOf: WeightsFixtures.url("legacy.pth")))
        let dir = try TempDir("weights-flip").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let u = dir.appendingPathComponent("f.pth")
        for i in stride(from: 14, to: full.count, by: 3) {
            var b = full
            b[i] ^= 0xA5
            try Data(b).write(to: u)
            _ = try? loadCheckpoint(u)  // must throw or load; never trap
        }
    }

    @Test func outOfRangeViewsAndMissingRecords() throws {
        let oob = try #require(try WeightsFixtures.loadError("bad_offset.pth"))
        guard case let .outOfBounds(_, tensor, _) = oob else { Issue.record("\(oob)"); return }
        #expect(tensor == "t")
        let stride = try #require(try WeightsFixtures.loadError("bad_stride.pth"))
        guard case .outOfBounds = stride else { Issue.record("\(stride)"); return }
        let lie = try #require(try WeightsFixtures.loadError("numel_lie.pth"))
        guard case .outOfBounds = lie else { Issue.record("\(lie)"); return }
        #expect(lie.description.contains("1000 elements"))
        let missing = try #require(try WeightsFixtures.loadError("missing_record.pth"))
        let missingPath = try WeightsFixtures.url("missing_record.pth").path
        #expect(missing == .missingRecord(path: missingPath, record: "archive/data/5"))
    }

    @Test func broadcastViewsAreCapped() throws {
        let e = try #require(try WeightsFixtures.loadError("broadcast_bomb.pth"))
        guard case .outOfBounds = e else { Issue.record("\(e)"); return }
        #expect(e.description.contains("expand a storage of 8 elements"))
    }

    @Test func legacyViewBeyondItsRootStorage() throws {
        let e = try #require(try WeightsFixtures.loadError("legacy_bad_view.pth"))
        guard case let .corrupt(_, problem) = e else { Issue.record("\(e)"); return }
        #expect(problem.contains("beyond its root storage"))
    }

    @Test func unknownOpcodeIsRefused() throws {
        let e = try #require(try WeightsFixtures.loadError("unknown_opcode.pth"))
        guard case let .unknownOpcode(_, op, offset) = e else { Issue.record("\(e)"); return }
        #expect(op == 0x82)
        #expect(offset == 48)  // file offset: the data.pkl record starts at 46 (30 + 16-byte name)
        #expect(e.description.contains("0x82"))
    }

    @Test func badCRCIsReported() throws {
        var b = Array(try Data(contentsOf: WeightsFixtures.url("custom_ok.pth")))
        let marker = Array("archive/data/0".utf8)
        // Flip a byte inside the data record: the local header is followed by the 32 record bytes.
        let at = try #require((0..<(b.count - marker.count)).first { Array(b[$0..<($0 + marker.count)]) == marker })
        b[at + marker.count + 4] ^= 0xFF
        let dir = try TempDir("crc")
        defer { dir.cleanup() }
        let u = dir.sub("crc.pth")
        try Data(b).write(to: u)
        #expect(throws: WeightError.self) { try loadCheckpoint(u) }
        #expect(throws: Never.self) { try loadCheckpoint(u, options: .init(verifyChecksums: false)) }
    }

    @Test func unreadableFile() {
        #expect(throws: WeightError.self) { try loadStateDict(URL(fileURLWithPath: "/nonexistent/model.pth")) }
    }
}
