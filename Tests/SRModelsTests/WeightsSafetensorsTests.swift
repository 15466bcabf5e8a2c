import Foundation
import Testing

@testable import SRModels
import TestSupport

@Suite("Weights: safetensors")
struct WeightsSafetensorsTests {
    static func tmp(_ name: String) throws -> URL { try TempDir("st").sub(name) }

    /// A safetensors file from a header string and a buffer.
    static func file(_ header: String, _ buffer: [UInt8], name: String) throws -> URL {
        var b = [UInt8]()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { b.append(contentsOf: $0) }
        b += Array(header.utf8) + buffer
        let u = try tmp(name)
        try Data(b).write(to: u)
        return u
    }

    @Test func readsTheReferenceWriter() throws {
        let exp = try #require(try WeightsFixtures.expected()["reference.safetensors"])
        let ck = try loadCheckpoint(WeightsFixtures.url("reference.safetensors"))
        WeightsFixtures.check(ck, exp)
        #expect(ck.metadata == ["format": "pt"])
    }

    @Test func roundTripIsExactAndDeterministic() throws {
        var sd: StateDict = [:]
        sd["b.weight"] = Tensor(shape: [2, 3], data: [1, -2, 3.5, .infinity, -0.0, 1e-30])
        sd["a"] = Tensor(shape: [], data: [42])
        sd["z\"quote\\"] = Tensor(shape: [0], data: [])
        sd["c"] = Tensor(shape: [1, 1, 2, 1], data: [.pi, -.pi])
        let u1 = try Self.tmp("rt1.safetensors"), u2 = try Self.tmp("rt2.safetensors")
        defer { for u in [u1, u2] { try? FileManager.default.removeItem(at: u) } }
        try writeSafetensors(sd, to: u1, metadata: ["format": "pt", "note": "x"])
        var reordered: StateDict = [:]
        for k in sd.keys.sorted().reversed() { reordered[k] = sd[k] }
        try writeSafetensors(reordered, to: u2, metadata: ["note": "x", "format": "pt"])
        let b1 = try Data(contentsOf: u1), b2 = try Data(contentsOf: u2)
        #expect(b1 == b2)
        let n = Int(b1.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        #expect((8 + n) % 8 == 0)
        #expect(b1[8] == UInt8(ascii: "{"))
        let ck = try loadCheckpoint(u1)
        #expect(ck.format == .safetensors)
        #expect(ck.metadata == ["format": "pt", "note": "x"])
        #expect(ck.entries.map(\.name) == sd.keys.sorted())
        for e in ck.entries {
            #expect(e.dtype == .f32)
            #expect(e.tensor.shape == sd[e.name]!.shape)
            #expect(e.tensor.data.map(\.bitPattern) == sd[e.name]!.data.map(\.bitPattern))
        }
    }

    @Test("a flattened BasicSR checkpoint (params.* / params_ema.*) unwraps like a pickled one")
    func flattenedBasicSRCheckpointUnwraps() throws {
        let sd: StateDict = ["params.conv.weight": Tensor(shape: [2], data: [1, 2]),
                             "params_ema.conv.weight": Tensor(shape: [2], data: [3, 4])]
        let u = try Self.tmp("flat.safetensors"), plain = try Self.tmp("plain.safetensors")
        defer { for f in [u, plain] { try? FileManager.default.removeItem(at: f) } }
        try writeSafetensors(sd, to: u)
        #expect(try loadStateDict(u)["conv.weight"]?.data == [3, 4])
        #expect(try loadStateDict(u, options: WeightLoadOptions(rootKey: "params"))["conv.weight"]?.data == [1, 2])
        #expect(try loadCheckpoint(u, options: WeightLoadOptions(rootKey: "params")).unwrapPath == ["params"])
        do {
            _ = try loadStateDict(u, options: WeightLoadOptions(rootKey: "state_dict"))
            Issue.record("expected an error")
        } catch { #expect("\(error)".contains(u.path) && "\(error)".contains("state_dict."), "\(error)") }
        try writeSafetensors(["conv.weight": Tensor(shape: [1], data: [5]), "params.x": Tensor(shape: [1], data: [6])], to: plain)
        #expect(try loadStateDict(plain).keys.sorted() == ["conv.weight", "params.x"])
    }

    @Test("the writer's bytes are pinned: member order dtype, shape, data_offsets; names sorted; space padding")
    func writerBytesArePinned() throws {
        var sd: StateDict = [:]
        sd["c"] = Tensor(shape: [1, 1, 2, 1], data: [1, -2])
        sd["a"] = Tensor(shape: [], data: [42])
        sd["z\"q\\"] = Tensor(shape: [0], data: [])
        let bytes = Safetensors.encode(sd, metadata: ["format": "pt"])
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"#
            + #""c":{"dtype":"F32","shape":[1,1,2,1],"data_offsets":[4,12]},"#
            + #""z\"q\\":{"dtype":"F32","shape":[0],"data_offsets":[12,12]}}"#
        var h = Array(header.utf8)
        while (8 + h.count) % 8 != 0 { h.append(0x20) }
        var want = [UInt8]()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { want.append(contentsOf: $0) }
        want += h
        for v: Float in [42, 1, -2] { withUnsafeBytes(of: v.bitPattern.littleEndian) { want.append(contentsOf: $0) } }
        #expect(bytes == want, "\(String(decoding: bytes.dropFirst(8).prefix(h.count), as: UTF8.self))")
        #expect(Safetensors.encode([:], metadata: [:]) == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    }

    @Test func rereadingTheReferenceAndWritingAgainKeepsValues() throws {
        let sd = try loadStateDict(WeightsFixtures.url("reference.safetensors"))
        let u = try Self.tmp("again.safetensors")
        defer { try? FileManager.default.removeItem(at: u) }
        try writeSafetensors(sd, to: u)
        #expect(try loadStateDict(u) == sd)
    }

    @Test("malformed headers are rejected", arguments: [
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "duplicate"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "span"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 6, "expected"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "expected 0"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, "no tensor uses"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "truncated"),
        ("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "C64"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "bad shape"),
        ("{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "not a string"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4, "header"),
    ])
    func malformed(header: String, bufferSize: Int, mention: String) throws {
        let u = try Self.file(header, [UInt8](repeating: 0, count: bufferSize), name: "bad-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: u) }
        do {
            _ = try loadCheckpoint(u)
            Issue.record("loaded: \(header)")
        } catch let e as WeightError {
            #expect(e.description.contains(mention), "\(e)")
            #expect(e.description.hasPrefix(u.path))
        }
    }

    @Test func headerLengthBeyondTheFile() throws {
        var b = [UInt8]()
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { b.append(contentsOf: $0) }
        b += Array("{}".utf8)
        let u = try Self.tmp("huge.safetensors")
        defer { try? FileManager.default.removeItem(at: u) }
        try Data(b).write(to: u)
        #expect(throws: WeightError.self) { try loadCheckpoint(u) }
    }
}

@Suite("Weights: state dict diff")
struct StateDictDiffTests {
    @Test func listsMissingUnexpectedAndMismatchedKeys() {
        let found: StateDict = ["a": Tensor(zeros: [2, 3]), "b": Tensor(zeros: [4]), "extra": Tensor(zeros: [1])]
        let d = StateDictDiff(expected: ["a": [2, 3], "b": [5], "c": [1]], found: found)
        #expect(d.missing == ["c"])
        #expect(d.unexpected == ["extra"])
        #expect(d.shapeMismatches.map(\.key) == ["b"])
        #expect(!d.isExact)
        #expect(d.summary().contains("b expected [5] found [4]"))
        #expect(StateDictDiff(expected: ["a": [2, 3]], found: ["a": Tensor(zeros: [2, 3])]).isExact)
    }
}
