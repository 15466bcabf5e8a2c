import Foundation
import SISRCore

/// The one way a `--zoo` value becomes a zoo, for every command that takes one: `demo` (built in),
/// `paper` (`manifests/zoo.json`, found by ``ManifestLocator``) or the path of a zoo JSON file.
/// Errors say whether the file is missing, a folder, unreadable, or not a valid zoo.
public enum ZooSource {
    /// The names accepted besides a path.
    public static let builtInNames = ["demo", "paper"]

    /// The zoo and the name recorded for it in a release's command (`demo`, `paper` or the file name).
    public static func load(_ spec: String) throws -> (zoo: Zoo, name: String) {
        if spec == "demo" { return (DemoZoo.zoo, "demo") }
        if spec == "paper" {
            guard let url = ManifestLocator.find("zoo.json") else {
                throw SISRError.io(path: "paper", problem: "cannot find the paper zoo manifests/zoo.json (searched \(ManifestLocator.candidates("zoo.json").prefix(3).map(\.path).joined(separator: ", ")), ...); run inside the repository, set SISR_MANIFESTS to its manifests folder, or pass --zoo FILE")
            }
            return (try read(url), "paper")
        }
        let url = URL(fileURLWithPath: spec)
        return (try read(url), url.lastPathComponent)
    }

    /// Reads and validates a zoo file.
    static func read(_ url: URL) throws -> Zoo {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw SISRError.io(path: url.path, problem: "zoo file not found (--zoo takes \(builtInNames.joined(separator: ", ")) or the path of a zoo JSON file)")
        }
        guard !isDir.boolValue else {
            throw SISRError.io(path: url.path, problem: "is a folder, not a zoo JSON file (e.g. manifests/zoo.json)")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SISRError.io(path: url.path, problem: "zoo file exists but cannot be read (permissions?)")
        }
        do {
            let zoo = try CanonicalJSON.decode(Zoo.self, from: [UInt8](data), path: url.path)
            try zoo.validate(path: url.path)
            return zoo
        } catch let SISRError.corrupt(path, problem) {
            throw SISRError.corrupt(path: path, problem: "malformed zoo file: \(problem)")
        }
    }
}
