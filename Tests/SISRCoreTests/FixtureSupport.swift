import Foundation

enum Fixtures {
    static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }
    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }
    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(path))) }
    static func json(_ path: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: url(path))) }
}

/// A fresh temporary directory, removed by the caller with `cleanup`.
func makeTempDir(_ tag: String = "sisr") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
