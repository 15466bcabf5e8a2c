import Foundation
import SRModels
import Testing

@Suite("PyTorch parity of the CNN architectures")
struct ParityTests {
    @Test("matches the PyTorch output", arguments: Fixtures.modelFixtures)
    func parity(_ fixture: Fixtures.ModelFixture) throws {
        let dir = Fixtures.models
        let dict = try loadStateDict(dir.appendingPathComponent(fixture.weights))
        let arch = try Architecture(named: fixture.arch)
        let net = try arch.build(configJSON: fixture.configJSON, stateDict: dict, name: fixture.weights, scale: fixture.scale)
        #expect(net.scale == fixture.scale)
        let x = try readNpy(dir.appendingPathComponent(fixture.input))
        let expected = try readNpy(dir.appendingPathComponent(fixture.output))
        // Every 3x3 convolution by im2col, then every one by Winograd (the fixtures are narrower than
        // the default Winograd threshold).
        for minChannels in [Int.max, 1] {
            let y = EngineSettings.current.with(winogradMinInputChannels: minChannels).run { net(x) }
            try #require(y.shape == expected.shape)
            let stats = ParityStats(y, expected)
            #expect(stats.maxAbs <= 1e-4, "max abs error \(stats.maxAbs) (Winograd from \(minChannels) channels)")
            #expect(stats.equalFraction >= 0.999, "uint8 agreement \(stats.equalFraction)")
            #expect(stats.maxByteDiff <= 1)
        }
    }

    @Test("sizes are inferred from the checkpoint, not taken from defaults")
    func inferredSizes() throws {
        let dict = try loadStateDict(Fixtures.models.appendingPathComponent("rcan_x4_official.pth"))
        let config = try #require(try Architecture.rcan.resolveConfig(configJSON: nil, stateDict: dict, scale: nil) as? RCANConfig)
        #expect(config.numFeat == 16 && config.numGroup == 3 && config.numBlock == 2 && config.squeezeFactor == 4)
        #expect(config.upscale == 4)
        let rdn = try #require(
            try Architecture.rdn.resolveConfig(
                configJSON: nil, stateDict: loadStateDict(Fixtures.models.appendingPathComponent("rdn_x3.pth")), scale: nil)
                as? RDNConfig)
        #expect(rdn.numFeat == 8 && rdn.numBlock == 2 && rdn.numLayer == 3 && rdn.numGrowCh == 6 && rdn.upscale == 3)
        let rrdb = try #require(
            try Architecture.rrdbnet.resolveConfig(
                configJSON: nil, stateDict: loadStateDict(Fixtures.models.appendingPathComponent("rrdbnet_x4_old.pth")),
                scale: nil) as? RRDBNetConfig)
        #expect(rrdb.numFeat == 8 && rrdb.numBlock == 2 && rrdb.numGrowCh == 4 && rrdb.scale == 4)
    }

    @Test("the official and BasicSR key layouts load to the same network")
    func layoutsAgree() throws {
        for (official, basic) in [("rcan_x4_official.pth", "rcan_x4_official_basicsr.pth"), ("rrdbnet_x4.pth", "rrdbnet_x4_basicsr.pth")] {
            let a = try loadStateDict(Fixtures.models.appendingPathComponent(official))
            let b = try loadStateDict(Fixtures.models.appendingPathComponent(basic))
            let arch: Architecture = official.hasPrefix("rcan") ? .rcan : .rrdbnet
            #expect(KeyLayout.detect(a, for: arch) != .basicSR)
            #expect(KeyLayout.detect(a, for: arch).toBasicSR(a) == b)
        }
    }
}
