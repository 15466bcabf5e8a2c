import CArchive
import Foundation
import SISRCore

/// Reading archives in place over libarchive (the one file that imports it): zip (stored or
/// deflated), tar (ustar, pax, GNU) and compressed tar (.tar.gz, .tar.bz2, .tar.xz, .tar.zst).
/// `sisr import` reads the paper's corpus from its downloaded archives with it, and tests use it to
/// cross-check the project's own tar writer. Errors name the archive, and the member when there is one.
public enum ArchiveReader {
    public struct Member: Sendable, Equatable {
        public let name: String
        public let data: [UInt8]
    }

    /// One regular file of an archive, as listed by ``index(of:)``.
    public struct Entry: Sendable, Equatable {
        /// The member's path as stored in the archive.
        public let name: String
        /// Where its headers start in the uncompressed archive stream.
        public let headerOffset: Int64
    }

    /// The regular files of one archive, and how to reach them again.
    public struct Index: Sendable {
        public let url: URL
        public let entries: [Entry]
        /// True when the archive is not compressed as a whole (zip, plain tar): a member is then read
        /// by starting libarchive at its header. A compressed tar has no such access point, so a
        /// member is found by decompressing from the start (practical for small archives only).
        public let seekable: Bool

        /// The bytes of `entry`, at most `maxBytes` (more is an error naming the member).
        public func read(_ entry: Entry, maxBytes: Int) throws -> [UInt8] {
            let path = "\(url.path):\(entry.name)"
            let reader = try Reader(url: url, from: seekable ? entry.headerOffset : 0)
            while let (name, position) = try reader.nextRegularFile() {
                if seekable || position == entry.headerOffset {
                    guard name == entry.name else {
                        throw SISRError.corrupt(path: path, problem: "the archive changed since it was listed (found \(name) instead)")
                    }
                    return try reader.data(of: name, maxBytes: maxBytes)
                }
            }
            throw SISRError.corrupt(path: path, problem: "the archive changed since it was listed (member not found again)")
        }
    }

    /// Lists the regular files of the archive at `url` in one pass over its headers (the data of
    /// each member is skipped, not read).
    public static func index(of url: URL) throws -> Index {
        let reader = try Reader(url: url, from: 0)
        var entries = [Entry]()
        while let (name, position) = try reader.nextRegularFile() {
            entries.append(Entry(name: name, headerOffset: position))
        }
        return Index(url: url, entries: entries, seekable: reader.isUncompressed)
    }

    /// Reads every regular file of the archive at `url` (any format and compression libarchive knows).
    public static func members(of url: URL) throws -> [Member] {
        guard let a = archive_read_new() else { throw SISRError.io(path: url.path, problem: "libarchive: out of memory") }
        defer { archive_read_free(a) }
        archive_read_support_filter_all(a)
        archive_read_support_format_all(a)
        guard archive_read_open_filename(a, url.path, 1 << 16) == ARCHIVE_OK else {
            throw SISRError.corrupt(path: url.path, problem: "cannot open archive: \(errorString(a))")
        }
        var out = [Member]()
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(a, &entry)
            if r == ARCHIVE_EOF { break }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else {
                throw SISRError.corrupt(path: url.path, problem: "bad archive header: \(errorString(a))")
            }
            let name = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
            guard archive_entry_filetype(entry) == regularFile else { continue }
            out.append(Member(name: name, data: try readData(a, path: "\(url.path):\(name)", maxBytes: Int.max)))
        }
        return out
    }

    static let regularFile: mode_t = 0o100000  // AE_IFREG

    static func errorString(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
    }

    /// The data of the current entry, at most `maxBytes`.
    static func readData(_ a: OpaquePointer, path: String, maxBytes: Int) throws -> [UInt8] {
        var data = [UInt8]()
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = block.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
            if n == 0 { return data }
            guard n > 0 else { throw SISRError.corrupt(path: path, problem: "cannot read the member: \(errorString(a))") }
            guard data.count + n <= maxBytes else {
                throw SISRError.corrupt(path: path, problem: "member is larger than \(maxBytes) bytes")
            }
            data.append(contentsOf: block[0..<n])
        }
    }
}

/// A libarchive reader over a file from byte `start` on, for tar and streamed zip (so that starting
/// at a member's header reads that member), with every compression filter.
private final class Reader {
    let url: URL
    let archive: OpaquePointer
    let source: FileWindow

    init(url: URL, from start: Int64) throws {
        self.url = url
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw SISRError.io(path: url.path, problem: "cannot open (\(String(cString: strerror(errno))))")
        }
        source = FileWindow(fd: fd, offset: start)
        guard let a = archive_read_new() else { throw SISRError.io(path: url.path, problem: "libarchive: out of memory") }
        archive = a
        archive_read_support_filter_all(a)
        archive_read_support_format_tar(a)
        archive_read_support_format_zip_streamable(a)
        let client = Unmanaged.passUnretained(source).toOpaque()
        guard archive_read_open2(a, client, nil, windowRead, windowSkip, nil) == ARCHIVE_OK else {
            let problem = ArchiveReader.errorString(a)
            archive_read_free(a)
            throw SISRError.corrupt(path: url.path, problem: "not a zip or tar archive libarchive can read (\(problem))")
        }
    }

    deinit { archive_read_free(archive) }

    /// Only the pass-through filter: the archive stream is the file itself.
    var isUncompressed: Bool { archive_filter_count(archive) == 1 }

    /// The next regular file's name and header offset, or nil at the end. Other entries are skipped.
    func nextRegularFile() throws -> (String, Int64)? {
        var entry: OpaquePointer?
        while true {
            let r = archive_read_next_header(archive, &entry)
            if r == ARCHIVE_EOF { return nil }
            guard r == ARCHIVE_OK || r == ARCHIVE_WARN, let entry else {
                throw SISRError.corrupt(path: url.path, problem: "bad archive header: \(ArchiveReader.errorString(archive))")
            }
            let position = archive_read_header_position(archive) + source.start
            guard archive_entry_filetype(entry) == ArchiveReader.regularFile else { continue }
            let name = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
            return (name, position)
        }
    }

    func data(of name: String, maxBytes: Int) throws -> [UInt8] {
        try ArchiveReader.readData(archive, path: "\(url.path):\(name)", maxBytes: maxBytes)
    }
}

/// The file behind libarchive's read and skip callbacks: reads with `pread` from `offset` on.
private final class FileWindow {
    let fd: Int32
    let start: Int64
    var offset: Int64
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)

    init(fd: Int32, offset: Int64) {
        self.fd = fd
        self.start = offset
        self.offset = offset
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }
}

/// libarchive's read callback: the next block of the ``FileWindow`` behind `client`.
private func windowRead(_: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t {
    let f = Unmanaged<FileWindow>.fromOpaque(client!).takeUnretainedValue()
    let n = pread(f.fd, f.buffer, 1 << 16, off_t(f.offset))
    if n > 0 { f.offset += Int64(n) }
    out?.pointee = UnsafeRawPointer(f.buffer)
    return n
}

/// libarchive's skip callback: moves the ``FileWindow`` on without reading.
private func windowSkip(_: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ request: la_int64_t) -> la_int64_t {
    let f = Unmanaged<FileWindow>.fromOpaque(client!).takeUnretainedValue()
    f.offset += request
    return request
}
