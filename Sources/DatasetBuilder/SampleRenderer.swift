import Foundation
import SISRCore
import SRModels

/// Time spent per pipeline stage, summed over threads (seconds).
public struct StageTimes: Sendable, Equatable {
    public var source = 0.0, lr = 0.0, sr = 0.0, png = 0.0, hash = 0.0, tar = 0.0, zstd = 0.0, io = 0.0
    public init() {}
    public static func + (a: StageTimes, b: StageTimes) -> StageTimes {
        var r = a
        r.source += b.source; r.lr += b.lr; r.sr += b.sr; r.png += b.png; r.hash += b.hash
        r.tar += b.tar; r.zstd += b.zstd; r.io += b.io
        return r
    }
    /// Stage name and seconds, in pipeline order.
    public var named: [(String, Double)] {
        [("source", source), ("LR", lr), ("SR", sr), ("PNG", png), ("hash+PSNR", hash), ("tar", tar), ("zstd", zstd), ("I/O", io)]
    }
}

/// A rendered sample: its tar members and their zstd frames, and its index record (offsets filled
/// in by the shard writer). Framing and compressing run on the sample's worker, not on the thread
/// that writes the shards.
public struct RenderedSample: Sendable {
    public var segment: FramedShard.Segment
    public var record: SampleRecord
}

@inline(__always) func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
}

/// PSNR in dB of two equal-size RGB8 images over all pixels and channels; 100 when identical
/// (JSON has no infinity); rounded to 4 decimals.
public func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
    precondition(a.width == b.width && a.height == b.height)
    var sse: UInt64 = 0
    for i in 0..<a.pixels.count {
        let d = Int(a.pixels[i]) - Int(b.pixels[i])
        sse &+= UInt64(d * d)
    }
    if sse == 0 { return 100 }
    let mse = Double(sse) / Double(a.pixels.count)
    return min(100, (10 * log10(255 * 255 / mse) * 10000).rounded() / 10000)
}

/// Runs the per-sample pipeline: HR -> degrade -> model -> PNG (+ PSNR against the modcropped HR).
struct SampleRenderer: Sendable {
    let plan: BuildPlan
    let images: ImageSource
    let models: ModelCache
    /// The imported corpus (import mode): HR images and model outputs are read from it.
    let corpus: ImportCorpus?
    let cache = ImageCache(budgetBytes: 256 << 20)
    let imagesByID: [String: ImageRecord]
    let labelsByModel: [String: Labels]

