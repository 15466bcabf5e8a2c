import Foundation

/// A fresh, empty temporary folder for one test; `cleanup()` removes it with everything inside.
public struct TempDir: Sendable {
    public let url: URL

    /// Creates `<tmp>/<tag>-<uuid>`; throws (naming the folder) if it cannot be created.
    public init(_ tag: String = "sisr") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// `url/relative` (not created).
    public func sub(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    public func cleanup() { try? FileManager.default.removeItem(at: url) }
}
