import SISREngine
/// Values produced by the safe unpickler. Mutable containers are classes because a pickle may
/// reference one container from several places (via the memo) and fill it later.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for Int: little-endian two's-complement bytes, as LONG1/LONG4 store them.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A reference to an allowlisted global (never called).
    case global(module: String, name: String)
    case storage(StorageRef)
    case tensor(TensorRef)
    /// An inert stand-in for an allowlisted object (Namespace, EasyDict, NumPy scalar, enum...).
    case object(PickleObject)

    var asString: String? { if case let .string(s) = self { return s } else { return nil } }
    var asInt: Int? {
        switch self {
        case let .int(i): return i
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }
    /// Elements of a tuple or list.
    var asSequence: [PickleValue]? {
        switch self {
        case let .tuple(t): return t
        case let .list(l): return l.items
        default: return nil
        }
    }
    var asDict: PickleDict? {
        switch self {
        case let .dict(d): return d
        case let .object(o): return o.dict.entries.isEmpty ? nil : o.dict
        default: return nil
        }
    }

    /// A short human-readable type name, for messages and `inspect-weights`.
    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case let .global(m, n): return "\(m).\(n)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case let .object(o): return o.type
        }
    }
}

final class PickleList {
    var items: [PickleValue]
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// An insertion-ordered dict. Keys that are str/int/bool replace earlier equal keys, as in Python;
/// other keys (tuples, floats) are only appended.
final class PickleDict {
    enum Key: Hashable { case str(String), int(Int) }
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var index: [Key: Int] = [:]

    static func key(_ v: PickleValue) -> Key? {
        switch v {
        case let .string(s): return .str(s)
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)
        default: return nil
        }
    }

    func set(_ k: PickleValue, _ v: PickleValue) {
        if let hk = Self.key(k) {
            if let i = index[hk] { entries[i].value = v; return }
            index[hk] = entries.count
        }
        entries.append((k, v))
    }

    subscript(_ s: String) -> PickleValue? { index[.str(s)].map { entries[$0].value } }

    /// The string keys, in insertion order (other keys are shown by type).
    var keyNames: [String] { entries.map { $0.key.asString ?? "<\($0.key.typeName)>" } }
}

/// An allowlisted object kept inert: its constructor arguments, BUILD state and any items.
final class PickleObject {
    let type: String
    let args: [PickleValue]
    var state: PickleValue?
    let items = PickleList()
    let dict = PickleDict()
    init(type: String, args: [PickleValue]) {
        self.type = type
        self.args = args
    }
}

/// One storage as named by a persistent id.
struct StorageRef {
    let dtype: WeightDType
    let key: String
    let location: String
    /// Element count the pickle declares (never trusted beyond the record's real length).
    let numel: Int
    /// Element offset into the root storage (pre-0.4 legacy storage views only; usually 0).
    let viewOffset: Int
}

/// A tensor as a strided view into a storage, resolved lazily once the storage bytes are known.
struct TensorRef {
    let storage: StorageRef
    let offset: Int
    let shape: [Int]
    let stride: [Int]
}
