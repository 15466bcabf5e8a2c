import Foundation

enum Fixtures {
    static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }
    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }
    static func json(_ path: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: url(path))) }
}

/// The repository root (for the committed manifests), found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh temporary directory, removed by the caller.
func makeTempDir(_ tag: String = "sisr-training") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
