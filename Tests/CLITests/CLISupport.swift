import Foundation
import SISRCore

/// Runs the built `sisr` binary (it sits beside the test bundle in the build folder).
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLI {
    static let binary: URL = {
        var candidates = [URL]()
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(argv0.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for dir in candidates {
            var d = dir
            for _ in 0..<4 {
                let c = d.appendingPathComponent("sisr")
                if FileManager.default.isExecutableFile(atPath: c.path) { return c }
                d = d.deletingLastPathComponent()
            }
        }
        fatalError("cannot find the built sisr binary near \(candidates)")
    }()

    @discardableResult
    static func run(_ args: [String], environment: [String: String]? = nil, cwd: URL? = nil) throws -> CLIResult {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if let environment { p.environment = environment }
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }
}

func makeTempDir(_ tag: String = "sisr-cli") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small corpus in the paper's layout at `root`: HR images `im1...imN` (32x24, procedural), one
/// model folder `Nearest-NA-x2-NA-NA` holding `output(i, hr)` for each, and the three split files.
func writeCorpus(_ root: URL, images: Int, seed: UInt64, splits: [(String, String)],
                 output: (Int, RGBImage) -> RGBImage) throws {
    for i in 1...images {
        let hr = Procedural.image(seed: seed, index: i, width: 32, height: 24)
        try PNG.write(hr, to: root.appendingPathComponent("HR-HR-HR-HR-HR/im\(i).png"))
        try PNG.write(output(i, hr), to: root.appendingPathComponent("Nearest-NA-x2-NA-NA/im\(i).png"))
    }
    for (split, ids) in splits { try Data(ids.utf8).write(to: root.appendingPathComponent("\(split)-split.txt")) }
}
