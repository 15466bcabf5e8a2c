import Foundation
import SISRCore

/// `Release.open` on a release folder whose `manifest.json` and `index.jsonl` come from the input
/// (split at the first NUL byte); `zoo.json`, `splits.json` and `images.json` are read from the
/// seed release beside the corpus (`SISR_FUZZ_RELEASE`), so the manifest's checks can pass.
enum ReleaseHarness {
    static let dir: URL = {
        let d = scratchFolder("release")
        if let seed = ProcessInfo.processInfo.environment["SISR_FUZZ_RELEASE"] {
            for f in ["zoo.json", "splits.json", "images.json"] {
                try? FileManager.default.removeItem(at: d.appendingPathComponent(f))
                try? FileManager.default.copyItem(at: URL(fileURLWithPath: seed).appendingPathComponent(f), to: d.appendingPathComponent(f))
            }
        }
        return d
    }()

    static func run(_ data: [UInt8]) {
        let cut = data.firstIndex(of: 0) ?? data.count
        let manifest = Data(data[..<cut]), index = Data(cut < data.count ? data[(cut + 1)...] : [])
        guard (try? manifest.write(to: dir.appendingPathComponent("manifest.json"))) != nil,
              (try? index.write(to: dir.appendingPathComponent("index.jsonl"))) != nil else { return }
        _ = try? Release.open(dir, checkHashes: false)
    }
}
