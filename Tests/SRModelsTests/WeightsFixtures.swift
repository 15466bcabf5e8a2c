import Foundation
import Testing

@testable import SRModels

/// Loads the fixtures written by Scripts/make_checkpoint_fixtures.py.
enum WeightsFixtures {
    struct ExpectedTensor: Decodable {
        let dtype: String
        let shape: [Int]
        let values: [Double]
    }

    struct ExpectedFile: Decodable {
        let format: String
        let unwrap: [String]
        let tensors: [String: ExpectedTensor]
    }

    static func url(_ name: String) throws -> URL { fixtures.url("weights/" + name) }

    static func expected() throws -> [String: ExpectedFile] {
        try fixtures.decode([String: ExpectedFile].self, "weights/expected.json")
    }

    /// Asserts the checkpoint matches the expected entry exactly (bitwise float equality).
    static func check(_ ck: Checkpoint, _ exp: ExpectedFile) {
        #expect(ck.format.rawValue == exp.format)
        #expect(ck.unwrapPath == exp.unwrap)
        #expect(Set(ck.entries.map(\.name)) == Set(exp.tensors.keys))
        for e in ck.entries {
            guard let x = exp.tensors[e.name] else { continue }
            #expect(e.dtype.rawValue == x.dtype, "\(e.name)")
            #expect(e.tensor.shape == x.shape, "\(e.name)")
            let want = x.values.map { Float($0) }
            #expect(e.tensor.data.map(\.bitPattern) == want.map(\.bitPattern), "\(e.name) values")
        }
    }

    /// The error a load throws, or nil.
    static func loadError(_ name: String, _ options: WeightLoadOptions = .init()) throws -> WeightError? {
        do {
            _ = try loadCheckpoint(url(name), options: options)
            return nil
        } catch let e as WeightError {
            return e
        }
    }
}
