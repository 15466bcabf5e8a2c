import Foundation
import Testing

@testable import SRModels

@Suite("Weights: torch.save readers")
struct WeightsTorchTests {
    @Test("every value of every fixture matches PyTorch exactly", arguments: [
        "zip_dtypes.pth", "module_proto4.pth", "nested.pth", "liif.pth", "training.pth", "legacy.pth", "custom_ok.pth", "custom_big.pth",
        "zip64.pth", "legacy_views.pth",
    ])
    func fixtureValues(name: String) throws {
        let exp = try #require(try WeightsFixtures.expected()[name])
        let ck = try loadCheckpoint(WeightsFixtures.url(name))
        WeightsFixtures.check(ck, exp)
    }

    @Test func zipDtypesAndViews() throws {
        let ck = try loadCheckpoint(WeightsFixtures.url("zip_dtypes.pth"))
        let d = Dictionary(uniqueKeysWithValues: ck.entries.map { ($0.name, $0) })
        #expect(d["half"]?.dtype == .f16)
        #expect(d["bf"]?.dtype == .bf16)
        #expect(d["dbl"]?.dtype == .f64)
        #expect(d["count"]?.dtype == .i64)
        #expect(d["count"]?.tensor.data == [7, -3, 1_048_576])
        #expect(d["transposed"]?.tensor.shape == [5, 3])
        #expect(d["scalar"]?.tensor.shape == [])
        #expect(d["scalar"]?.tensor.data == [3.5])
        // File order is kept.
        #expect(ck.entries.first?.name == "conv.weight")
        #expect(ck.rootKeys.count == 11)
    }

    @Test func stateDictLeavesIntegersOutUnlessAsked() throws {
        let url = try WeightsFixtures.url("zip_dtypes.pth")
        let sd = try loadStateDict(url)
        #expect(sd["count"] == nil)
        #expect(sd["conv.weight"]?.shape == [4, 3, 3, 3])
        let all = try loadStateDict(url, options: .init(includeIntegerTensors: true))
        #expect(all["count"]?.data == [7, -3, 1_048_576])
        #expect(all.count == sd.count + 1)
    }

    @Test func unwrappingOptions() throws {
        let nested = try WeightsFixtures.url("nested.pth")
        let ema = try loadStateDict(nested)
        #expect(Set(ema.keys) == ["x", "y.weight"])
        let params = try loadCheckpoint(nested, options: .init(rootKey: "params"))
        #expect(params.unwrapPath == ["params"])
        #expect(params.entries.map(\.name) == ["x"])
        #expect(params.entries[0].tensor != ema["x"])
        let raw = try loadCheckpoint(nested, options: .init(rootKey: "params", stripModulePrefix: false))
        #expect(raw.entries.map(\.name) == ["module.x"])
        #expect(throws: WeightError.self) { try loadCheckpoint(nested, options: .init(rootKey: "nope")) }
    }

    @Test func trainingCheckpointWithMetadataObjects() throws {
        let url = try WeightsFixtures.url("training.pth")
        let ck = try loadCheckpoint(url)
        #expect(ck.rootKeys == ["state_dict", "epoch", "best_pred", "records", "args", "flags"])
        let dropped = try loadCheckpoint(url, options: .init(dropAttentionBuffers: true))
        #expect(dropped.entries.map(\.name) == ["head.weight"])
        #expect(Set(dropped.droppedKeys) == ["layers.0.attn_mask", "layers.0.relative_position_index"])
    }

    @Test func formatDetection() throws {
        #expect(try detectCheckpointFormat(Array(Data(contentsOf: WeightsFixtures.url("legacy.pth"))), path: "x") == .torchLegacy)
        #expect(try detectCheckpointFormat(Array(Data(contentsOf: WeightsFixtures.url("nested.pth"))), path: "x") == .torchZip)
        #expect(try detectCheckpointFormat(Array(Data(contentsOf: WeightsFixtures.url("reference.safetensors"))), path: "x") == .safetensors)
        #expect(throws: WeightError.self) { try detectCheckpointFormat(Array("hello world".utf8), path: "x") }
        #expect(throws: WeightError.self) { try detectCheckpointFormat([0x80, 0x02, 0x7D, 0x2E], path: "x") }
    }

    @Test func halfConversionIsExact() {
        #expect(halfToFloat(0x3C00) == 1)
        #expect(halfToFloat(0xC000) == -2)
        #expect(halfToFloat(0x0001) == 0x1p-24)
        #expect(halfToFloat(0x7BFF) == 65504)
        #expect(halfToFloat(0x7C00) == .infinity)
        #expect(halfToFloat(0x7E00).isNaN)
        #expect(halfToFloat(0x8000).sign == .minus)
    }
}

@Suite("Weights: caller-allowed globals")
struct WeightsAllowedGlobalsTests {
    @Test func projectClassesLoadOnlyWhenAllowed() throws {
        let url = try WeightsFixtures.url("prosr_like.pth")
        let refused = try #require(try WeightsFixtures.loadError("prosr_like.pth"))
        #expect(refused == .disallowedGlobal(path: url.path, global: "__main__.Config"))
        let ck = try loadCheckpoint(url, options: .init(extraAllowedGlobals: ["__main__.Config", "__main__.Mode"]))
        let exp = try #require(try WeightsFixtures.expected()["prosr_like.pth"])
        WeightsFixtures.check(ck, exp)
        // `params` (a dict subclass of hyperparameters) is passed over for `state_dict`.
        #expect(ck.rootKeys == ["class_name", "params", "state_dict"])
    }
}
