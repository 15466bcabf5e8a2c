import SISREngine

/// Reader for TensorFlow 1 `Saver` V1 checkpoints (`write_version=SaverDef.V1`: one file, the format
/// of EnhanceNet's `weights`). Nothing is executed; every offset, length and count is checked against
/// the file before it is used, every block's CRC-32C is verified, and allocations are bounded by the
/// bytes actually present.
///
/// Layout (a LevelDB-style table, `tensorflow/core/util/tensor_slice_writer.cc`):
/// - footer (last 48 bytes): metaindex and index `BlockHandle`s (varint offset, size), zero padding,
///   the magic `0xdb4775248b80fb57` (little-endian);
/// - blocks: prefix-compressed entries `[shared][non_shared][value_len][key suffix][value]`, restart
///   offsets (uint32) and their count at the end, then a 5-byte trailer: compression type (0 = none)
///   and the masked CRC-32C of block + type;
/// - the index block maps a separator key to each data block's handle;
/// - key `""` holds the table of contents (`SavedTensorSlices.meta`: name, shape, dtype, slices of
///   every tensor); every other key is an OrderedCode of (0, name, rank, per-dimension start/length)
///   and holds `SavedTensorSlices.data` (name, slice, `TensorProto` with the typed values).
///
/// Only whole (unpartitioned) tensors of float, double, int32 and int64 are read. Rank-4 tensors are
/// convolution kernels in TensorFlow's HWIO order and are returned transposed to PyTorch's OIHW.
enum TFCheckpointV1 {
    static let magic: [UInt8] = [0x57, 0xFB, 0x80, 0x8B, 0x24, 0x75, 0x47, 0xDB]
    static let footerSize = 48

    /// Whether the file ends with the table magic.
    static func looksLike(_ bytes: [UInt8]) -> Bool {
        bytes.count >= footerSize && Array(bytes.suffix(8)) == magic
    }

    /// Every tensor of the checkpoint, in table-of-contents order.
    static func read(_ bytes: [UInt8], path: String) throws -> [WeightEntry] {
        guard bytes.count >= footerSize else { throw WeightError.truncated(path: path, what: "\(bytes.count) bytes, no table footer") }
        guard looksLike(bytes) else { throw WeightError.corrupt(path: path, problem: "no TensorFlow table magic at the end of the file") }
        var footer = ProtobufReader(bytes, (bytes.count - footerSize)..<(bytes.count - 8), path: path, what: "table footer")
        let metaindex = try blockHandle(&footer, fileSize: bytes.count)
        let index = try blockHandle(&footer, fileSize: bytes.count)
        // The metaindex block is empty in Saver V1 files; its checksum is still verified.
        _ = try entries(of: metaindex, in: bytes, path: path, what: "metaindex block")
        var records: [(key: [UInt8], value: Range<Int>)] = []
        for (_, handle) in try entries(of: index, in: bytes, path: path, what: "index block") {
            var h = ProtobufReader(bytes, handle, path: path, what: "index entry")
            let block = try blockHandle(&h, fileSize: bytes.count)
            records += try entries(of: block, in: bytes, path: path, what: "data block at \(block.lowerBound)")
        }
        guard let toc = records.first(where: { $0.key.isEmpty }) else {
            throw WeightError.corrupt(path: path, problem: "no table of contents (empty key) in the TensorFlow checkpoint")
        }
        let metas = try tableOfContents(bytes, toc.value, path: path)
        var data: [String: Range<Int>] = [:]
        for r in records where !r.key.isEmpty {
            let name = try keyName(r.key, path: path)
            guard data[name] == nil else {
                throw WeightError.unsupported(path: path, problem: "tensor '\(name)' is saved in several slices (a partitioned variable)")
            }
            data[name] = r.value
        }
        return try metas.map { meta in
            guard let value = data[meta.name] else { throw WeightError.missingRecord(path: path, record: meta.name) }
            return try tensor(meta, bytes, value, path: path)
        }
    }

