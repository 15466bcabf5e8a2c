import SISREngine
/// Values produced by the safe unpickler. Containers are classes: a pickle may reference one
/// container from several places (via the memo) and fill it later, and a class's `deinit` can take
/// its nested values apart iteratively (`PickleTeardown`), so a deeply nested pickle cannot
/// overflow the stack while it is freed.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for Int: little-endian two's-complement bytes, as LONG1/LONG4 store them.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
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
        case let .tuple(t): return t.items
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

extension PickleValue {
    /// How many containers deep this value nests (0 for a scalar), as recorded when the containers
    /// were filled; the unpickler refuses values deeper than `Unpickler.maxDepth`.
    var depth: Int {
        switch self {
        case let .tuple(t): return t.depth
        case let .list(l): return l.depth
        case let .dict(d): return d.depth
        case let .object(o): return o.depth
        default: return 0
        }
    }

    /// 1 + the deepest of `values`: the depth of a container holding them.
    static func depth(holding values: [PickleValue]) -> Int { 1 + values.reduce(0) { max($0, $1.depth) } }
}

final class PickleTuple {
    fileprivate(set) var items: [PickleValue]
    let depth: Int
    init(_ items: [PickleValue]) {
        self.items = items
        depth = PickleValue.depth(holding: items)
    }
    deinit { PickleTeardown.dismantle(&items) }
}

final class PickleList {
    fileprivate(set) var items: [PickleValue]
    private(set) var depth: Int
    init(_ items: [PickleValue] = []) {
        self.items = items
        depth = PickleValue.depth(holding: items)
    }
    func append(contentsOf more: [PickleValue]) {
        items += more
        depth = max(depth, PickleValue.depth(holding: more))
    }
    deinit { PickleTeardown.dismantle(&items) }
}

/// An insertion-ordered dict. Keys that are str/int/bool replace earlier equal keys, as in Python;
/// other keys (tuples, floats) are only appended.
final class PickleDict {
    enum Key: Hashable { case str(String), int(Int) }
    fileprivate(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var index: [Key: Int] = [:]
    private(set) var depth = 1

    static func key(_ v: PickleValue) -> Key? {
        switch v {
        case let .string(s): return .str(s)
        case let .int(i): return .int(i)
        case let .bool(b): return .int(b ? 1 : 0)
        default: return nil
        }
    }

    func set(_ k: PickleValue, _ v: PickleValue) {
        depth = max(depth, 1 + max(k.depth, v.depth))
        if let hk = Self.key(k) {
            if let i = index[hk] { entries[i].value = v; return }
            index[hk] = entries.count
        }
        entries.append((k, v))
    }

    subscript(_ s: String) -> PickleValue? { index[.str(s)].map { entries[$0].value } }

    /// The string keys, in insertion order (other keys are shown by type).
    var keyNames: [String] { entries.map { $0.key.asString ?? "<\($0.key.typeName)>" } }

    deinit {
        var flat = [PickleValue]()
        flat.reserveCapacity(entries.count * 2)
        for (k, v) in entries { flat.append(k); flat.append(v) }
        entries = []
        PickleTeardown.dismantle(&flat)
    }
}

/// An allowlisted object kept inert: its constructor arguments, BUILD state and any items.
final class PickleObject {
    let type: String
    fileprivate(set) var args: [PickleValue]
    fileprivate(set) var state: PickleValue?
    let items = PickleList()
    let dict = PickleDict()
    private var ownDepth: Int
    init(type: String, args: [PickleValue]) {
        self.type = type
        self.args = args
        ownDepth = PickleValue.depth(holding: args)
    }
    /// BUILD's state.
    func setState(_ s: PickleValue) {
        state = s
        ownDepth = max(ownDepth, 1 + s.depth)
    }
    /// Deepest of the arguments, the state, the items and the dict entries, plus one.
    var depth: Int { max(ownDepth, items.depth, dict.depth) }
    deinit {
        var rest = args
        args = []
        if let s = state { rest.append(s) }
        state = nil
        PickleTeardown.dismantle(&rest)
    }
}

/// Frees nested pickle values without recursion. Each container's `deinit` hands its children to
/// `dismantle`, which takes apart, on a work list, every child container it holds the last
/// reference to (moving that child's own children onto the list before the child is freed, so
/// the child's `deinit` finds nothing to free). Stack use is constant for any nesting depth.
enum PickleTeardown {
    static func dismantle(_ values: inout [PickleValue]) {
        guard values.contains(where: { $0.depth > 0 }) else { return }
        var work = values
        values = []
        while !work.isEmpty {
            // Take the container out of the value in its own scope, so that when the scope ends
            // the work list's reference is gone and a uniqueness check can succeed.
            var t: PickleTuple?, l: PickleList?, d: PickleDict?, o: PickleObject?
            do {
                switch work.removeLast() {
                case let .tuple(x): t = x
                case let .list(x): l = x
                case let .dict(x): d = x
                case let .object(x): o = x
                default: break
                }
            }
            if t != nil, isKnownUniquelyReferenced(&t) { work += t!.items; t!.items = [] }
            if l != nil, isKnownUniquelyReferenced(&l) { work += l!.items; l!.items = [] }
            if d != nil, isKnownUniquelyReferenced(&d) {
                for (k, x) in d!.entries { work.append(k); work.append(x) }
                d!.entries = []
            }
            if o != nil, isKnownUniquelyReferenced(&o) {
                work += o!.args
                o!.args = []
                if let s = o!.state { work.append(s) }
                o!.state = nil
                work.append(.list(o!.items))
                work.append(.dict(o!.dict))
            }
        }
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
