import Foundation
import SISRArchive
import SISRCore

/// The files of the paper's corpus for `sisr import`: a folder, or the members of one or more
/// downloaded archives (zip, tar, tar.gz...) read in place, without unpacking. Paths are relative
/// to the corpus root (`HR-HR-HR-HR-HR/<image>.png`, `<model>/<image>.png`, `train-split.txt`).
///
/// The members of all archives form one tree. An archive whose members all sit under one folder
/// that holds no PNG itself (`corpus/HR-HR-HR-HR-HR/...`, as `zip -r corpus.zip corpus` makes) has
/// that folder dropped, so a whole-corpus archive and per-model archives (`<model>/<image>.png`)
/// both work. Member paths that are absolute or contain `..` are refused, naming the member.
public final class ImportCorpus: Sendable, Equatable, CustomStringConvertible {
    /// The folder or the archives, as given.
    public let sources: [URL]
    private let storage: Storage

    private enum Storage {
        case folder(URL)
        case archives(indexes: [ArchiveReader.Index], files: [String: Located], children: [String: Set<String>])
    }

    private struct Located {
        let archive: Int
        let entry: ArchiveReader.Entry
    }

    /// Largest member read: a PNG of `PNG.defaultMaxPixels` RGBA pixels, stored, plus headroom.
    static let maxMemberBytes = 4 << 30
    /// Largest split file read.
    static let maxTextBytes = 64 << 20

    /// Archive file names `sisr import` reads as archives (anything else is a folder or an error).
    public static let archiveSuffixes = [".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst"]

    public static func isArchiveName(_ path: String) -> Bool {
        let lower = path.lowercased()
        return archiveSuffixes.contains { lower.hasSuffix($0) }
    }

    /// A corpus folder.
    public init(folder: URL) {
        sources = [folder]
        storage = .folder(folder)
    }

    /// The corpus in `archives`: lists every member once (headers only) and checks their paths.
    public init(archives: [URL]) throws {
        guard !archives.isEmpty else { throw SISRError.invalidArgument("no corpus archive given") }
        sources = archives
        var indexes = [ArchiveReader.Index]()
        var files = [String: Located]()
        var where_ = [String: String]()
        var children = [String: Set<String>]()
        for (i, url) in archives.enumerated() {
            let index = try ArchiveReader.index(of: url)
            indexes.append(index)
            var paths = [(String, ArchiveReader.Entry)]()
            for e in index.entries {
                guard let p = Self.relativePath(e.name) else {
                    throw SISRError.corrupt(path: "\(url.path):\(e.name)", problem: "member path leaves the corpus (absolute or \"..\"); refusing the archive")
                }
                if !p.isEmpty { paths.append((p, e)) }
            }
            let drop = Self.sharedTopFolder(paths.map(\.0))
            for (p, e) in paths {
                let rel = drop.map { String(p.dropFirst($0.count + 1)) } ?? p
                let at = "\(url.path):\(e.name)"
                if let first = where_[rel] {
                    throw SISRError.corrupt(path: at, problem: "another member (\(first)) is the same corpus file \(rel)")
                }
                where_[rel] = at
                files[rel] = Located(archive: i, entry: e)
                let parts = rel.split(separator: "/").map(String.init)
                for k in 0..<parts.count { children[parts[0..<k].joined(separator: "/"), default: []].insert(parts[k]) }
            }
        }
        storage = .archives(indexes: indexes, files: files, children: children)
    }

    /// A folder, or archives by their names (``isArchiveName(_:)``).
    public static func open(_ paths: [String]) throws -> ImportCorpus {
        let urls = paths.map { URL(fileURLWithPath: $0) }
        if paths.count == 1, !isArchiveName(paths[0]) { return ImportCorpus(folder: urls[0]) }
        if let bad = paths.first(where: { !isArchiveName($0) }) {
            throw SISRError.invalidArgument("\(bad): give one corpus folder, or archives (\(archiveSuffixes.joined(separator: ", ")))")
        }
        return try ImportCorpus(archives: urls)
    }