    /// A `BlockHandle` (varint offset, varint size) whose block and trailer lie inside the file.
    private static func blockHandle(_ r: inout ProtobufReader, fileSize: Int) throws -> Range<Int> {
        let offset = try r.length(limit: fileSize), size = try r.length(limit: fileSize)
        guard size <= fileSize - offset, 5 <= fileSize - offset - size else {
            throw WeightError.corrupt(path: r.path, problem: "block handle (offset \(offset), size \(size)) reaches past the end of the file")
        }
        return offset..<(offset + size)
    }

    /// The (key, value range) entries of one block, after checking its trailer.
    private static func entries(of block: Range<Int>, in bytes: [UInt8], path: String, what: String) throws
        -> [(key: [UInt8], value: Range<Int>)]
    {
        let type = bytes[block.upperBound]
        let stored = UInt32(ByteCursor.uintLE(bytes, at: block.upperBound + 1, count: 4))
        guard CRC32C.masked(CRC32C.checksum(bytes[block.lowerBound...block.upperBound])) == stored else {
            throw WeightError.corrupt(path: path, problem: "CRC-32C mismatch in the \(what)")
        }
        guard type == 0 else {
            throw WeightError.unsupported(path: path, problem: "\(what) is compressed (type \(type)); only uncompressed tables are read")
        }
        guard block.count >= 4 else { throw WeightError.corrupt(path: path, problem: "\(what) is shorter than its restart count") }
        let restarts = Int(ByteCursor.uintLE(bytes, at: block.upperBound - 4, count: 4))
        guard restarts >= 1, restarts <= (block.count - 4) / 4 else {
            throw WeightError.corrupt(path: path, problem: "\(what) declares \(restarts) restart points")
        }
        let limit = block.upperBound - 4 - 4 * restarts
        var r = ProtobufReader(bytes, block.lowerBound..<limit, path: path, what: what)
        var out: [(key: [UInt8], value: Range<Int>)] = [], key: [UInt8] = []
        while !r.atEnd {
            let shared = try r.length(limit: key.count)
            let fresh = try r.length(limit: limit - r.pos), valueLength = try r.length(limit: limit - r.pos)
            guard fresh + valueLength <= limit - r.pos else { throw WeightError.truncated(path: path, what: "\(what): entry") }
            key = Array(key[0..<shared]) + bytes[r.pos..<(r.pos + fresh)]
            out.append((key, (r.pos + fresh)..<(r.pos + fresh + valueLength)))
            r.pos += fresh + valueLength
        }
        return out
    }

    struct SliceMeta {
        let name: String
        let shape: [Int]
        let dtype: Int
    }

    /// The tensors listed in `SavedTensorSlices.meta.tensor`.
    private static func tableOfContents(_ bytes: [UInt8], _ range: Range<Int>, path: String) throws -> [SliceMeta] {
        let top = ProtobufReader(bytes, range, path: path, what: "table of contents")
        var metas: [SliceMeta] = []
        for (n, v) in try top.fields() {
            guard n == 1, case let .bytes(meta) = v else { continue }
            let m = top.sub(meta, "meta")
            for (n, v) in try m.fields() {
                guard n == 1, case let .bytes(t) = v else { continue }
                metas.append(try sliceMeta(m.sub(t, "tensor"), path: path))
            }
        }
        return metas
    }

    private static func sliceMeta(_ reader: ProtobufReader, path: String) throws -> SliceMeta {
        let r = reader; var name: String?, shape: [Int] = [], dtype = 0
        for (n, v) in try r.fields() {
            switch (n, v) {
            case let (1, .bytes(s)): name = try r.string(s)
            case let (2, .bytes(s)): shape = try dims(r.sub(s, "shape"))
            case let (3, .varint(t)): dtype = Int(truncatingIfNeeded: t)
            case let (4, .bytes(s)):
                let slice = r.sub(s, "slice")
                for (n, v) in try slice.fields() {
                    guard n == 1, case let .bytes(e) = v else { continue }
                    var extent = slice.sub(e, "extent")
                    if !extent.atEnd, try extent.field().number != 0 {
                        throw WeightError.unsupported(path: path, problem: "tensor '\(name ?? "?")' is saved as a partial slice (a partitioned variable)")
                    }
                }
            default: break
            }
        }
        guard let name else { throw WeightError.corrupt(path: path, problem: "a table-of-contents entry has no name") }
        return SliceMeta(name: name, shape: shape, dtype: dtype)
    }

