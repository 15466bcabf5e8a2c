import Foundation

/// What a folder given as a release is, before `Release.open` reads it, so that a wrong path or
/// an unfinished build gets a message that says so (instead of "manifest.json: file not found").
public enum ReleaseFolder {
    /// The folder a build in progress keeps its plan and finished-shard markers in
    /// (`plan.json`, `done/<shard>.json`); removed when the release is finalized.
    public static let buildStateDirectory = ".sisr-build"

    /// Throws a `SISRError` describing why `url` holds no finished release; returns when
    /// `manifest.json` exists.
    public static func check(_ url: URL) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw SISRError.io(path: url.path, problem: "no such folder (expected a release folder with manifest.json)")
        }
        guard isDir.boolValue else {
            throw SISRError.io(path: url.path, problem: "is a file, not a release folder")
        }
        if fm.fileExists(atPath: url.appendingPathComponent("manifest.json").path) { return }
        if let progress = buildProgress(url) {
            let where_ = "--out \(url.path)"
            if progress.total > 0 && progress.done >= progress.total {
                throw SISRError.io(path: url.path, problem: "unfinished build: all \(progress.total) shards are done but the release was not finalized; run `sisr build --finalize \(where_)`")
            }
            throw SISRError.io(path: url.path, problem: "unfinished build, \(progress.done) of \(progress.total) shards done; rerun the same command (same options, \(where_)) to finish it, or `sisr build --finalize \(where_)` once every worker is done")
        }
        throw SISRError.io(path: url.appendingPathComponent("manifest.json").path, problem: "file not found: \(url.path) is not a SISR release folder")
    }

    /// Shards planned and finished by a build in progress in `url`, or nil when there is none.
    public static func buildProgress(_ url: URL) -> (done: Int, total: Int)? {
        let state = url.appendingPathComponent(buildStateDirectory)
        guard let data = FileManager.default.contents(atPath: state.appendingPathComponent("plan.json").path) else { return nil }
        let plan = try? JSONDecoder().decode(JSONValue.self, from: data)
        let total = plan?["shards"]?.arrayValue?.count ?? 0
        let done = ((try? FileManager.default.contentsOfDirectory(atPath: state.appendingPathComponent("done").path)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.count
        return (done, total)
    }
}
