import Foundation
import SISRCore
import Testing

@testable import SISRTraining
import TestSupport

/// The LCG test image of `Scripts/make_prepare_fixtures.py`.
func lcgImage(width: Int, height: Int, seed: UInt32) -> RGBImage {
    var s = seed
    var px = [UInt8](repeating: 0, count: width * height * 3)
    for i in px.indices {
        s = (s &* 1_103_515_245 &+ 12345) & 0x7FFF_FFFF
        px[i] = UInt8((s >> 16) & 0xFF)
    }
    return RGBImage(width: width, height: height, pixels: px)
}

@Suite("Training data preparation")
struct PrepareTests {
    /// Fixtures/prepare.json (Scripts/make_training_fixtures.py: Python SeededRandom, scipy, BasicSR).
    struct Reference: Decodable {
        struct Blur: Decodable { let width: Int, height: Int, seed: Int, sigma: Double, hwc: [Double] }
        struct Photo: Decodable {
            let width: Int, height: Int, seed: Int, longest_side: Int, out_width: Int, out_height: Int, hwc: [Int]
        }
        let subsets: [String: [String: String]]
        let kernels: [String: [Double]]
        let blur: Blur
        let photo: Photo
    }

    static func fixture() throws -> Reference { try fixtures.decode(Reference.self, "prepare.json") }

    @Test("quarter subsets match the documented Python SeededRandom, and the committed meta_info files")
    func subsets() throws {
        let ref = try Self.fixture().subsets
        for (seedText, hashes) in ref {
            let seed = UInt64(seedText)!
            for d in TrainingDataset.allCases {
                let text = TrainingDataset.metaInfo(d.quarterSubset(seed: seed))
                #expect(SHA256Hasher.hex(Array(text.utf8)) == hashes["quarter_\(d.rawValue)"], "\(d) seed \(seed)")
            }
        }
        let q = TrainingDataset.div2k.quarterSubset(seed: 0)
        #expect(q.count == 200 && Set(q).count == 200 && q == q.sorted() && Set(q).isSubset(of: TrainingDataset.div2k.imageNames))
        #expect(TrainingDataset.flickr2k.quarterSubset(seed: 0).count == 650 && TrainingDataset.flickr2k.imageNames.last == "002650.png")
        #expect(TrainingDataset.div2k.quarterSubset(seed: 1) != q)
        for (name, text) in TrainingDataset.metaInfoFiles(seed: 0) {
            let committed = try String(
                contentsOf: repositoryRoot.appendingPathComponent("manifests/training/meta_info/\(name)"), encoding: .utf8)
            #expect(committed == text, "\(name) differs from `sisr prepare subsets`")
        }
    }

    @Test("own exp is within 2 ulp of libm on the kernel's range")
    func ownExp() {
        var worst = 0.0
        var x = -40.0
        while x <= 0 {
            let a = GaussianBlur.exp(x), b = Foundation.exp(x)
            worst = max(worst, abs(a - b) / b.ulp)
            x += 0.0137
        }
        #expect(worst <= 2, "max \(worst) ulp")
        #expect(GaussianBlur.exp(0) == 1 && GaussianBlur.exp(-800) == 0)
    }