    /// The corpus as named in the release's command: the folder's name, or each archive's name
    /// without its archive suffix (so `corpus.zip` and its unpacked `corpus` give the same release).
    public var names: [String] {
        if case .folder(let url) = storage { return [url.lastPathComponent] }
        return sources.map { url in
            let name = url.lastPathComponent
            let suffix = Self.archiveSuffixes.filter { name.lowercased().hasSuffix($0) }.max { $0.count < $1.count } ?? ""
            return String(name.dropLast(suffix.count))
        }
    }

    public var description: String { sources.map(\.path).joined(separator: " ") }

    public static func == (a: ImportCorpus, b: ImportCorpus) -> Bool { a.sources == b.sources }

    /// How errors name the corpus file `rel`: its path, or `archive:member`.
    public func path(_ rel: String) -> String {
        switch storage {
        case .folder(let root):
            return rel.isEmpty ? root.path : root.appendingPathComponent(rel).path
        case let .archives(indexes, files, _):
            if rel.isEmpty { return description }
            if let f = files[rel] { return "\(indexes[f.archive].url.path):\(f.entry.name)" }
            return "\(description):\(rel)"
        }
    }

    /// Whether `rel` is a folder of the corpus.
    public func isFolder(_ rel: String) -> Bool {
        switch storage {
        case .folder:
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: path(rel), isDirectory: &d) && d.boolValue
        case let .archives(_, files, children):
            return files[rel] == nil && children[rel] != nil
        }
    }

    /// Whether `rel` is a file of the corpus.
    public func isFile(_ rel: String) -> Bool {
        switch storage {
        case .folder:
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: path(rel), isDirectory: &d) && !d.boolValue
        case let .archives(_, files, _):
            return files[rel] != nil
        }
    }

    /// The names directly inside folder `rel` (files and folders, unsorted).
    public func contents(of rel: String) throws -> [String] {
        switch storage {
        case .folder:
            do { return try FileManager.default.contentsOfDirectory(atPath: path(rel)) } catch {
                throw SISRError.io(path: path(rel), problem: "cannot list the folder (\(error.localizedDescription))")
            }
        case let .archives(_, _, children):
            guard let c = children[rel] else { throw SISRError.io(path: path(rel), problem: "no such folder in the corpus") }
            return Array(c)
        }
    }

    /// Decodes the PNG `rel`; errors name it (folder path, or archive path and member).
    public func readImage(_ rel: String) throws -> RGBImage {
        switch storage {
        case .folder:
            return try PNG.read(URL(fileURLWithPath: path(rel)))
        case .archives:
            return try PNG.decode(try bytes(rel, maxBytes: Self.maxMemberBytes), name: path(rel))
        }
    }

    /// The UTF-8 text of `rel`, or nil if it is missing or unreadable.
    public func readText(_ rel: String) -> String? {
        switch storage {
        case .folder:
            return try? String(contentsOf: URL(fileURLWithPath: path(rel)), encoding: .utf8)
        case .archives:
            return (try? bytes(rel, maxBytes: Self.maxTextBytes)).flatMap { String(bytes: $0, encoding: .utf8) }
        }
    }

    private func bytes(_ rel: String, maxBytes: Int) throws -> [UInt8] {
        guard case let .archives(indexes, files, _) = storage, let f = files[rel] else {
            throw SISRError.io(path: path(rel), problem: "missing")
        }
        return try indexes[f.archive].read(f.entry, maxBytes: maxBytes)
    }

    /// `name` without `./` and empty parts, or nil if it is absolute or has a `..` part.
    static func relativePath(_ name: String) -> String? {
        if name.hasPrefix("/") { return nil }
        var parts = [Substring]()
        for p in name.split(separator: "/", omittingEmptySubsequences: true) where p != "." {
            if p == ".." { return nil }
            parts.append(p)
        }
        return parts.joined(separator: "/")
    }

    /// The one folder every path sits under, if it holds no PNG directly (a wrapper folder).
    static func sharedTopFolder(_ paths: [String]) -> String? {
        guard let first = paths.first?.split(separator: "/").first, paths.allSatisfy({ $0.hasPrefix(first + "/") }) else { return nil }
        let top = String(first)
        guard top != PaperCorpus.hrFolder else { return nil }
        let direct = paths.filter { !$0.dropFirst(top.count + 1).contains("/") }
        return direct.contains { $0.lowercased().hasSuffix(".png") } ? nil : top
    }
}
