import Foundation
import SISRCore

/// The committed fixture files of one test target (`Tests/<target>/Fixtures`, copied into its bundle).
/// Each target makes one with `FixtureFolder(bundle: .module)`; reads throw errors naming the file.
public struct FixtureFolder: Sendable {
    public let root: URL

    public init(bundle: Bundle, folder: String = "Fixtures") {
        root = bundle.url(forResource: folder, withExtension: nil) ?? bundle.bundleURL.appendingPathComponent(folder)
    }

    public init(root: URL) { self.root = root }

    /// A subfolder as a fixture folder of its own.
    public func folder(_ relative: String) -> FixtureFolder { FixtureFolder(root: url(relative)) }

    public func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    public func data(_ relative: String) throws -> Data {
        let u = url(relative)
        do { return try Data(contentsOf: u) } catch {
            throw SISRError.io(path: u.path, problem: "cannot read the fixture (regenerate it with its Scripts/make_*_fixtures.py)")
        }
    }

    public func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try data(relative)) }

    /// Decodes a JSON fixture (errors name the file and the key).
    public func decode<T: Decodable>(_ type: T.Type, _ relative: String) throws -> T {
        try CanonicalJSON.decode(type, from: bytes(relative), path: url(relative).path)
    }
}

/// The repository checkout (for committed manifests and scripts), found from this file's path.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
