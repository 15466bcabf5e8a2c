import SISRCore
import SRModels

/// A trainable tensor under its PyTorch `state_dict` key, with its accumulated gradient.
public final class Parameter {
    public let key: String
    public var value: Tensor
    /// Sum of the gradients of every backward pass since the last ``zeroGrad()`` (PyTorch semantics).
    public var grad: [Float]
    /// When false, forward passes treat the parameter as a constant (PyTorch `requires_grad = False`).
    public var requiresGrad = true

    public init(key: String, value: Tensor) {
        self.key = key
        self.value = value
        grad = [Float](repeating: 0, count: value.count)
    }

    /// The parameter as a graph leaf for one forward pass.
    public var variable: Variable { Variable(leaf: value, parameter: self) }

    public func zeroGrad() {
        for i in grad.indices { grad[i] = 0 }
    }

    func addGradient(_ g: [Float]) {
        grad.withUnsafeMutableBufferPointer { d in
            g.withUnsafeBufferPointer { s in
                for i in d.indices { d[i] += s[i] }
            }
        }
    }
}

/// A non-trainable state tensor saved with the network (BatchNorm running statistics). Integer
/// buffers (`num_batches_tracked`) are kept exactly in `integer`.
public final class Buffer {
    public let key: String
    public var value: Tensor
    public var integer: Int64?

    init(key: String, value: Tensor, integer: Int64? = nil) {
        self.key = key
        self.value = value
        self.integer = integer
    }
}

/// The parameters and buffers of a network in registration order (the order of PyTorch's
/// `state_dict()`), created with their initial values while the network is built.
public final class ParameterList {
    public private(set) var parameters: [Parameter] = []
    public private(set) var buffers: [Buffer] = []
    /// Keys of parameters and buffers in state-dict order.
    public private(set) var order: [String] = []
    let seed: UInt64
    let name: String

    /// Initial values are drawn from `SeededRandom(seed: seed, "init", name, key)`, one stream per key.
    public init(seed: UInt64, name: String = "net_g") {
        self.seed = seed
        self.name = name
    }

    func add(_ key: String, shape: [Int], _ initialiser: Initialiser) -> Parameter {
        precondition(!order.contains(key), "duplicate parameter key \(key)")
        let p = Parameter(key: key, value: initialiser.make(shape: shape, seed: seed, stream: name, key: key))
        parameters.append(p)
        order.append(key)
        return p
    }

    func addBuffer(_ key: String, value: Tensor, integer: Int64? = nil) -> Buffer {
        let b = Buffer(key: key, value: value, integer: integer)
        buffers.append(b)
        order.append(key)
        return b
    }

    public func parameter(_ key: String) -> Parameter? { parameters.first { $0.key == key } }

    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    public func setRequiresGrad(_ on: Bool) { for p in parameters { p.requiresGrad = on } }

    /// Parameters and float buffers as a state dict (integer buffers as float values).
    public var stateDict: StateDict {
        var d = StateDict()
        for p in parameters { d[p.key] = p.value }
        for b in buffers { d[b.key] = b.integer.map { Tensor(shape: [], data: [Float($0)]) } ?? b.value }
        return d
    }

    /// The state dict as ordered checkpoint entries (float32, `num_batches_tracked` as int64).
    public var checkpointEntries: [CheckpointEntry] {
        let byKey = Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.value) })
        let buffersByKey = Dictionary(uniqueKeysWithValues: buffers.map { ($0.key, $0) })
        return order.map { key in
            if let t = byKey[key] { return CheckpointEntry(key: key, float: t) }
            let b = buffersByKey[key]!
            if let i = b.integer { return CheckpointEntry(key: key, int64: i) }
            return CheckpointEntry(key: key, float: b.value)
        }
    }

    /// Replaces every value from `dict` (same keys and element counts), as `load_state_dict(strict=True)`.
    public func load(_ dict: StateDict, source: String) throws {
        let known = Set(order)
        let missing = order.filter { dict[$0] == nil }
        let unused = dict.keys.filter { !known.contains($0) }.sorted()
        var shapes: [ShapeMismatch] = []
        for p in parameters {
            if let t = dict[p.key], t.count != p.value.count {
                shapes.append(ShapeMismatch(key: p.key, expected: p.value.shape, found: t.shape))
            }
        }
        guard missing.isEmpty, unused.isEmpty, shapes.isEmpty else {
            throw ModelError.keyMismatch(source: source, missing: missing, unused: unused, shapes: shapes)
        }
        for p in parameters { p.value = dict[p.key]!.reshaped(p.value.shape) }
        for b in buffers {
            let t = dict[b.key]!
            if b.integer != nil { b.integer = Int64(t.data.first ?? 0) } else { b.value = t.reshaped(b.value.shape) }
        }
    }
}

/// How a parameter's initial values are drawn (from the project's ``SeededRandom``; the distributions
/// are PyTorch's, the random streams are not).
enum Initialiser {
    /// PyTorch's default for `Conv2d`/`Linear` weights and biases (`kaiming_uniform_(a=sqrt(5))` and
    /// the bias rule): uniform on `[-1/sqrt(fanIn), 1/sqrt(fanIn)]`.
    case pytorchDefault(fanIn: Int)
    /// BasicSR's `default_init_weights(scale)`: Kaiming (fan-in, ReLU gain) with standard deviation
    /// `sqrt(2/fanIn)`, times `scale`. Drawn uniformly with that standard deviation.
    case kaiming(fanIn: Int, scale: Float)
    case constant(Float)
    /// Uniform with standard deviation 1 (ProGAN's equalized learning rate stores unit-variance
    /// weights and multiplies them by the He constant at run time).
    case unitVariance

    func make(shape: [Int], seed: UInt64, stream: String, key: String) -> Tensor {
        let n = shape.reduce(1, *)
        let bound: Double
        switch self {
        case let .constant(c): return Tensor(shape: shape, data: [Float](repeating: c, count: n))
        case let .pytorchDefault(fanIn): bound = 1 / Double(max(1, fanIn)).squareRoot()
        case let .kaiming(fanIn, scale): bound = (6 / Double(max(1, fanIn))).squareRoot() * Double(scale)
        case .unitVariance: bound = Double(3).squareRoot()
        }
        var rng = SeededRandom(seed: seed, "init", stream, key)
        return Tensor(shape: shape, data: (0..<n).map { _ in Float((rng.nextDouble() * 2 - 1) * bound) })
    }
}
