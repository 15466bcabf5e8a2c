import Foundation
import Testing
import SISRCore
import SRModels
import TestSupport

/// The network fixtures of this target: `models/manifest.json` (Scripts/make_model_fixtures.py) and
/// `zoo-a/manifest.json` (Scripts/make_zoo_a_fixtures.py).
enum ModelFixtures {
    static var models: URL { fixtures.url("models") }
    static var zooA: URL { fixtures.url("zoo-a") }

    struct Entry: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let arch: String
        let weights: String
        let container: String
        let config: JSONValue
        let scale: Int
        let input: String
        let output: String

        var description: String { "\(weights) (\(container))" }
        /// The config as the JSON bytes `Architecture.build(configJSON:)` reads.
        var configJSON: Data { get throws { Data(try CanonicalJSON.encode(config)) } }
    }

    struct Manifest: Decodable { let fixtures: [Entry] }

    static func entries(_ manifest: String) throws -> [Entry] { try fixtures.decode(Manifest.self, manifest).fixtures }
    static func cnn() throws -> [Entry] { try entries("models/manifest.json") }
    static func zooAEntries() throws -> [Entry] { try entries("zoo-a/manifest.json") }
}

/// Builds `fixture`'s network from its checkpoint in `dir` and checks it against the recorded PyTorch
/// output with im2col and with Winograd (``expectParity(_:_:_:_:sourceLocation:)``).
func checkParity(_ fixture: ModelFixtures.Entry, in dir: URL) throws {
    let dict = try loadStateDict(dir.appendingPathComponent(fixture.weights))
    let arch = try Architecture(named: fixture.arch)
    let net = try arch.build(configJSON: fixture.configJSON, stateDict: dict, name: fixture.weights, scale: fixture.scale)
    #expect(net.scale == fixture.scale)
    let x = try readNpy(dir.appendingPathComponent(fixture.input))
    let expected = try readNpy(dir.appendingPathComponent(fixture.output))
    expectParity(net, x, expected, fixture.name)
}