    /// `TensorShapeProto.dim[].size`, each in 0...2^31.
    private static func dims(_ reader: ProtobufReader) throws -> [Int] {
        let r = reader; var out: [Int] = []
        for (n, v) in try r.fields() {
            guard n == 2, case let .bytes(d) = v else { continue }
            let dim = r.sub(d, "dim"); var size: UInt64 = 0
            for (n, v) in try dim.fields() { if n == 1, case let .varint(s) = v { size = s } }
            guard size <= 1 << 31 else { throw WeightError.corrupt(path: r.path, problem: "dimension \(Int64(bitPattern: size)) is negative or too large") }
            out.append(Int(size))
        }
        return out
    }

    /// The tensor name of an OrderedCode slice key: `00`, the escaped name ending in `00 01`, the rank,
    /// then single-byte signed start/length per dimension (0 and -1 for a whole tensor).
    static func keyName(_ key: [UInt8], path: String) throws -> String {
        func bad(_ why: String) -> WeightError { .corrupt(path: path, problem: "bad slice key (\(why))") }
        guard key.first == 0 else { throw bad("does not start with 0") }
        var name: [UInt8] = [], i = 1
        while true {
            guard i < key.count else { throw bad("unterminated name") }
            let b = key[i]
            if b == 0x00 || b == 0xFF {
                guard i + 1 < key.count else { throw bad("truncated escape") }
                let next = key[i + 1]
                i += 2
                if b == 0x00 && next == 0x01 { break }
                if b == 0x00 && next == 0xFF { name.append(0x00) } else if b == 0xFF && next == 0x00 { name.append(0xFF) } else { throw bad("bad escape") }
            } else {
                name.append(b)
                i += 1
            }
        }
        guard i < key.count, key[i] <= 8, i + 1 + Int(key[i]) <= key.count else { throw bad("bad rank") }
        let rank = key[(i + 1)..<(i + 1 + Int(key[i]))].reduce(0) { $0 << 8 | Int($1) }
        i += 1 + Int(key[i])
        guard key.count - i == 2 * rank else {
            throw WeightError.unsupported(path: path, problem: "slice key of '\(String(decoding: name, as: UTF8.self))' is not a whole tensor (a partitioned variable)")
        }
        for d in 0..<rank where key[i + 2 * d] != 0x80 || key[i + 2 * d + 1] != 0x7F {
            throw WeightError.unsupported(path: path, problem: "slice key of '\(String(decoding: name, as: UTF8.self))' is a partial slice")
        }
        guard let s = String(validating: name, as: UTF8.self) else { throw bad("name is not UTF-8") }
        return s
    }

