import Foundation

/// Finds the repository's `manifests/` data (zoo, protocols, paper results) from anywhere: the folder
/// named by `$SISR_MANIFESTS`, then `manifests/` in the current directory or any parent, then beside
/// the running executable or any of its parents (so `.build/release/sisr` finds the checkout's files).
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

    /// The first existing `manifests/<relative>`, or nil.
    public static func find(_ relative: String) -> URL? { existing(relative).first }
}
