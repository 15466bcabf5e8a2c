import DatasetBuilder
import Foundation
import SISRCore
import SRModels
import Testing
import TestSupport

@Suite struct ClassicalUpsamplerTests {
    struct Fixture: Decodable {
        struct Img: Decodable { let width: Int; let height: Int; let pixels: [UInt8] }
        struct Case: Decodable { let method: String; let scale: Int; let width: Int; let height: Int; let pixels: [UInt8] }
        let input: Img
        let cases: [Case]
    }

    /// Nearest (numpy.repeat), bilinear (torch interpolate, align_corners=False) and Lanczos-3 (numpy,
    /// from the definition) references from Scripts/make_classical_fixtures.py.
    @Test func matchesIndependentReferences() throws {
        let f = try fixtures.decode(Fixture.self, "classical.json")
        let input = RGBImage(width: f.input.width, height: f.input.height, pixels: f.input.pixels)
        #expect(f.cases.count == 6)
        for c in f.cases {
            let method = try #require(ClassicalUpsampler(rawValue: c.method))
            let out = method.upscale(input, scale: c.scale)
            #expect(out.width == c.width && out.height == c.height)
            let diff = zip(out.pixels, c.pixels).filter { $0 != $1 }.count
            #expect(diff == 0, "\(c.method) x\(c.scale): \(diff) of \(c.pixels.count) values differ")
        }
    }

    @Test func bicubicUpscaleIsMatlabResize() {
        let img = Procedural.image(seed: 1, index: 2, width: 20, height: 16)
        #expect(ClassicalUpsampler.bicubic.upscale(img, scale: 2) == MatlabResize.resize(img, scale: 2))
        // A flat image stays flat under every method.
        let flat = RGBImage(width: 5, height: 4, pixels: [UInt8](repeating: 77, count: 60))
        for m in ClassicalUpsampler.allCases {
            #expect(m.upscale(flat, scale: 4).pixels.allSatisfy { $0 == 77 }, "\(m)")
        }
    }

    /// Every runnable model of the paper zoo has a configuration SRModels accepts.
    @Test func paperZooConfigsAreAcceptedBySRModels() throws {
        let bytes = [UInt8](try Data(contentsOf: repositoryRoot.appendingPathComponent("manifests/zoo.json")))
        let zoo = try CanonicalJSON.decode(Zoo.self, from: bytes, path: "zoo.json")
        var checked = 0
        for m in zoo.models where m.runnable {
            let json = Data(try CanonicalJSON.encode(JSONValue.object(m.architecture.config)))
            let c = try Architecture(named: m.architecture.engine).resolveConfig(configJSON: json, stateDict: nil, scale: nil)
            #expect(c.upscaleFactor == m.scale, "\(m.name)")
            checked += 1
        }
        #expect(checked == 194 + 6 + 5)  // + SRFBN x2/x4, SAN, DRN, LIIF x2/x4; proSR x2, EnhanceNet, SPSR, NCSR
    }
}