    @Test("Gaussian kernels and blur match scipy.ndimage (reflect, truncate 4)")
    func blur() throws {
        let reference = try Self.fixture()
        let kernels = reference.kernels
        for (sigma, ref) in kernels {
            let k = GaussianBlur.kernel(sigma: Double(sigma)!)
            #expect(k.count == ref.count)
            for (a, b) in zip(k, ref) { #expect(abs(a - b) < 1e-15, "sigma \(sigma)") }
        }
        let b = reference.blur
        let (w, h) = (b.width, b.height)
        let img = lcgImage(width: w, height: h, seed: UInt32(b.seed))
        let out = GaussianBlur.blur(img.planarDoubles, channels: 3, width: w, height: h, sigma: b.sigma)
        let ref = b.hwc
        var worst = 0.0
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 { worst = max(worst, abs(out[(c * h + y) * w + x] - ref[(y * w + x) * 3 + c])) }
            }
        }
        #expect(worst < 1e-13)
    }

    @Test("a prepared photo equals scipy blur + BasicSR imresize (no antialiasing) to the last uint8")
    func photo() throws {
        let p = try Self.fixture().photo
        let img = lcgImage(width: p.width, height: p.height, seed: UInt32(p.seed))
        let job = PhotoPreparation(longestSide: p.longest_side)
        let (out, sigma) = job.prepare(img)
        #expect(sigma == 0.75)
        #expect(out.width == p.out_width && out.height == p.out_height)
        let ref = p.hwc.map(UInt8.init)
        let same = zip(out.pixels, ref).filter { $0 == $1 }.count
        #expect(same == ref.count, "\(ref.count - same) of \(ref.count) values differ")
        #expect(PhotoPreparation().outputSize(width: 4000, height: 3000) == (960, 720))
        #expect(PhotoPreparation().outputSize(width: 1000, height: 3001) == (320, 960))
    }

    @Test("photos: the output and manifest are byte-identical for 1 and 2 threads; small photos are skipped")
    func photosFolder() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for (i, (w, h)) in [(50, 37), (20, 60), (16, 10)].enumerated() {
            try AtomicFile.write(PNG.encode(lcgImage(width: w, height: h, seed: UInt32(i + 1))), to: input.appendingPathComponent("p\(i).png"))
        }
        let job = PhotoPreparation(longestSide: 16)
        let r1 = try job.run(input: input, output: dir.appendingPathComponent("a"), threads: 1)
        _ = try job.run(input: input, output: dir.appendingPathComponent("b"), threads: 2)
        #expect(r1.prepared == 2 && r1.skipped == 1)
        for name in ["p0.png", "p1.png", "photos.json"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("a/\(name)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("b/\(name)"))
            #expect(a == b, "\(name)")
        }
        let manifestURL = dir.appendingPathComponent("a/photos.json")
        let manifest = try CanonicalJSON.decode(JSONValue.self, from: [UInt8](Data(contentsOf: manifestURL)), path: manifestURL.path)
        let images = try #require(manifest["images"]?.arrayValue)
        try #require(images.count == 3)
        #expect(images.map { $0["source"]?.stringValue } == ["p0.png", "p1.png", "p2.png"])
        let src = try Data(contentsOf: input.appendingPathComponent("p1.png"))
        #expect(images[1]["source_sha256"]?.stringValue == SHA256Hasher.hex(src))
        let out = try Data(contentsOf: dir.appendingPathComponent("a/p1.png"))
        #expect(images[1]["output_sha256"]?.stringValue == SHA256Hasher.hex(out))
        #expect(images[1]["size"]?.arrayValue?.map(\.intValue) == [5, 16] && images[2]["skipped"] != nil)
    }

    @Test("LR folders: BasicSR names, HR cropped to the scales' lcm (else copied), LR = the builder's degrade")
    func lrFolders() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let hr = dir.appendingPathComponent("hr")
        try FileManager.default.createDirectory(at: hr, withIntermediateDirectories: true)
        let even = lcgImage(width: 24, height: 16, seed: 3), odd = lcgImage(width: 27, height: 18, seed: 4)
        let evenPNG = PNG.encode(even)
        try AtomicFile.write(evenPNG, to: hr.appendingPathComponent("0001.png"))
        try AtomicFile.write(PNG.encode(odd), to: hr.appendingPathComponent("0002.png"))
        let job = LRFolders(name: "DIV2K_train", scales: [2, 4])
        #expect(job.modulus == 4)
        #expect(try job.run(hrDir: hr, out: dir.appendingPathComponent("o1"), threads: 1) == 2)
        _ = try job.run(hrDir: hr, out: dir.appendingPathComponent("o2"), threads: 2)
        let o = dir.appendingPathComponent("o1")
        #expect(try Data(contentsOf: o.appendingPathComponent("DIV2K_train_HR/0001.png")) == Data(evenPNG))
        let cropped = try PNG.read(o.appendingPathComponent("DIV2K_train_HR/0002.png"))
        #expect(cropped == odd.cropped(x: 0, y: 0, width: 24, height: 16))
        for s in [2, 4] {
            let lr = try PNG.read(o.appendingPathComponent("DIV2K_train_LR_bicubic/X\(s)/0002x\(s).png"))
            #expect(try lr == degrade(cropped, scale: s) && lr.width * s == cropped.width && lr.height * s == cropped.height)
            for f in ["0001x\(s).png", "0002x\(s).png"] {
                let path = "DIV2K_train_LR_bicubic/X\(s)/\(f)"
                #expect(try Data(contentsOf: o.appendingPathComponent(path)) == Data(contentsOf: dir.appendingPathComponent("o2/\(path)")))
            }
        }
        let tiny = dir.appendingPathComponent("tiny")
        try AtomicFile.write(PNG.encode(lcgImage(width: 3, height: 5, seed: 1)), to: tiny.appendingPathComponent("t.png"))
        #expect(throws: SISRError.corrupt(path: "t.png", problem: "3x5 is smaller than 4 px")) {
            try job.run(hrDir: tiny, out: dir.appendingPathComponent("o3"), threads: 1)
        }
        #expect(throws: SISRError.self) { try job.run(hrDir: o.appendingPathComponent("DIV2K_train_HR"), out: o, threads: 1) }
    }
}
