import DatasetBuilder
import Foundation
import SISRCore

/// A small, fast build through the real builder: 10 procedural 48x32 images, the four classical x2
/// and x4 models, 6 samples a shard.
public func smallOptions(keepReference: Bool = false) -> BuildOptions {
    var o = BuildOptions()
    o.images = .procedural(seed: 3, count: 10, width: 48, height: 32)
    o.models = ["Nearest-NA-x2-NA-NA", "Bicubic-NA-x2-NA-NA", "Bilinear-NA-x4-NA-NA", "Lanczos3-NA-x4-NA-NA"]
    o.samplesPerShard = 6
    o.keepReference = keepReference
    return o
}

/// Runs the builder on `o` into `dir` (the plan made once, as `sisr build` does).
@discardableResult
public func runBuild(_ o: BuildOptions, into dir: URL, threads: Int = 1, worker: Int = 0, workers: Int = 1,
                       force: Bool = false) throws -> BuildReport {
    var run = RunOptions(outDirectory: dir)
    run.threads = threads
    run.worker = worker
    run.workers = workers
    run.force = force
    return try DatasetBuilder.execute(BuildPlan.make(o), options: o, run: run)
}

/// Every regular file below `dir` (relative path -> SHA-256), including hidden ones.
public func snapshot(_ dir: URL) throws -> [String: String] {
    var out = [String: String]()
    guard let e = FileManager.default.enumerator(atPath: dir.path) else {
        throw SISRError.io(path: dir.path, problem: "cannot list the folder")
    }
    for case let rel as String in e {
        var isDir: ObjCBool = false
        let u = dir.appendingPathComponent(rel)
        if FileManager.default.fileExists(atPath: u.path, isDirectory: &isDir), !isDir.boolValue {
            out[rel] = try SHA256Hasher.hex(file: u)
        }
    }
    return out
}

/// A small corpus in the paper's layout at `root`: HR images `im1...imN` (32x24, procedural), one
/// model folder `Nearest-NA-x2-NA-NA` holding `output(i, hr)` for each, and the three split files.
public func writeCorpus(_ root: URL, images: Int, seed: UInt64, splits: [(String, String)],
                        output: (Int, RGBImage) -> RGBImage) throws {
    for i in 1...images {
        let hr = Procedural.image(seed: seed, index: i, width: 32, height: 24)
        try PNG.write(hr, to: root.appendingPathComponent("HR-HR-HR-HR-HR/im\(i).png"))
        try PNG.write(output(i, hr), to: root.appendingPathComponent("Nearest-NA-x2-NA-NA/im\(i).png"))
    }
    for (split, ids) in splits { try Data(ids.utf8).write(to: root.appendingPathComponent("\(split)-split.txt")) }
}

/// Small releases through the real builder that a suite builds once and shares: classical upsamplers
/// over procedural images, with protocol files beside them.
public enum SharedRelease {
    /// The four classical upsamplers of the demo zoo that the baseline tests use.
    public static let upsamplers = ["Nearest-NA-x2-NA-NA", "Nearest-NA-x4-NA-NA", "Bicubic-NA-x2-NA-NA", "Bicubic-NA-x4-NA-NA"]

    /// An attribution protocol over the demo family (label `model`), as a JSON document.
    public static func attribution(_ name: String) -> String {
        #"{"name":"\#(name)","description":"","models":{"family":["demo"]},"label":"model"}"#
    }

    /// Builds `models` over `count` procedural `width` x `height` images (seed `seed`, the default
    /// 80/10/10 split) with 2 threads into `<dir>/release` of a fresh temporary folder `dir`, writes
    /// each of `protocols` (name -> JSON) as `<dir>/<protocolFolder>/<name>.json`, and returns `dir`.
    public static func build(_ tag: String, seed: UInt64, count: Int, width: Int, height: Int, models: [String] = upsamplers,
                             protocols: [String: String], protocolFolder: String = "") throws -> URL {
        let dir = try TempDir("sisr-\(tag)").url
        var options = BuildOptions()
        options.images = .procedural(seed: seed, count: count, width: width, height: height)
        options.models = models
        try runBuild(options, into: dir.appendingPathComponent("release"), threads: 2)
        let folder = protocolFolder.isEmpty ? dir : dir.appendingPathComponent(protocolFolder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, json) in protocols { try Data(json.utf8).write(to: folder.appendingPathComponent("\(name).json")) }
        return dir
    }
}
