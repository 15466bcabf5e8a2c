import SISREngine
import Foundation

/// Readers for the two `torch.save` containers. Each returns the main pickle's root value plus a
/// map from storage key to its byte range in the file; tensors are materialised later, only for
/// the sub-dict the caller keeps.
struct TorchPickle {
    let root: PickleValue
    let storages: [String: Range<Int>]
    let bigEndian: Bool
    /// Where a storage key's bytes live, for messages ("record model/data/3", "legacy storage 9412").
    let recordName: (String) -> String
}

enum TorchCheckpoint {
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    // MARK: zip format (torch >= 1.6)

    static func readZip(_ bytes: [UInt8], path: String, options: WeightLoadOptions) throws -> TorchPickle {
        let zip = try ZipReader(bytes: bytes, path: path)
        let pkls = zip.entries.filter { $0.name == "data.pkl" || ($0.name.hasSuffix("/data.pkl") && !$0.name.dropLast(9).contains("/")) }
        guard pkls.count == 1, let pkl = pkls.first else {
            if zip.entry("constants.pkl") != nil || zip.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") }) {
                throw WeightError.unsupported(path: path, problem: "a TorchScript archive (torch.jit.save), not a torch.save checkpoint")
            }
            throw pkls.isEmpty
                ? WeightError.missingRecord(path: path, record: "data.pkl")
                : WeightError.corrupt(path: path, problem: "the zip holds \(pkls.count) data.pkl records")
        }
        let prefix = String(pkl.name.dropLast(8))
        var bigEndian = false
        if let bo = zip.entry(prefix + "byteorder") {
            let r = try zip.range(of: bo, verify: options.verifyChecksums)
            switch String(decoding: bytes[r], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) {
            case "little": bigEndian = false
            case "big": bigEndian = true
            case let other: throw WeightError.corrupt(path: path, problem: "byteorder record says '\(other)'")
            }
        }
        let pr = try zip.range(of: pkl, verify: options.verifyChecksums)
        var up = Unpickler(
            bytes: bytes, start: pr.lowerBound, end: pr.upperBound, path: path,
            extraGlobals: options.extraAllowedGlobals,
            persistentLoad: { pid in try storageRef(pid, path: path, legacy: false).value })
        let root = try up.load()
        // Storage records are resolved lazily: collect all data/<key> entries now.
        var storages: [String: Range<Int>] = [:]
        let dataPrefix = prefix + "data/"
        for e in zip.entries where e.name.hasPrefix(dataPrefix) {
            let key = String(e.name.dropFirst(dataPrefix.count))
            storages[key] = options.verifyChecksums ? try zip.range(of: e, verify: true) : e.dataStart..<(e.dataStart + e.size)
        }
        return TorchPickle(root: root, storages: storages, bigEndian: bigEndian, recordName: { dataPrefix + $0 })
    }

    /// Interprets a persistent id `('storage', <torch.XStorage>, key, location, numel[, view_metadata])`.
    static func storageRef(_ pid: PickleValue, path: String, legacy: Bool) throws -> (value: PickleValue, ref: StorageRef) {
        guard let t = pid.asSequence, t.count >= 5, t[0].asString == "storage" else {
            throw WeightError.corrupt(path: path, problem: "unexpected persistent id (\(pid.typeName))")
        }
        guard case let .global(module, name) = t[1], module == "torch", let dtype = WeightDType(torchStorage: name) else {
            throw WeightError.unsupported(path: path, problem: "storage type \(t[1].typeName) is not supported")
        }
        guard let key = t[2].asString ?? t[2].asInt.map(String.init), let numel = t[4].asInt, numel >= 0 else {
            throw WeightError.corrupt(path: path, problem: "malformed storage persistent id")
        }
        var ref = StorageRef(dtype: dtype, key: key, location: t[3].asString ?? "?", numel: numel, viewOffset: 0)
        if legacy, t.count >= 6, let view = t[5].asSequence, view.count == 3 {
            // Pre-0.4 storage view: (view_key, offset, view_size) into the root storage `key`.
            guard let off = view[1].asInt, let size = view[2].asInt, off >= 0, size >= 0 else {
                throw WeightError.corrupt(path: path, problem: "malformed storage view metadata")
            }
            ref = StorageRef(dtype: dtype, key: key, location: ref.location, numel: size, viewOffset: off)
            guard off <= numel - size || numel == 0 && size == 0 else {
                throw WeightError.corrupt(path: path, problem: "storage view beyond its root storage \(key)")
            }
        }
        return (.storage(ref), ref)
    }

    // MARK: legacy format (torch < 1.6)

    static func readLegacy(_ bytes: [UInt8], path: String, options: WeightLoadOptions) throws -> TorchPickle {
        var pos = 0
        func next(_ persistent: Unpickler.PersistentLoad? = nil) throws -> PickleValue {
            var up = Unpickler(bytes: bytes, start: pos, path: path, extraGlobals: options.extraAllowedGlobals, persistentLoad: persistent)
            let v = try up.load()
            pos = up.position
            return v
        }
        guard case let .bigInt(m) = try next(), m == legacyMagic else {
            throw WeightError.corrupt(path: path, problem: "legacy torch magic number is wrong")
        }
        guard let proto = try next().asInt else { throw WeightError.corrupt(path: path, problem: "no protocol version") }
        guard proto == 1001 else {
            throw WeightError.unsupported(path: path, problem: "legacy torch protocol version \(proto) (expected 1001)")
        }
        var bigEndian = false
        if let info = try next().asDict, case let .bool(little)? = info["little_endian"] { bigEndian = !little }
        final class Seen { var dtypes: [String: WeightDType] = [:] }
        let seen = Seen()
        let root = try next { pid in
            let (v, ref) = try storageRef(pid, path: path, legacy: true)
            if let old = seen.dtypes[ref.key], old != ref.dtype {
                throw WeightError.corrupt(path: path, problem: "storage \(ref.key) is used with two dtypes")
            }
            seen.dtypes[ref.key] = ref.dtype
            return v
        }
        guard let keys = try next().asSequence?.map(\.asString), !keys.contains(nil) else {
            throw WeightError.corrupt(path: path, problem: "legacy storage key list is not a list of strings")
        }
        var storages: [String: Range<Int>] = [:]
        for case let key? in keys {
            guard let dtype = seen.dtypes[key] else {
                throw WeightError.corrupt(path: path, problem: "storage \(key) is listed but no tensor uses it")
            }
            let raw = try ByteCursor.readLE(bytes, at: pos, count: 8, path: path, what: "element count of storage \(key)")
            let (nbytes, over) = Int(clamping: raw).multipliedReportingOverflow(by: dtype.size)
            guard raw <= UInt64(Int.max), !over, nbytes <= bytes.count - (pos + 8) else {
                throw WeightError.truncated(path: path, what: "data of storage \(key)")
            }
            storages[key] = (pos + 8)..<(pos + 8 + nbytes)
            pos += 8 + nbytes
        }
        return TorchPickle(root: root, storages: storages, bigEndian: bigEndian, recordName: { "legacy storage \($0)" })
    }

    // MARK: materialisation

    /// Copies a strided view out of its storage bytes, converting to Float32. Offsets, sizes and
    /// strides are checked (with overflow checks) against the real record length.
    static func materialize(_ t: TensorRef, name: String, file bytes: [UInt8], pickle: TorchPickle, path: String) throws -> Tensor {
        let s = t.storage
        guard let range = pickle.storages[s.key] else { throw WeightError.missingRecord(path: path, record: pickle.recordName(s.key)) }
        let es = s.dtype.size
        let recordElems = range.count / es
        let (declaredBytes, o1) = (s.viewOffset + s.numel).multipliedReportingOverflow(by: es)
        guard !o1, declaredBytes <= range.count else {
            throw WeightError.outOfBounds(
                path: path, tensor: name,
                problem: "its storage declares \(s.numel) elements but \(pickle.recordName(s.key)) holds only \(range.count) bytes")
        }
        let limit = min(s.viewOffset + s.numel, recordElems)
        guard t.shape.allSatisfy({ $0 >= 0 }), t.stride.allSatisfy({ $0 >= 0 }), t.offset >= 0 else {
            throw WeightError.outOfBounds(path: path, tensor: name, problem: "negative offset, size or stride")
        }
        var count = 1, last = s.viewOffset + t.offset, overflow = false
        for (n, st) in zip(t.shape, t.stride) {
            let (c, a) = count.multipliedReportingOverflow(by: n)
            let (span, b) = (max(n - 1, 0)).multipliedReportingOverflow(by: st)
            let (l, d) = last.addingReportingOverflow(span)
            overflow = overflow || a || b || d
            count = c
            last = l
        }
        guard !overflow else { throw WeightError.outOfBounds(path: path, tensor: name, problem: "shape or strides overflow") }
        if count == 0 { return Tensor(shape: t.shape, data: []) }
        // Stride-0 (broadcast) views may hold more elements than their storage; cap that so a
        // few bytes cannot demand gigabytes.
        guard count <= max(limit, maxBroadcastElements) else {
            throw WeightError.outOfBounds(
                path: path, tensor: name, problem: "shape \(t.shape), stride \(t.stride) expand a storage of \(limit) elements to \(count) (limit \(maxBroadcastElements))")
        }
        guard last < limit else {
            throw WeightError.outOfBounds(
                path: path, tensor: name,
                problem: "offset \(t.offset), shape \(t.shape), stride \(t.stride) reach element \(last) of a storage with \(limit)")
        }
        var out = [Float](repeating: 0, count: count)
        let base = s.viewOffset + t.offset
        let swap = pickle.bigEndian && es > 1
        let dtype = s.dtype
        bytes.withUnsafeBytes { all in
            let p = UnsafeRawBufferPointer(rebasing: all[range])
            out.withUnsafeMutableBufferPointer { o in
                if isContiguous(t.shape, t.stride) {
                    dtype.decodeRun(p, from: base, count: count, swap: swap, into: o.baseAddress!)
                    return
                }
                var idx = [Int](repeating: 0, count: t.shape.count)
                var src = base
                for i in 0..<count {
                    o[i] = dtype.decode(p, src, swap: swap)
                    var d = t.shape.count - 1
                    while d >= 0 {
                        idx[d] += 1
                        src += t.stride[d]
                        if idx[d] < t.shape[d] { break }
                        src -= t.stride[d] * idx[d]
                        idx[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return Tensor(shape: t.shape, data: out)
    }

    /// Largest element count accepted for a view bigger than its storage (64 MB of float32).
    static let maxBroadcastElements = 1 << 24

    static func isContiguous(_ shape: [Int], _ stride: [Int]) -> Bool {
        var expect = 1
        for d in stride.indices.reversed() where shape[d] != 1 {
            if stride[d] != expect { return false }
            expect *= shape[d]
        }
        return true
    }
}
