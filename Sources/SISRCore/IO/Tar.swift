/// A reproducible POSIX ustar writer: regular files only, mode 0444, uid/gid 0, empty user and group
/// names, mtime 0; the archive ends with two zero blocks and is padded to a multiple of 10240 bytes,
/// as GNU tar and Python's tarfile do. The same members in the same order always give the same bytes.
public struct TarWriter {
    public private(set) var bytes: [UInt8] = []
    private var finished = false

    public init() {}

    /// Appends a member and returns the byte offset of its data inside the archive.
    /// - Throws: if the name is empty, longer than 100 bytes, not ASCII, or contains "..".
    @discardableResult
    public mutating func append(name: String, data: [UInt8]) throws -> Int {
        precondition(!finished, "TarWriter: append after finish")
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.count <= 100, nameBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }),
              !name.hasPrefix("/"), !name.split(separator: "/").contains("..")
        else {
            throw SISRError.invalidArgument("tar member name \"\(name)\" must be 1-100 printable ASCII bytes, relative, without '..'")
        }
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int) { for (i, b) in s.utf8.enumerated() { header[at + i] = b } }
        func octal(_ v: Int, width: Int) -> String {  // width-1 digits, then NUL
            let s = String(v, radix: 8)
            return String(repeating: "0", count: width - 1 - s.count) + s
        }
        for (i, b) in nameBytes.enumerated() { header[i] = b }
        put(octal(0o444, width: 8), 100)
        put(octal(0, width: 8), 108)
        put(octal(0, width: 8), 116)
        put(octal(data.count, width: 12), 124)
        put(octal(0, width: 12), 136)
        header[156] = UInt8(ascii: "0")
        put("ustar", 257)  // followed by NUL
        put("00", 263)
        put(octal(0, width: 8), 329)
        put(octal(0, width: 8), 337)
        for i in 148..<156 { header[i] = 0x20 }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7), 148)
        header[155] = 0x20
        bytes.append(contentsOf: header)
        let offset = bytes.count
        bytes.append(contentsOf: data)
        let pad = (512 - data.count % 512) % 512
        bytes.append(contentsOf: [UInt8](repeating: 0, count: pad))
        return offset
    }

    /// Writes the end-of-archive blocks and record padding; returns the archive.
    public mutating func finish() -> [UInt8] {
        if !finished {
            bytes.append(contentsOf: Self.endOfArchive(afterMembers: bytes.count))
            finished = true
        }
        return bytes
    }

    /// The bytes that end an archive whose members take `count` bytes: two zero blocks, then zeros
    /// up to a multiple of 10240.
    public static func endOfArchive(afterMembers count: Int) -> [UInt8] {
        [UInt8](repeating: 0, count: 1024 + (10240 - (count + 1024) % 10240) % 10240)
    }
}

/// One member of a tar archive: its name and where its data lies in the archive bytes.
public struct TarEntry: Sendable, Equatable {
    public let name: String
    public let dataOffset: Int
    public let size: Int
}

/// A strict reader for ustar/GNU tar bytes: regular files are listed, directories skipped, checksums
/// and bounds verified, anything else (links, devices, names escaping the archive) refused.
public enum TarReader {
    public static func entries(_ bytes: [UInt8], name archiveName: String = "<memory>") throws -> [TarEntry] {
        var out = [TarEntry]()
        var pos = 0
        func fail(_ problem: String) -> SISRError { .corrupt(path: archiveName, problem: problem) }
        while pos + 512 <= bytes.count {
            let h = bytes[pos..<(pos + 512)]
            if h.allSatisfy({ $0 == 0 }) { return out }
            var sum = 0
            for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int(b) }
            guard let stored = parseOctal(h[(pos + 148)..<(pos + 156)]), stored == sum else {
                throw fail("tar header checksum mismatch at byte \(pos)")
            }
            guard let size = parseOctal(h[(pos + 124)..<(pos + 136)]) else { throw fail("bad size field at byte \(pos)") }
            var nameBytes = Array(h[pos..<(pos + 100)].prefix { $0 != 0 })
            let prefix = Array(h[(pos + 345)..<(pos + 500)].prefix { $0 != 0 })
            if h[pos + 257] == UInt8(ascii: "u"), !prefix.isEmpty { nameBytes = prefix + [UInt8(ascii: "/")] + nameBytes }
            let memberName = String(decoding: nameBytes, as: UTF8.self)
            let type = h[pos + 156]
            let dataStart = pos + 512
            guard dataStart + size <= bytes.count else {
                throw fail("member \(memberName) is truncated (needs \(size) bytes at \(dataStart), archive has \(bytes.count))")
            }
            switch type {
            case UInt8(ascii: "0"), 0:
                if memberName.hasPrefix("/") || memberName.split(separator: "/").contains("..") {
                    throw fail("member name \(memberName) escapes the archive")
                }
                out.append(TarEntry(name: memberName, dataOffset: dataStart, size: size))
            case UInt8(ascii: "5"), UInt8(ascii: "g"), UInt8(ascii: "x"):
                break  // directories and pax headers carry no sample data
            default:
                throw fail("member \(memberName) has unsupported type '\(Character(UnicodeScalar(type)))'")
            }
            pos = dataStart + (size + 511) / 512 * 512
        }
        if pos < bytes.count || out.isEmpty && bytes.isEmpty {
            throw fail("tar archive is truncated")
        }
        throw fail("tar archive is truncated (no end-of-archive marker)")
    }

    static func parseOctal(_ field: ArraySlice<UInt8>) -> Int? {
        var v = 0, seen = false
        for b in field {
            if b == 0 || b == 0x20 { if seen { break } else { continue } }
            guard b >= 0x30 && b <= 0x37 else { return nil }
            v = v * 8 + Int(b - 0x30)
            seen = true
        }
        return seen ? v : nil
    }
}
