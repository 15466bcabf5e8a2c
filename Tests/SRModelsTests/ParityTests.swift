import Foundation
import SRModels
import Testing

@Suite("PyTorch parity of the CNN architectures")
struct ParityTests {
    @Test("matches the PyTorch output", arguments: try ModelFixtures.cnn())
    func parity(_ fixture: ModelFixtures.Entry) throws {
        try checkParity(fixture, in: ModelFixtures.models)
    }

    @Test("sizes are inferred from the checkpoint, not taken from defaults")
    func inferredSizes() throws {
        let dict = try loadStateDict(ModelFixtures.models.appendingPathComponent("rcan_x4_official.pth"))
        let config = try #require(try Architecture.rcan.resolveConfig(configJSON: nil, stateDict: dict, scale: nil) as? RCANConfig)
        #expect(config.numFeat == 16 && config.numGroup == 3 && config.numBlock == 2 && config.squeezeFactor == 4)
        #expect(config.upscale == 4)
        let rdn = try #require(
            try Architecture.rdn.resolveConfig(
                configJSON: nil, stateDict: loadStateDict(ModelFixtures.models.appendingPathComponent("rdn_x3.pth")), scale: nil)
                as? RDNConfig)
        #expect(rdn.numFeat == 8 && rdn.numBlock == 2 && rdn.numLayer == 3 && rdn.numGrowCh == 6 && rdn.upscale == 3)
        let rrdb = try #require(
            try Architecture.rrdbnet.resolveConfig(
                configJSON: nil, stateDict: loadStateDict(ModelFixtures.models.appendingPathComponent("rrdbnet_x4_old.pth")),
                scale: nil) as? RRDBNetConfig)
        #expect(rrdb.numFeat == 8 && rrdb.numBlock == 2 && rrdb.numGrowCh == 4 && rrdb.scale == 4)
    }

    @Test("the official and BasicSR key layouts load to the same network")
    func layoutsAgree() throws {
        for (official, basic) in [("rcan_x4_official.pth", "rcan_x4_official_basicsr.pth"), ("rrdbnet_x4.pth", "rrdbnet_x4_basicsr.pth")] {
            let a = try loadStateDict(ModelFixtures.models.appendingPathComponent(official))
            let b = try loadStateDict(ModelFixtures.models.appendingPathComponent(basic))
            let arch: Architecture = official.hasPrefix("rcan") ? .rcan : .rrdbnet
            #expect(KeyLayout.detect(a, for: arch) != .basicSR)
            #expect(KeyLayout.detect(a, for: arch).toBasicSR(a) == b)
        }
    }
}
