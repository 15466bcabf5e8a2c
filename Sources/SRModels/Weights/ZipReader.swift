import SISRCore
import SISREngine
/// A minimal, bounds-checked reader for the STORED (uncompressed) PKZIP archives that `torch.save`
/// writes. It reads the central directory, takes each entry's sizes from it, and finds each entry's
/// data start from the LOCAL header's own name and extra lengths (PyTorch pads the local extra field
/// so data is 64-byte aligned; the central copy differs). ZIP64 records are honoured.
struct ZipReader {
    struct Entry {
        let name: String
        let method: UInt16
        let crc32: UInt32
        let size: Int
        let dataStart: Int
    }

    let path: String
    let bytes: [UInt8]
    /// Entries in central-directory order.
    private(set) var entries: [Entry] = []
    private var byName: [String: Int] = [:]

    init(bytes: [UInt8], path: String) throws {
        self.bytes = bytes
        self.path = path
        let (count, cdOffset, cdSize) = try Self.findCentralDirectory(bytes, path: path)
        guard cdOffset >= 0, cdSize >= 0, cdOffset <= bytes.count, cdSize <= bytes.count - cdOffset else {
            throw WeightError.truncated(path: path, what: "zip central directory lies beyond the end of the file")
        }
        var p = cdOffset
        let cdEnd = cdOffset + cdSize
        for i in 0..<count {
            let what = "zip central directory entry \(i)"
            guard try rd(p, 4, what) == 0x0201_4B50 else {
                throw WeightError.corrupt(path: path, problem: "bad signature in \(what)")
            }
            let method = UInt16(try rd(p + 10, 2, what))
            let crc = UInt32(try rd(p + 16, 4, what))
            var csize = try rd(p + 20, 4, what)
            var usize = try rd(p + 24, 4, what)
            let nameLen = Int(try rd(p + 28, 2, what))
            let extraLen = Int(try rd(p + 30, 2, what))
            let commentLen = Int(try rd(p + 32, 2, what))
            var localOffset = try rd(p + 42, 4, what)
            let nameStart = p + 46
            guard nameStart + nameLen + extraLen + commentLen <= cdEnd else {
                throw WeightError.corrupt(path: path, problem: "\(what) overruns the central directory")
            }
            let name = String(decoding: bytes[nameStart..<(nameStart + nameLen)], as: UTF8.self)
            // ZIP64 extended information: present fields are those saturated in the fixed header.
            var e = nameStart + nameLen
            let extraEnd = e + extraLen
            while e + 4 <= extraEnd {
                let id = try rd(e, 2, what), len = Int(try rd(e + 2, 2, what))
                guard e + 4 + len <= extraEnd else { break }
                if id == 0x0001 {
                    var q = e + 4
                    func next() throws -> UInt64 {
                        guard q + 8 <= e + 4 + len else {
                            throw WeightError.corrupt(path: path, problem: "short ZIP64 field in \(what)")
                        }
                        defer { q += 8 }
                        return try rd(q, 8, what)
                    }
                    if usize == 0xFFFF_FFFF { usize = try next() }
                    if csize == 0xFFFF_FFFF { csize = try next() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next() }
                }
                e += 4 + len
            }
            guard method == 0 else {
                throw WeightError.unsupported(
                    path: path, problem: "zip entry '\(name)' is compressed (method \(method)); torch.save writes stored entries only")
            }
            guard csize == usize, usize <= UInt64(bytes.count), localOffset <= UInt64(bytes.count) else {
                throw WeightError.corrupt(path: path, problem: "zip entry '\(name)' has inconsistent sizes")
            }
            let lo = Int(localOffset)
            let lwhat = "local header of '\(name)'"
            guard try rd(lo, 4, lwhat) == 0x0403_4B50 else {
                throw WeightError.corrupt(path: path, problem: "bad signature in \(lwhat)")
            }
            let dataStart = lo + 30 + Int(try rd(lo + 26, 2, lwhat)) + Int(try rd(lo + 28, 2, lwhat))
            guard dataStart <= bytes.count, Int(usize) <= bytes.count - dataStart else {
                throw WeightError.truncated(path: path, what: "data of zip entry '\(name)'")
            }
            if byName[name] != nil {
                throw WeightError.corrupt(path: path, problem: "zip entry '\(name)' appears twice")
            }
            byName[name] = entries.count
            entries.append(Entry(name: name, method: method, crc32: crc, size: Int(usize), dataStart: dataStart))
            p = extraEnd + commentLen
        }
    }

