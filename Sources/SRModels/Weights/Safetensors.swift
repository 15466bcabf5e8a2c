import Foundation
import SISRCore
import SISREngine

/// safetensors: `u64 LE N`, N bytes of JSON header, then the data buffer. Offsets in the header are
/// relative to the buffer and must tile it exactly.
enum Safetensors {
    static let maxHeader = 100_000_000

    static func read(_ bytes: [UInt8], path: String) throws -> (entries: [WeightEntry], metadata: [String: String]) {
        let n64 = try ByteCursor.readLE(bytes, at: 0, count: 8, path: path, what: "safetensors header length")
        guard n64 <= UInt64(maxHeader) else {
            throw WeightError.corrupt(path: path, problem: "safetensors header length \(n64) exceeds 100 MB")
        }
        let n = Int(n64)
        guard n <= bytes.count - 8 else { throw WeightError.truncated(path: path, what: "safetensors header of \(n) bytes") }
        guard n >= 2, bytes[8] == UInt8(ascii: "{") else {
            throw WeightError.corrupt(path: path, problem: "safetensors header does not start with '{'")
        }
        let header: MiniJSON.Value
        do { header = try MiniJSON.parse(bytes[8..<(8 + n)]) } catch let f as MiniJSON.Failure {
            throw WeightError.corrupt(path: path, problem: "safetensors header: \(f.message)")
        }
        guard case let .object(fields) = header else {
            throw WeightError.corrupt(path: path, problem: "safetensors header is not an object")
        }
        let buffer = (8 + n)..<bytes.count
        var metadata: [String: String] = [:]
        struct Item { let name: String, dtype: WeightDType, shape: [Int], begin: Int, end: Int }
        var items: [Item] = []
        for (name, v) in fields {
            if name == "__metadata__" {
                guard case let .object(kv) = v else { throw WeightError.corrupt(path: path, problem: "__metadata__ is not an object") }
                for (k, s) in kv {
                    guard let s = s.string else { throw WeightError.corrupt(path: path, problem: "__metadata__ value of '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            func bad(_ p: String) -> WeightError { .corrupt(path: path, problem: "safetensors tensor '\(name)': \(p)") }
            guard case let .object(info) = v else { throw bad("entry is not an object") }
            let d = Dictionary(info, uniquingKeysWith: { a, _ in a })
            guard let ds = d["dtype"]?.string else { throw bad("no dtype") }
            guard let dtype = WeightDType(rawValue: ds) else {
                throw WeightError.unsupported(path: path, problem: "safetensors tensor '\(name)' has dtype \(ds)")
            }
            guard case let .array(sh)? = d["shape"], case let .array(off)? = d["data_offsets"], off.count == 2 else {
                throw bad("missing shape or data_offsets")
            }
            let shape = sh.map(\.int), offs = off.map(\.int)
            guard !shape.contains(where: { $0 == nil || $0! < 0 }), let b = offs[0], let e = offs[1], b >= 0, e >= b else {
                throw bad("bad shape or data_offsets")
            }
            var count = 1
            for s in shape {
                let (c, o) = count.multipliedReportingOverflow(by: s!)
                guard !o else { throw bad("shape overflows") }
                count = c
            }
            let (nb, o) = count.multipliedReportingOverflow(by: dtype.size)
            guard !o, e - b == nb else { throw bad("data_offsets span \(e - b) bytes but shape needs \(nb)") }
            items.append(Item(name: name, dtype: dtype, shape: shape.map { $0! }, begin: b, end: e))
        }
        // Offsets must tile the buffer: contiguous, non-overlapping, complete.
        var pos = 0
        for it in items.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard it.begin == pos else {
                throw WeightError.corrupt(path: path, problem: "safetensors tensor '\(it.name)' starts at \(it.begin), expected \(pos) (gap or overlap)")
            }
            pos = it.end
        }
        guard pos == buffer.count else {
            throw pos > buffer.count
                ? WeightError.truncated(path: path, what: "safetensors data needs \(pos) bytes, file has \(buffer.count)")
                : WeightError.corrupt(path: path, problem: "safetensors buffer has \(buffer.count - pos) bytes no tensor uses")
        }
        let entries = bytes.withUnsafeBytes { all -> [WeightEntry] in
            items.map { it in
                let p = UnsafeRawBufferPointer(rebasing: all[(buffer.lowerBound + it.begin)..<(buffer.lowerBound + it.end)])
                let count = it.shape.reduce(1, *)
                let data = [Float](unsafeUninitializedCapacity: count) { o, k in
                    if count > 0 { it.dtype.decodeRun(p, from: 0, count: count, swap: false, into: o.baseAddress!) }
                    k = count
                }
                return WeightEntry(name: it.name, dtype: it.dtype, tensor: Tensor(shape: it.shape, data: data))
            }
        }
        return (entries, metadata)
    }

    /// The file bytes for `dict` as F32, keys sorted, header space-padded to a multiple of 8.
    static func encode(_ dict: StateDict, metadata: [String: String]) -> [UInt8] {
        var members: [(key: String, value: CanonicalJSON.Ordered)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .value(.object(metadata.mapValues { .string($0) }))))
        }
        let names = dict.keys.sorted()
        var offset = 0
        for name in names {
            let t = dict[name]!
            let end = offset + t.count * 4
            members.append((name, .object([
                ("dtype", .value(.string("F32"))),
                ("shape", .value(.array(t.shape.map { .int(Int64($0)) }))),
                ("data_offsets", .value(.array([.int(Int64(offset)), .int(Int64(end))]))),
            ])))
            offset = end
        }
        let header = CanonicalJSON.string(.object(members))
        var h = Array(header.utf8)
        while (8 + h.count) % 8 != 0 { h.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + h.count + offset)
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: h)
        for name in names {
            for v in dict[name]!.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }
}

/// Writes `dict` as a safetensors file (all F32), deterministically: tensors sorted by name, header
/// padded with spaces to an 8-byte boundary, the file replaced atomically.
public func writeSafetensors(_ dict: StateDict, to url: URL, metadata: [String: String] = [:]) throws {
    try AtomicFile.write(Safetensors.encode(dict, metadata: metadata), to: url)
}
