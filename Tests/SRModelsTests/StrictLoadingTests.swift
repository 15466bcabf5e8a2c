import Foundation
import SRModels
import Testing

@Suite("Strict loading and configuration checks")
struct StrictLoadingTests {
    func edsrDict() throws -> StateDict {
        try loadStateDict(ModelFixtures.models.appendingPathComponent("edsr_x2.pth"))
    }

    @Test("a missing parameter is named")
    func missingKey() throws {
        var dict = try edsrDict()
        dict["body.1.conv2.bias"] = nil
        #expect(throws: ModelError.keyMismatch(source: "edsr_x2.pth", missing: ["body.1.conv2.bias"], unused: [], shapes: [])) {
            _ = try Architecture.edsr.build(stateDict: dict, name: "edsr_x2.pth")
        }
    }

    @Test("an extra key is an error when strict, ignored otherwise")
    func unusedKey() throws {
        var dict = try edsrDict()
        dict["extra.weight"] = Tensor(zeros: [2])
        #expect(throws: ModelError.keyMismatch(source: "f", missing: [], unused: ["extra.weight"], shapes: [])) {
            _ = try Architecture.edsr.build(stateDict: dict, name: "f")
        }
        _ = try Architecture.edsr.build(stateDict: dict, name: "f", strict: false)
    }

    @Test("a wrong shape is reported with both shapes")
    func shapeMismatch() throws {
        var dict = try edsrDict()
        dict["body.0.conv1.weight"] = Tensor(zeros: [8, 8, 1, 1])
        do {
            _ = try Architecture.edsr.build(stateDict: dict, name: "f")
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(error == .keyMismatch(source: "f", missing: [], unused: [], shapes: [
                ShapeMismatch(key: "body.0.conv1.weight", expected: [8, 8, 3, 3], found: [8, 8, 1, 1]),
            ]))
            #expect(error.description.contains("body.0.conv1.weight: expected [8, 8, 3, 3], found [8, 8, 1, 1]"))
        }
    }

    @Test("config values that contradict the checkpoint, unknown keys and wrong scales are refused")
    func configErrors() throws {
        let dict = try edsrDict()
        #expect(throws: ModelError.self) { _ = try Architecture.edsr.build(configJSON: Data(#"{"num_feat": 64}"#.utf8), stateDict: dict, name: "f") }
        #expect(throws: ModelError.self) { _ = try Architecture.edsr.build(configJSON: Data(#"{"res_scal": 0.1}"#.utf8), stateDict: dict, name: "f") }
        #expect(throws: ModelError.self) { _ = try Architecture.edsr.build(stateDict: dict, name: "f", scale: 4) }
        #expect(throws: ModelError.self) { _ = try Architecture.edsr.build(configJSON: Data("[1]".utf8), stateDict: dict, name: "f") }
        // Agreeing values are fine.
        _ = try Architecture.edsr.build(configJSON: Data(#"{"num_feat": 8, "res_scale": 1}"#.utf8), stateDict: dict, name: "f", scale: 2)
        #expect(throws: ModelError.unknownArchitecture("vdsr")) { _ = try Architecture(named: "vdsr") }
    }

    @Test("a checkpoint of another architecture is refused with a clear error")
    func wrongArchitecture() throws {
        let dict = try loadStateDict(ModelFixtures.models.appendingPathComponent("rdn_x2.pth"))
        do {
            _ = try Architecture.edsr.build(stateDict: dict, name: "rdn_x2.pth")
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(error.description.contains("rdn_x2.pth"))
            #expect(error.description.contains("conv_first.weight"))
        }
    }
}
