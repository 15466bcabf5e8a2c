import Foundation

/// What a folder of source images holds: the `.png` files a build uses (directly inside, not
/// hidden) and what it leaves out, so a command can say "found 28 images, skipped 3 .jpg files
/// and 1 subfolder" instead of skipping silently.
public struct ImageFolderScan: Sendable, Equatable {
    public var pngs = 0
    /// Skipped files by lower-cased extension (`""` for none).
    public var skippedByExtension = [String: Int]()
    public var subfolders = 0
    public var hidden = 0

    /// Scans `dir` (not recursively); nil when it cannot be listed.
    public static func scan(_ dir: URL) -> ImageFolderScan? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return nil }
        var s = ImageFolderScan()
        for name in names {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path, isDirectory: &isDir)
            if name.hasPrefix(".") { s.hidden += 1 } else if isDir.boolValue { s.subfolders += 1 } else if name.lowercased().hasSuffix(".png") {
                s.pngs += 1
            } else {
                s.skippedByExtension[(name as NSString).pathExtension.lowercased(), default: 0] += 1
            }
        }
        return s
    }

    /// E.g. `28 PNG images in photos/; skipped 3 .jpg files, 1 subfolder (not searched)`.
    public func summary(folder: String) -> String {
        var skipped = skippedByExtension.sorted { $0.key < $1.key }.map { ext, n in
            "\(n) \(ext.isEmpty ? "file\(n == 1 ? "" : "s") without extension" : ".\(ext) file\(n == 1 ? "" : "s")")"
        }
        if subfolders > 0 { skipped.append("\(subfolders) subfolder\(subfolders == 1 ? "" : "s") (not searched)") }
        if hidden > 0 { skipped.append("\(hidden) hidden") }
        let head = "\(pngs) PNG image\(pngs == 1 ? "" : "s") in \(folder)"
        return skipped.isEmpty ? head : head + "; skipped " + skipped.joined(separator: ", ") + " (only .png files directly inside are used)"
    }
}