    init(plan: BuildPlan, images: ImageSource, models: ModelCache, corpus: ImportCorpus?) {
        self.plan = plan
        self.images = images
        self.models = models
        self.corpus = corpus
        imagesByID = Dictionary(plan.images.images.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var labels = plan.referenceLabels
        for m in plan.zoo.models { labels[m.name] = m.labels }
        labelsByModel = labels
    }

    func render(_ s: PlannedSample, split: String, times: inout StageTimes) throws -> RenderedSample {
        guard let record = imagesByID[s.image] else {
            throw SISRError.invalidArgument("plan refers to unknown image \(s.image)")
        }
        var hr = RGBImage(width: 1, height: 1)
        times.source += try seconds {
            hr = try cache.image("hr|" + s.image) { try corpus.map { try PaperCorpus.loadHR($0, record) } ?? images.load(record) }
        }
        let labels: Labels
        switch s.kind {
        case let .model(name), let .imported(name): labels = labelsByModel[name]!
        case .hr: labels = labelsByModel[BuildPlan.hrModel]!
        case let .lr(scale): labels = labelsByModel[BuildPlan.lrModel(scale)]!
        }
        var out = hr
        var quality: Double? = nil
        switch s.kind {
        case .hr:
            break
        case let .lr(scale):
            times.lr += try seconds { out = try cache.image("lr\(scale)|" + s.image) { try degrade(hr, scale: scale, name: "image \(s.image)") } }
        case let .model(name):
            let net = try models.resolver(name)
            var lr = hr
            times.lr += try seconds { lr = try cache.image("lr\(net.scale)|" + s.image) { try degrade(hr, scale: net.scale, name: "image \(s.image)") } }
            times.sr += try seconds { out = try net.upscale(lr) }
            let target = hr.modcropped(to: net.scale)
            guard out.width == target.width, out.height == target.height else {
                throw SISRError.invalidArgument("model \(name) made \(out.width)x\(out.height) from \(lr.width)x\(lr.height), expected \(target.width)x\(target.height)")
            }
            times.hash += seconds { quality = psnr(out, target) }
        case let .imported(name):
            guard let corpus else { throw SISRError.invalidArgument("sample \(s.key) needs the imported corpus") }
            times.source += try seconds { out = try corpus.readImage(name + "/" + record.origin) }
            let scale = labelsByModel[name]?.scaleFactor ?? 1
            let target = hr.modcropped(to: scale)
            if out.width == target.width && out.height == target.height {
                times.hash += seconds { quality = psnr(out, target) }
            }
        }
        var png = [UInt8]()
        times.png += seconds { png = BandedPNG.encode(out, bandRows: plan.rowsPerBand) }
        var pngHash = "", pixelHash = ""
        times.hash += seconds {
            pngHash = SHA256Hasher.hex(png)
            pixelHash = out.pixelSHA256
        }
        let rec = SampleRecord(key: s.key, model: labels.model, image: s.image, split: split, labels: labels,
                               width: out.width, height: out.height, psnr: quality, shard: -1, pngOffset: 0, pngSize: png.count,
                               jsonOffset: 0, jsonSize: 0, pngSHA256: pngHash, pixelSHA256: pixelHash)
        let json = try CanonicalJSON.encode(rec.member)
        var segment: FramedShard.Segment?
        times.zstd += try seconds {
            segment = try FramedShard.segment(.init(key: s.key, png: png, json: json), level: plan.zstdLevel,
                                              frames: .perBand, bandRows: plan.rowsPerBand)
        }
        return RenderedSample(segment: segment!, record: rec)
    }
}

/// HR and LR images shared between the samples of a build (first in, first out within a byte budget).
/// Only saves time: a value is the same whether it comes from the cache or is recomputed.
final class ImageCache: @unchecked Sendable {
    private var images = [String: RGBImage]()
    private var order = [String]()
    private var bytes = 0
    private let budget: Int
    private let lock = NSLock()

    init(budgetBytes: Int) { budget = budgetBytes }

    func image(_ key: String, make: () throws -> RGBImage) throws -> RGBImage {
        lock.lock()
        if let img = images[key] { lock.unlock(); return img }
        lock.unlock()
        let img = try make()
        lock.lock()
        defer { lock.unlock() }
        if images[key] == nil, img.pixels.count <= budget {
            images[key] = img
            order.append(key)
            bytes += img.pixels.count
            while bytes > budget, let old = order.first {
                order.removeFirst()
                bytes -= images.removeValue(forKey: old)?.pixels.count ?? 0
            }
        }
        return img
    }
}

/// Builds each model's network once, on first use, shared by all threads.
final class ModelCache: @unchecked Sendable {
    private let zoo: [String: ZooEntry]
    private let factory: ModelFactory
    private var made = [String: any SuperResolver]()
    private let lock = NSLock()

    init(zoo: Zoo, factory: ModelFactory) {
        self.zoo = Dictionary(zoo.models.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.factory = factory
    }

    func resolver(_ name: String) throws -> any SuperResolver {
        lock.lock()
        defer { lock.unlock() }
        if let r = made[name] { return r }
        guard let e = zoo[name] else { throw SISRError.invalidArgument("model \(name) is not in the plan's zoo") }
        let r = try factory.make(e)
        made[name] = r
        return r
    }
}
