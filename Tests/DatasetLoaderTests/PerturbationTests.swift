import Foundation
import SISRCore
import Testing
import TestSupport
@testable import DatasetLoader

/// Test-time perturbations against independent references (Fixtures/perturb, made by
/// Scripts/make_perturbation_fixtures.py with Pillow, OpenCV and NumPy), their draws, and the loader.
@Suite struct PerturbationTests {
    struct Case: Decodable {
        let `case`: String
        let image: String
        let kind: String
        let value: Double
        let jpeg: String?
        let stream: [String]?
        let box: [Int]?

        enum CodingKeys: String, CodingKey { case `case`, image, kind, value, jpeg, stream, box }
        init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            `case` = try c.decode(String.self, forKey: .case)
            image = try c.decode(String.self, forKey: .image)
            kind = try c.decode(String.self, forKey: .kind)
            value = try c.decode(Double.self, forKey: .value)
            jpeg = try c.decodeIfPresent(String.self, forKey: .jpeg)
            box = try c.decodeIfPresent([Int].self, forKey: .box)
            // ["7", "fixture", key] with the seed as a JSON number
            if var s = try? c.nestedUnkeyedContainer(forKey: .stream) {
                var out = [String]()
                out.append(String(try s.decode(Int.self)))
                while !s.isAtEnd { out.append(try s.decode(String.self)) }
                stream = out
            } else { stream = nil }
        }
    }
    struct Draw: Decodable { let kind: String; let value: Double; let next: UInt64 }
    struct Doc: Decodable { let cases: [Case]; let spec: PerturbationSpec; let draws: [String: [Draw]] }

    static let folder = fixtures.folder("perturb")
    static let dir: URL = folder.root
    /// The fixture document (throws naming the file when it is missing or malformed).
    static func doc() throws -> Doc { try folder.decode(Doc.self, "perturb.json") }
    static func png(_ name: String) throws -> RGBImage { try PNG.read(dir.appendingPathComponent(name)) }

    static func ours(_ c: Case, _ input: RGBImage) throws -> RGBImage {
        let kind = try #require(PerturbationSpec.Kind(rawValue: c.kind))
        var rng = c.stream.map { SeededRandom(seed: UInt64($0[0])!, names: Array($0.dropFirst())) } ?? SeededRandom(seed: 0)
        return try ImagePerturbations.apply(kind, value: c.value, to: input, rng: &rng)
    }

    @Test(arguments: ["blur", "noise", "crop", "relight"])
    func pixelsEqualTheReference(kind: String) throws {
        let cases = try Self.doc().cases.filter { $0.kind == kind }
        #expect(cases.count >= 4)
        for c in cases {
            let input = try Self.png("input_\(c.image).png")
            let expected = try Self.png("\(c.case).png")
            let got = try Self.ours(c, input)
            let differing = zip(got.pixels, expected.pixels).filter { $0 != $1 }.count
            #expect(differing == 0, "\(c.case): \(differing) of \(got.pixels.count) values differ from the reference")
            if kind != "blur" || c.value > 1 { #expect(got != input, "\(c.case) left the image unchanged") }
        }
    }

    @Test func cropBoxIsTheDrawnOne() throws {
        for c in try Self.doc().cases where c.kind == "crop" {
            let input = try Self.png("input_\(c.image).png")
            let box = try #require(c.box)
            let expected = PillowResize.bicubic(input.cropped(x: box[0], y: box[1], width: box[2], height: box[3]),
                                                width: input.width, height: input.height)
            #expect(try Self.ours(c, input) == expected, "\(c.case)")
        }
    }

    /// Pillow's JPEG files decode to Pillow's pixels here, and our encoder writes Pillow's bytes.
    @Test func jpegMatchesPillow() throws {
        let cases = try Self.doc().cases.filter { $0.kind == "jpeg" }
        #expect(cases.count >= 6)
        for c in cases {
            let input = try Self.png("input_\(c.image).png")
            let pillowBytes = [UInt8](try Data(contentsOf: Self.dir.appendingPathComponent(try #require(c.jpeg))))
            let pillowPixels = try Self.png("\(c.case).png")
            #expect(try JPEG.decode(pillowBytes, name: c.case) == pillowPixels, "\(c.case): decoding Pillow's JPEG")
            let ours = try JPEG.encode(input, quality: Int(c.value))
            #expect(ours == pillowBytes, "\(c.case): JPEG bytes differ from Pillow's (\(ours.count) vs \(pillowBytes.count) bytes)")
            #expect(try JPEG.roundTrip(input, quality: Int(c.value)) == pillowPixels, "\(c.case): round trip")
        }
    }

    @Test func jpegRefusesBadInput() throws {
        #expect(throws: SISRError.self) { try JPEG.decode([0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3], name: "bad.jpg") }
        #expect(throws: SISRError.self) { try JPEG.encode(RGBImage(width: 2, height: 2), quality: 0) }
    }

    @Test func drawsEqualThePythonStream() throws {
        let doc = try Self.doc()
        for (key, expected) in doc.draws {
            let got = doc.spec.draw(key: key)
            #expect(got.map(\.kind.rawValue) == expected.map(\.kind), "\(key)")
            #expect(got.map(\.value) == expected.map(\.value), "\(key)")
            for (g, e) in zip(got, expected) {
                var r = g.rng
                #expect(r.next() == e.next, "\(key) \(g.kind)")
            }
        }
    }

    @Test func protocolFieldParsesAndValidates() throws {
        func load(_ perturbation: String) throws -> ExperimentProtocol {
            let text = #"{"name":"p","description":"","models":{},"label":"model","withheld":null,"perturbation":\#(perturbation)}"#
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("perturb-\(UUID().uuidString).json")
            try Data(text.utf8).write(to: url)
            return try ExperimentProtocol.load(url: url)
        }
        let p = try load(#"{"steps":[{"kind":"jpeg","quality":75},{"kind":"noise","variance":{"uniform":[5,20]},"probability":0.5}]}"#)
        #expect(p.perturbation == PerturbationSpec(seed: 0, splits: ["test"], steps: [
            .init(kind: .jpeg, strength: .fixed(75)), .init(kind: .noise, strength: .uniform(5, 20), probability: 0.5)]))
        #expect(p.perturbation!.summary == "jpeg quality 75; noise variance uniform 5...20 (p 0.5) on test, seed 0")
        for bad in [#"{"steps":[]}"#, #"{"steps":[{"kind":"jpeg","quality":101}]}"#, #"{"steps":[{"kind":"blur","kernel":4}]}"#,
                    #"{"steps":[{"kind":"blur","kernel":{"uniform":[1,9]}}]}"#, #"{"steps":[{"kind":"jpeg","quality":50,"probability":0}]}"#,
                    #"{"steps":[{"kind":"jpeg","kernel":3}]}"#, #"{"steps":[{"kind":"sharpen","amount":1}]}"#,
                    #"{"splits":["dev"],"steps":[{"kind":"jpeg","quality":50}]}"#, #"{"split":["train"],"steps":[{"kind":"jpeg","quality":50}]}"#, #"{"steps":[{"kind":"crop","fraction":0.9}]}"#] {
            #expect(throws: LoaderError.self, "\(bad)") { try load(bad) }
        }
    }

    /// The loader cuts its patches from the perturbed image, the same for any thread count; other
    /// splits are untouched; `SampleImages` applies the same perturbation.
    @Test func loaderAppliesThePerturbation() throws {
        let release = try Release.open(try TestRelease.make())
        let spec = PerturbationSpec(seed: 1, steps: [.init(kind: .jpeg, strength: .uniform(10, 75)),
                                                     .init(kind: .blur, strength: .choice([3, 5])),
                                                     .init(kind: .noise, strength: .fixed(9), probability: 0.5),
                                                     .init(kind: .crop, strength: .fixed(0.1)), .init(kind: .relight, strength: .fixed(0.3))])
        let plain = ExperimentProtocol(name: "p")
        var perturbed = plain
        perturbed.perturbation = spec
        func patches(_ proto: ExperimentProtocol, split: String, threads: Int) throws -> [String: [UInt8]] {
            let loader = try BatchLoader(release: release, protocol: proto, options: TestRelease.options {
                $0.split = split; $0.threads = threads; $0.layout = .uint8NHWC; $0.batchSize = 3
            })
            var out = [String: [UInt8]]()
            let stream = try loader.batches(epoch: 0)
            while let b = try stream.next() {
                for (i, k) in b.keys.enumerated() { out[k] = Array(b.bytes[(i * 32 * 32 * 3)..<((i + 1) * 32 * 32 * 3)]) }
            }
            return out
        }
        let one = try patches(perturbed, split: "test", threads: 1)
        #expect(try patches(perturbed, split: "test", threads: 3) == one)
        let clean = try patches(plain, split: "test", threads: 2)
        #expect(one.keys.sorted() == clean.keys.sorted())
        #expect(one.allSatisfy { clean[$0.key] != $0.value })
        #expect(try patches(perturbed, split: "train", threads: 2) == patches(plain, split: "train", threads: 2))
        // The same pixels through SampleImages (whole image) and the loader's center patch.
        let images = SampleImages(release: release, perturbation: spec)
        let sample = try #require(release.samples.first { $0.split == "test" })
        let whole = try images.image(of: sample)
        #expect(whole == (try spec.apply(to: try SampleImages(release: release).image(of: sample), key: sample.key)))
        let plan = try CropPlan.make(mode: .center, key: sample.key, width: whole.width, height: whole.height, patch: 32, seed: 0, epoch: 0, hflip: false)
        #expect(whole.cropped(x: plan.x, y: plan.y, width: 32, height: 32).pixels == one[sample.key])
    }
}
