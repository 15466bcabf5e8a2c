import Foundation
import SISRCore

/// One tensor to save, in state-dict order: float32 values or a single int64 (BatchNorm's
/// `num_batches_tracked`).
public struct CheckpointEntry: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case float(Tensor)
        case int64(Int64)
    }

    public let key: String
    public let values: Values

    public init(key: String, float t: Tensor) {
        self.key = key
        values = .float(t)
    }

    public init(key: String, int64 v: Int64) {
        self.key = key
        values = .int64(v)
    }
}

/// Writes PyTorch zip checkpoints without PyTorch: `torch.load(weights_only=True)` returns a dict of
/// `OrderedDict`s of tensors, which `load_state_dict(strict=True)` accepts.
///
/// Layout (as `torch.save` in torch 2.x): a stored (uncompressed) zip whose entries sit under
/// `archive/`: `data.pkl`, `.format_version` ("1"), `.storage_alignment` ("64"), `byteorder`
/// ("little"), `data/0`, `data/1`, ... (raw little-endian elements, each starting at a multiple of 64
/// bytes, padded with a local-header extra field of id 0x4642), then `version` ("3\n"). The pickle
/// (protocol 2) holds `{root: OrderedDict(key -> _rebuild_tensor_v2(storage, 0, size, stride, False,
/// OrderedDict()))}` with storages as persistent ids `('storage', torch.FloatStorage|LongStorage, key,
/// 'cpu', numel)`. The output depends only on the entries (no time stamps, no random id).
public enum TorchCheckpointWriter {
    /// The bytes of a checkpoint holding `groups` (root key -> ordered entries), in the given order.
    public static func encode(_ groups: [(root: String, entries: [CheckpointEntry])]) -> [UInt8] {
        var pickle = PickleBuilder()
        var storages: [[UInt8]] = []
        pickle.op(0x80, [2])  // PROTO 2
        pickle.op(0x7D)  // EMPTY_DICT
        pickle.op(0x28)  // MARK
        for group in groups {
            pickle.string(group.root)
            pickle.beginOrderedDict()
            do {
                for e in group.entries {
                    pickle.string(e.key)
                    let (storage, shape, bytes): (String, [Int], [UInt8])
                    switch e.values {
                    case let .float(t):
                        var b = [UInt8]()
                        b.reserveCapacity(4 * t.count)
                        for v in t.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { b.append(contentsOf: $0) } }
                        (storage, shape, bytes) = ("FloatStorage", t.shape, b)
                    case let .int64(v):
                        (storage, shape, bytes) = ("LongStorage", [], withUnsafeBytes(of: v.littleEndian) { Array($0) })
                    }
                    pickle.tensor(storage: storage, key: String(storages.count), shape: shape)
                    storages.append(bytes)
                }
            }
            pickle.op(0x75)  // SETITEMS
        }
        pickle.op(0x75)  // SETITEMS
        pickle.op(0x2E)  // STOP

        var zip = StoredZip(prefix: "archive")
        zip.add("data.pkl", pickle.bytes)
        zip.add(".format_version", Array("1".utf8))
        zip.add(".storage_alignment", Array("64".utf8))
        zip.add("byteorder", Array("little".utf8))
        for (i, s) in storages.enumerated() { zip.add("data/\(i)", s) }
        zip.add("version", Array("3\n".utf8))
        return zip.finish()
    }

    /// Writes the checkpoint atomically.
    public static func write(_ groups: [(root: String, entries: [CheckpointEntry])], to url: URL) throws {
        try AtomicFile.write(encode(groups), to: url)
    }
}

/// Protocol-2 pickle opcodes for state dicts.
struct PickleBuilder {
    var bytes: [UInt8] = []

    mutating func op(_ code: UInt8, _ args: [UInt8] = []) {
        bytes.append(code)
        bytes.append(contentsOf: args)
    }

    mutating func string(_ s: String) {
        let u = Array(s.utf8)
        op(0x58, le32(u.count))  // BINUNICODE
        bytes.append(contentsOf: u)
    }

