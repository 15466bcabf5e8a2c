import Foundation

/// Finds the repository's `manifests/` data (zoo, protocols, paper results) from anywhere: the folder
/// named by `$SISR_MANIFESTS`, then `manifests/` in the current directory or any parent, then beside
/// the running executable or any of its parents (so `.build/release/sisr` finds the checkout's files),
/// then beside the file this code was loaded from or any of its parents (so `libSISRLoaderC.so`,
/// loaded by Python from `<repo>/.build/release/`, finds `<repo>/manifests` from any folder).
public enum ManifestLocator {
    /// Candidate `manifests/<relative>` locations in search order (existing or not).
    public static func candidates(_ relative: String) -> [URL] {
        var roots = [URL]()
        if let env = ProcessInfo.processInfo.environment["SISR_MANIFESTS"], !env.isEmpty {
            roots.append(URL(fileURLWithPath: env))
        }
        var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let exe = Bundle.main.executableURL { starts.append(exe.resolvingSymlinksInPath().deletingLastPathComponent()) }
        if let arg0 = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: arg0).resolvingSymlinksInPath().deletingLastPathComponent())
        }
        if let image = loadedImage { starts.append(image.deletingLastPathComponent()) }
        for start in starts {
            var url = start.standardizedFileURL
            while true {
                roots.append(url.appendingPathComponent("manifests"))
                let parent = url.deletingLastPathComponent()
                if parent.path == url.path { break }
                url = parent
            }
        }
        var seen = Set<String>()
        return roots.map { $0.appendingPathComponent(relative) }.filter { seen.insert($0.path).inserted }
    }

    /// The existing `manifests/<relative>` locations, in search order.
    public static func existing(_ relative: String) -> [URL] {
        candidates(relative).filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The executable or shared library this code is part of: the file mapped at this function's
    /// address in `/proc/self/maps` (Linux; nil elsewhere or when it cannot be told).
    public static var loadedImage: URL? {
        let anchor: @convention(c) () -> Void = manifestLocatorAnchor
        let address = UInt(bitPattern: unsafeBitCast(anchor, to: UnsafeRawPointer.self))
        // /proc files report size 0: read to the end rather than by the file size.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps") else { return nil }
        defer { try? handle.close() }
        let maps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        for line in maps.split(separator: "\n") {
            // start-end perms offset dev inode path
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, let dash = fields[0].firstIndex(of: "-"),
                  let start = UInt(fields[0][..<dash], radix: 16), let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16),
                  start <= address, address < end else { continue }
            let path = fields[5].trimmingCharacters(in: .whitespaces)
            return path.hasPrefix("/") ? URL(fileURLWithPath: path).resolvingSymlinksInPath() : nil
        }
        return nil
    }

    /// The first existing `manifests/<relative>`, or nil.
    public static func find(_ relative: String) -> URL? { existing(relative).first }
}

/// A function whose address `ManifestLocator.loadedImage` looks up.
private func manifestLocatorAnchor() {}
