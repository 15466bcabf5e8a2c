import SISRCore
import SISREngine

/// Where a network's parameters come from while it is being built, and a record of what was used.
///
/// Architectures ask for each parameter by its full key (through ``WeightScope``) together with the
/// shape they need. A checkpoint-backed store hands out the stored tensor and records missing keys and
/// shape mismatches (returning zeros so that building can go on and report every problem at once);
/// ``finish(strict:)`` then throws one error listing them, plus the keys nobody asked for.
/// A random store makes PyTorch-default-like uniform weights from a ``SeededRandom`` stream per key.
public final class WeightStore {
    enum Source {
        case checkpoint(StateDict)
        case random(seed: UInt64)
    }

    let source: Source
    /// Names the checkpoint in error messages (usually its file name).
    public let name: String
    public private(set) var used: Set<String> = []
    public private(set) var missing: [String] = []
    public private(set) var mismatched: [ShapeMismatch] = []

    /// Parameters come from `stateDict` (keys already in the architecture's own layout).
    public init(_ stateDict: StateDict, name: String) {
        source = .checkpoint(stateDict)
        self.name = name
    }

    /// Parameters are drawn uniformly from `[-1/sqrt(fanIn), 1/sqrt(fanIn)]` (PyTorch's default
    /// initialisation bound for convolutions), from the stream `SeededRandom(seed:, "weights", key)`.
    public static func random(seed: UInt64) -> WeightStore { WeightStore(randomSeed: seed) }

    private init(randomSeed: UInt64) {
        source = .random(seed: randomSeed)
        name = "random(seed: \(randomSeed))"
    }

    /// Whether the store holds `key` (always false for random stores).
    public func contains(_ key: String) -> Bool {
        if case let .checkpoint(dict) = source { return dict[key] != nil }
        return false
    }

    /// The tensor stored under `key` if any, marked as used, whatever its shape.
    public func optionalTensor(_ key: String) -> Tensor? {
        guard case let .checkpoint(dict) = source, let t = dict[key] else { return nil }
        used.insert(key)
        return t
    }

    /// The parameter `key` with the given shape.
    public func tensor(_ key: String, shape: [Int], fanIn: Int) -> Tensor {
        switch source {
        case let .checkpoint(dict):
            guard let t = dict[key] else {
                missing.append(key)
                return Tensor(zeros: shape)
            }
            used.insert(key)
            guard t.shape == shape || (t.count == shape.reduce(1, *) && t.shape.filter { $0 != 1 } == shape.filter { $0 != 1 }) else {
                mismatched.append(ShapeMismatch(key: key, expected: shape, found: t.shape))
                return Tensor(zeros: shape)
            }
            return t.reshaped(shape)
        case let .random(seed):
            var rng = SeededRandom(seed: seed, "weights", key)
            let bound = 1 / Double(max(1, fanIn)).squareRoot()
            let n = shape.reduce(1, *)
            return Tensor(shape: shape, data: (0..<n).map { _ in Float((rng.nextDouble() * 2 - 1) * bound) })
        }
    }

    /// Throws ``ModelError/keyMismatch(source:missing:unused:shapes:)`` if a parameter was missing or
    /// had the wrong shape, or (when `strict`) if a stored key was never used.
    public func finish(strict: Bool = true) throws {
        var unused: [String] = []
        if strict, case let .checkpoint(dict) = source {
            unused = dict.keys.filter { !used.contains($0) }.sorted()
        }
        if !missing.isEmpty || !unused.isEmpty || !mismatched.isEmpty {
            throw ModelError.keyMismatch(source: name, missing: missing, unused: unused, shapes: mismatched)
        }
    }
}

/// A view of a ``WeightStore`` under a key prefix, so that a block can name its parameters relative
/// to where it sits: `scope["body"][3]["conv1"].tensor("weight", ...)` reads `body.3.conv1.weight`.
public struct WeightScope {
    public let store: WeightStore
    /// The prefix including its trailing dot, or "" at the root.
    public let prefix: String

    public init(_ store: WeightStore, prefix: String = "") {
        self.store = store
        self.prefix = prefix
    }

    /// The scope of a child module.
    public subscript(_ child: String) -> WeightScope { WeightScope(store, prefix: prefix + child + ".") }

    /// The scope of a child in a numbered container (`nn.Sequential` index).
    public subscript(_ index: Int) -> WeightScope { self[String(index)] }

    /// The parameter `name` of this module with the given shape.
    public func tensor(_ name: String, shape: [Int], fanIn: Int) -> Tensor {
        store.tensor(prefix + name, shape: shape, fanIn: fanIn)
    }

    /// The full key of parameter `name` in this scope.
    public func key(_ name: String) -> String { prefix + name }
}
