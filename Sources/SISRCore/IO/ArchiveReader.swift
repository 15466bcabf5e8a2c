import CArchive
import Foundation

/// An independent archive reader over libarchive (the one file that imports it): tar, tar.zst,
/// tar.gz, zip... Used to cross-check the project's own tar writer and by `verify`.
public enum ArchiveReader {
    public struct Member: Sendable, Equatable {
        public let name: String
        public let data: [UInt8]
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
            guard archive_entry_filetype(entry) == 0o100000 else { continue }  // AE_IFREG: regular files only
            var data = [UInt8]()
            var block = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = block.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
                if n == 0 { break }
                guard n > 0 else {
                    throw SISRError.corrupt(path: url.path, problem: "cannot read member \(name): \(errorString(a))")
                }
                data.append(contentsOf: block[0..<n])
            }
            out.append(Member(name: name, data: data))
        }
        return out
    }

    private static func errorString(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
    }
}