    /// The values of one `SavedTensorSlices.data` record, checked against the table of contents.
    private static func tensor(_ meta: SliceMeta, _ bytes: [UInt8], _ range: Range<Int>, path: String) throws -> WeightEntry {
        var count = 1
        for d in meta.shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= bytes.count else {
                throw WeightError.corrupt(path: path, problem: "tensor '\(meta.name)' has shape \(meta.shape), larger than the file")
            }
            count = p
        }
        let dtype: WeightDType
        switch meta.dtype {
        case 1: dtype = .f32
        case 2: dtype = .f64
        case 3: dtype = .i32
        case 9: dtype = .i64
        default: throw WeightError.unsupported(path: path, problem: "tensor '\(meta.name)' has TensorFlow dtype \(meta.dtype)")
        }
        let record = ProtobufReader(bytes, range, path: path, what: "record of '\(meta.name)'")
        var values: [Float] = [], recordName: String?
        for (n, v) in try record.fields() {
            guard n == 2, case let .bytes(d) = v else { continue }
            let data = record.sub(d, "data")
            for (n, v) in try data.fields() {
                switch (n, v) {
                case let (1, .bytes(s)): recordName = try data.string(s)
                case let (3, .bytes(t)): values = try tensorValues(data.sub(t, "values"), dtype: dtype, count: count)
                default: break
                }
            }
        }
        guard recordName == meta.name else {
            throw WeightError.corrupt(path: path, problem: "record of '\(meta.name)' names '\(recordName ?? "nothing")'")
        }
        guard values.count == count else {
            throw WeightError.corrupt(path: path, problem: "tensor '\(meta.name)' holds \(values.count) values for shape \(meta.shape)")
        }
        var t = Tensor(shape: meta.shape, data: values)
        if meta.shape.count == 4 { t = hwioToOIHW(t) }
        return WeightEntry(name: meta.name, dtype: dtype, tensor: t)
    }

    /// The typed repeated field of a `TensorProto` (`float_val` 5, `double_val` 6, `int_val` 7,
    /// `int64_val` 10; packed or not) or its `tensor_content` (4), at most `count` values.
    private static func tensorValues(_ reader: ProtobufReader, dtype: WeightDType, count: Int) throws -> [Float] {
        let r = reader; var out: [Float] = []
        let field: Int
        switch dtype {
        case .f32: field = 5
        case .f64: field = 6
        case .i32: field = 7
        default: field = 10
        }
        func add(_ v: Float) throws {
            guard out.count < count else { throw WeightError.corrupt(path: r.path, problem: "\(r.what): more values than the shape holds") }
            out.append(v)
        }
        func scalar(_ v: ProtobufReader.Value) throws {
            switch (dtype, v) {
            case let (.f32, .fixed32(b)): try add(Float(bitPattern: b))
            case let (.f64, .fixed64(b)): try add(Float(Double(bitPattern: b)))
            case let (.i32, .varint(b)): try add(Float(Int32(truncatingIfNeeded: b)))
            case let (.i64, .varint(b)): try add(Float(Int64(bitPattern: b)))
            default: throw WeightError.corrupt(path: r.path, problem: "\(r.what): wrong wire type for \(dtype)")
            }
        }
        for (n, v) in try r.fields() {
            if n == 4, case let .bytes(s) = v {
                guard s.count == count * dtype.size else {
                    throw WeightError.corrupt(path: r.path, problem: "\(r.what): tensor_content has \(s.count) bytes for \(count) values")
                }
                for i in 0..<count {
                    let raw = ByteCursor.uintLE(r.bytes, at: s.lowerBound + i * dtype.size, count: dtype.size)
                    switch dtype {
                    case .f32: try add(Float(bitPattern: UInt32(raw)))
                    case .f64: try add(Float(Double(bitPattern: raw)))
                    case .i32: try add(Float(Int32(truncatingIfNeeded: raw)))
                    default: try add(Float(Int64(bitPattern: raw)))
                    }
                }
                continue
            }
            guard n == field else { continue }
            guard case let .bytes(packed) = v else {
                try scalar(v)
                continue
            }
            var p = r.sub(packed, "packed values")
            out.reserveCapacity(min(count, packed.count))
            while !p.atEnd {
                switch dtype {
                case .f32:
                    guard p.end - p.pos >= 4 else { throw WeightError.truncated(path: r.path, what: "\(r.what): packed float") }
                    try scalar(.fixed32(UInt32(ByteCursor.uintLE(p.bytes, at: p.pos, count: 4))))
                    p.pos += 4
                case .f64:
                    guard p.end - p.pos >= 8 else { throw WeightError.truncated(path: r.path, what: "\(r.what): packed double") }
                    try scalar(.fixed64(ByteCursor.uintLE(p.bytes, at: p.pos, count: 8)))
                    p.pos += 8
                default: try scalar(.varint(try p.varint()))
                }
            }
        }
        return out
    }

    /// `[kh, kw, in, out]` -> `[out, in, kh, kw]`.
    static func hwioToOIHW(_ t: Tensor) -> Tensor {
        let (kh, kw, ci, co) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        var out = [Float](repeating: 0, count: t.count)
        for y in 0..<kh {
            for x in 0..<kw {
                for i in 0..<ci {
                    for o in 0..<co { out[((o * ci + i) * kh + y) * kw + x] = t.data[((y * kw + x) * ci + i) * co + o] }
                }
            }
        }
        return Tensor(shape: [co, ci, kh, kw], data: out)
    }
}