    private func rd(_ at: Int, _ n: Int, _ what: String) throws -> UInt64 {
        try ByteCursor.readLE(bytes, at: at, count: n, path: path, what: what)
    }

    func entry(_ name: String) -> Entry? { byName[name].map { entries[$0] } }

    /// The byte range of an entry's data; with `verify`, its CRC-32 is checked first.
    func range(of entry: Entry, verify: Bool) throws -> Range<Int> {
        let r = entry.dataStart..<(entry.dataStart + entry.size)
        if verify {
            let crc = bytes.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[r])) }
            guard crc == entry.crc32 else {
                throw WeightError.corrupt(path: path, problem: "CRC-32 mismatch in zip entry '\(entry.name)'")
            }
        }
        return r
    }

    /// Locates the end-of-central-directory record (and its ZIP64 form when fields are saturated).
    private static func findCentralDirectory(_ b: [UInt8], path: String) throws -> (Int, Int, Int) {
        let minEOCD = 22
        guard b.count >= minEOCD else {
            throw WeightError.truncated(path: path, what: "no zip end-of-central-directory record")
        }
        var p = b.count - minEOCD
        let stop = max(0, b.count - minEOCD - 0xFFFF)
        while p >= stop {
            if b[p] == 0x50 && b[p + 1] == 0x4B && b[p + 2] == 0x05 && b[p + 3] == 0x06 { break }
            p -= 1
        }
        guard p >= stop else {
            throw WeightError.truncated(path: path, what: "no zip end-of-central-directory record; the download may be incomplete")
        }
        var count = ByteCursor.uintLE(b, at: p + 10, count: 2)
        var size = ByteCursor.uintLE(b, at: p + 12, count: 4)
        var offset = ByteCursor.uintLE(b, at: p + 16, count: 4)
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let loc = p - 20
            let what = "ZIP64 end-of-central-directory locator"
            guard loc >= 0, try ByteCursor.readLE(b, at: loc, count: 4, path: path, what: what) == 0x0706_4B50 else {
                throw WeightError.corrupt(path: path, problem: "missing \(what)")
            }
            let z64 = try ByteCursor.readLE(b, at: loc + 8, count: 8, path: path, what: what)
            guard z64 <= UInt64(b.count) else { throw WeightError.corrupt(path: path, problem: "\(what) points beyond the end of the file") }
            let z = Int(z64)
            let zwhat = "ZIP64 end-of-central-directory record"
            guard try ByteCursor.readLE(b, at: z, count: 4, path: path, what: zwhat) == 0x0606_4B50 else {
                throw WeightError.corrupt(path: path, problem: "bad \(zwhat)")
            }
            count = try ByteCursor.readLE(b, at: z + 32, count: 8, path: path, what: zwhat)
            size = try ByteCursor.readLE(b, at: z + 40, count: 8, path: path, what: zwhat)
            offset = try ByteCursor.readLE(b, at: z + 48, count: 8, path: path, what: zwhat)
        }
        guard count <= UInt64(b.count / 46 + 1), size <= UInt64(b.count), offset <= UInt64(b.count) else {
            throw WeightError.corrupt(path: path, problem: "zip end-of-central-directory values are out of range")
        }
        return (Int(count), Int(offset), Int(size))
    }
}