    mutating func int(_ v: Int) {
        if v >= 0 && v < 256 {
            op(0x4B, [UInt8(v)])  // BININT1
        } else if v >= 0 && v < 65536 {
            op(0x4D, [UInt8(v & 0xFF), UInt8(v >> 8)])  // BININT2
        } else {
            op(0x4A, le32(v))  // BININT
        }
    }

    mutating func global(_ module: String, _ name: String) {
        op(0x63)  // GLOBAL
        bytes.append(contentsOf: Array("\(module)\n\(name)\n".utf8))
    }

    mutating func tuple(_ values: [Int]) {
        op(0x28)
        for v in values { int(v) }
        op(0x74)  // TUPLE
    }

    /// `OrderedDict()` and a MARK; the caller pushes key/value pairs and then SETITEMS.
    mutating func beginOrderedDict() {
        global("collections", "OrderedDict")
        op(0x29)  // EMPTY_TUPLE
        op(0x52)  // REDUCE
        op(0x28)
    }

    mutating func tensor(storage: String, key: String, shape: [Int]) {
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        global("torch._utils", "_rebuild_tensor_v2")
        op(0x28)
        op(0x28)
        string("storage")
        global("torch", storage)
        string(key)
        string("cpu")
        int(shape.reduce(1, *))
        op(0x74)
        op(0x51)  // BINPERSID
        int(0)
        tuple(shape)
        tuple(strides)
        op(0x89)  // NEWFALSE
        beginOrderedDict()
        op(0x75)
        op(0x74)
        op(0x52)
    }

    func le32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { Array($0) } }
}

/// A zip archive of stored entries whose data start at multiples of 64 bytes.
struct StoredZip {
    let prefix: String
    var out: [UInt8] = []
    var central: [UInt8] = []
    var count = 0

    init(prefix: String) { self.prefix = prefix }

    mutating func add(_ name: String, _ data: [UInt8]) {
        let fullName = Array("\(prefix)/\(name)".utf8)
        let crc = data.withUnsafeBufferPointer { CRC32.checksum($0) }
        let offset = out.count
        // Extra field "FB" (id + length, 4 bytes) plus zero padding up to the next multiple of 64.
        let pad = (64 - (offset + 30 + fullName.count + 4) % 64) % 64
        // Local header: version 2.0, no flags, stored, time 0, date 1980-01-01.
        for v in [0x0403_4B50] { Self.put32(&out, v) }
        for v in [20, 0, 0, 0, 0x21] { Self.put16(&out, v) }
        for v in [Int(crc), data.count, data.count] { Self.put32(&out, v) }
        for v in [fullName.count, 4 + pad] { Self.put16(&out, v) }
        out.append(contentsOf: fullName)
        out.append(contentsOf: [0x46, 0x42])
        Self.put16(&out, pad)
        out.append(contentsOf: [UInt8](repeating: 0, count: pad))
        out.append(contentsOf: data)
        // Central directory record.
        Self.put32(&central, 0x0201_4B50)
        for v in [20, 20, 0, 0, 0, 0x21] { Self.put16(&central, v) }
        for v in [Int(crc), data.count, data.count] { Self.put32(&central, v) }
        for v in [fullName.count, 0, 0, 0, 0] { Self.put16(&central, v) }
        for v in [0, offset] { Self.put32(&central, v) }
        central.append(contentsOf: fullName)
        count += 1
    }

    mutating func finish() -> [UInt8] {
        let cdOffset = out.count
        out.append(contentsOf: central)
        Self.put32(&out, 0x0605_4B50)
        for v in [0, 0, count, count] { Self.put16(&out, v) }
        for v in [central.count, cdOffset] { Self.put32(&out, v) }
        Self.put16(&out, 0)
        return out
    }

    static func put16(_ b: inout [UInt8], _ v: Int) { b.append(UInt8(v & 0xFF)); b.append(UInt8((v >> 8) & 0xFF)) }
    static func put32(_ b: inout [UInt8], _ v: Int) {
        for i in 0..<4 { b.append(UInt8((v >> (8 * i)) & 0xFF)) }
    }
}
