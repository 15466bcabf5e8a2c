import Foundation
import SISRCore
import SRModels
import Testing
import TestSupport

@Suite("NCSR flow: reference parity and seeded sampling")
struct NCSRParityTests {
    var entry: ModelFixtures.Entry { get throws { try #require(try PretrainedFixtures.entries("ncsr.json").first) } }
    static var dir: URL { PretrainedFixtures.dir }

    func network(_ extra: [String: JSONValue] = [:]) throws -> NCSR {
        let entry = try entry
        guard case var .object(config) = entry.config else { throw SISRError.corrupt(path: entry.name, problem: "config is not an object") }
        for (k, v) in extra { config[k] = v }
        let net = try Architecture.ncsr.build(
            configJSON: Data(CanonicalJSON.encode(JSONValue.object(config))),
            stateDict: loadStateDict(Self.dir.appendingPathComponent(entry.weights)), name: entry.weights)
        return try #require(net as? NCSR)
    }

    @Test("the sample matches the reference given the same latent noise")
    func parity() throws {
        let net = try network()
        let x = try readNpy(Self.dir.appendingPathComponent("ncsr_in.npy"))
        let expected = try readNpy(Self.dir.appendingPathComponent("ncsr_out.npy"))
        var noise: [String: Tensor] = [:]
        for k in ["z", "split1", "split2"] { noise[k] = try readNpy(Self.dir.appendingPathComponent("ncsr_noise_\(k).npy")) }
        let (_, _, h, w) = x.nchw
        let padded = reflectPadBottomRight(x, bottom: h % 2, right: w % 2)
        for variant in convolutionVariants() {
            let y = variant.settings.run {
                cropTopLeft(net.sample(padded, noise: FlowNoise(.explicit(noise))), height: 4 * h, width: 4 * w)
            }
            try #require(y.shape == expected.shape)
            let raw = zip(y.data, expected.data).map { abs($0 - $1) }.max() ?? 0
            #expect(raw <= 1e-4, "\(variant.label): max abs error \(raw) before clamping")
            expectParity(y, expected, "NCSR sample (\(variant.label))")
        }
    }

    @Test("sizes are inferred from the checkpoint")
    func inferred() throws {
        let config = try #require(
            try Architecture.ncsr.resolveConfig(
                configJSON: try entry.configJSON, stateDict: loadStateDict(Self.dir.appendingPathComponent(try entry.weights)),
                scale: nil) as? NCSRConfig)
        #expect(config.nf == 2 && config.nb == 2 && config.gc == 2 && config.K == 1 && config.L == 3)
        #expect(config.additionalFlowNoAffine == 1 && config.hiddenChannels == 2 && config.stdChannels == 3)
    }

    @Test("heat 0 is the deterministic mean; a seed gives the same bytes every time, another seed others")
    func seededSampling() throws {
        let x = try readNpy(Self.dir.appendingPathComponent("ncsr_in.npy"))
        let (_, _, h, w) = x.nchw
        let mean = try network(["heat": .int(0)])
        let padded = reflectPadBottomRight(x, bottom: h % 2, right: w % 2)
        let zero = cropTopLeft(mean.sample(padded, noise: FlowNoise(.seeded(seed: 5, heat: 0))), height: 4 * h, width: 4 * w)
        #expect(mean(x) == zero.map { (min(max($0, 0), 1) * 255).rounded(.down) / 255 })
        let a = try network(["heat": .double(0.7), "seed": .int(3)]), b = try network(["heat": .double(0.7), "seed": .int(4)])
        #expect(a(x) == a(x))
        #expect(a(x) != b(x))
        #expect(a(x) != mean(x))
    }
}
