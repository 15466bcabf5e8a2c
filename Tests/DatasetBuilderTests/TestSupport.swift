import DatasetBuilder
import Foundation
import SISRCore

/// A fresh temporary folder, removed by `cleanup()`.
struct TempDir {
    let url: URL
    init(_ name: String = "t") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sisr-builder-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func sub(_ s: String) -> URL { url.appendingPathComponent(s) }
    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// A small, fast build: 10 procedural 48x32 images, the four classical x2 and x4 models.
func smallOptions(keepReference: Bool = false) -> BuildOptions {
    var o = BuildOptions()
    o.images = .procedural(seed: 3, count: 10, width: 48, height: 32)
    o.models = ["Nearest-NA-x2-NA-NA", "Bicubic-NA-x2-NA-NA", "Bilinear-NA-x4-NA-NA", "Lanczos3-NA-x4-NA-NA"]
    o.samplesPerShard = 6
    o.keepReference = keepReference
    return o
}

func runBuild(_ o: BuildOptions, into dir: URL, threads: Int = 1, worker: Int = 0, workers: Int = 1,
              force: Bool = false) throws -> BuildReport {
    var run = RunOptions(outDirectory: dir)
    run.threads = threads
    run.worker = worker
    run.workers = workers
    run.force = force
    return try DatasetBuilder.execute(BuildPlan.make(o), options: o, run: run)
}

/// Every regular file below `dir` (relative path -> SHA-256), including hidden ones.
func snapshot(_ dir: URL) -> [String: String] {
    var out = [String: String]()
    let e = FileManager.default.enumerator(atPath: dir.path)!
    for case let rel as String in e {
        var isDir: ObjCBool = false
        let u = dir.appendingPathComponent(rel)
        if FileManager.default.fileExists(atPath: u.path, isDirectory: &isDir), !isDir.boolValue {
            out[rel] = try? SHA256Hasher.hex(file: u)
        }
    }
    return out
}

/// The repository root (three levels above this file).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
