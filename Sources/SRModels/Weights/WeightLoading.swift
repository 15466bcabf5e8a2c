import SISREngine
import Foundation

/// How `loadCheckpoint` / `loadStateDict` unwrap and filter a checkpoint.
public struct WeightLoadOptions: Sendable {
    /// Descend into this root key (e.g. "params") instead of the automatic choice
    /// (`params_ema`, else `params`, else `state_dict`, else `model`, and LIIF's `model.sd`).
    public var rootKey: String?
    /// Strip a leading `module.` (DataParallel) from every key. Default true.
    public var stripModulePrefix: Bool
    /// Drop SwinIR's recomputable `attn_mask` and `relative_position_index` buffers. Default false.
    public var dropAttentionBuffers: Bool
    /// Put integer/bool tensors into `loadStateDict`'s result (as Float). Default false: they are
    /// left out there, but always listed by `loadCheckpoint` with their dtype.
    public var includeIntegerTensors: Bool
    /// Extra `module.name` globals to accept as inert objects (e.g. a project's enum class).
    /// Globals of dangerous modules (os, subprocess, builtins...) are refused regardless.
    public var extraAllowedGlobals: Set<String>
    /// Check zip CRC-32s of the records read. Default true.
    public var verifyChecksums: Bool

    public init(
        rootKey: String? = nil, stripModulePrefix: Bool = true, dropAttentionBuffers: Bool = false,
        includeIntegerTensors: Bool = false, extraAllowedGlobals: Set<String> = [], verifyChecksums: Bool = true
    ) {
        self.rootKey = rootKey
        self.stripModulePrefix = stripModulePrefix
        self.dropAttentionBuffers = dropAttentionBuffers
        self.includeIntegerTensors = includeIntegerTensors
        self.extraAllowedGlobals = extraAllowedGlobals
        self.verifyChecksums = verifyChecksums
    }
}

/// The container a checkpoint file uses, found from its first bytes.
public enum CheckpointFormat: String, Sendable, Codable {
    case torchZip = "torch zip"
    case torchLegacy = "torch legacy"
    case safetensors = "safetensors"
    /// TensorFlow 1 `Saver` V1 (one table file; EnhanceNet's `weights`).
    case tensorflowV1 = "tensorflow v1"
}

/// One tensor as stored: its (unwrapped) name, stored dtype and Float32 values in PyTorch's shape.
public struct WeightEntry: Sendable, Equatable {
    public let name: String
    public let dtype: WeightDType
    public let tensor: Tensor
}

/// A checkpoint after unwrapping, with enough detail for `sisr inspect-weights`.
public struct Checkpoint: Sendable {
    public let path: String
    public let format: CheckpointFormat
    /// Keys of the file's root dict (for safetensors: the tensor names).
    public let rootKeys: [String]
    /// The wrapper keys descended through, e.g. `["params_ema"]` or `["model", "sd"]`.
    public let unwrapPath: [String]
    /// Tensors in file order, names unwrapped (prefix stripped), buffers dropped if asked.
    public let entries: [WeightEntry]
    /// Names (after stripping) of buffers dropped by `dropAttentionBuffers`.
    public let droppedKeys: [String]
    /// Non-tensor entries found beside the tensors (ignored), as `name: type`.
    public let ignoredEntries: [String]
    /// safetensors `__metadata__` (empty for torch files).
    public let metadata: [String: String]

    /// Float tensors (and integer ones if asked) by name.
    public func stateDict(includeIntegerTensors: Bool = false) -> StateDict {
        var d = StateDict(minimumCapacity: entries.count)
        for e in entries where includeIntegerTensors || e.dtype.isFloatingPoint { d[e.name] = e.tensor }
        return d
    }
}

/// Loads a checkpoint (torch zip, torch legacy, safetensors or TensorFlow 1 V1, detected by magic bytes) and returns
/// its float tensors as Float32 by name, unwrapped as BasicSR does. See `WeightLoadOptions`.
public func loadStateDict(_ url: URL, options: WeightLoadOptions = .init()) throws -> StateDict {
    try loadCheckpoint(url, options: options).stateDict(includeIntegerTensors: options.includeIntegerTensors)
}

/// Loads a checkpoint with full detail (format, root keys, dtypes). No Python, nothing executed.
public func loadCheckpoint(_ url: URL, options: WeightLoadOptions = .init()) throws -> Checkpoint {
    try loadCheckpoint(bytes: try readCheckpointFile(url), path: url.path, options: options)
}

/// The bytes of a checkpoint file, for reading it once and unwrapping it more than one way
/// (``loadCheckpoint(bytes:path:options:)``). - Throws: ``WeightError/io(path:problem:)``.
public func readCheckpointFile(_ url: URL) throws -> [UInt8] {
    do {
        return [UInt8](try Data(contentsOf: url, options: .alwaysMapped))
    } catch {
        throw WeightError.io(path: url.path, problem: "cannot read file (\(error.localizedDescription))")
    }
}

/// `loadCheckpoint` on the bytes of a file already read (`path` names it in errors).
public func loadCheckpoint(bytes: [UInt8], path: String, options: WeightLoadOptions = .init()) throws -> Checkpoint {
    let format = try detectCheckpointFormat(bytes, path: path)
    if format == .safetensors {
        let st = try Safetensors.read(bytes, path: path)
        var raw = st.entries, trail: [String] = []
        // A flattened BasicSR checkpoint (`params.body.0.weight` and `params_ema.body.0.weight`, as
        // `sisr train` writes) is unwrapped by the same rule as a pickled one: the named root key,
        // else `params_ema`, else `params`, when every tensor name starts with one of them.
        let wrapped = ["params_ema", "params"].filter { k in st.entries.contains { $0.name.hasPrefix(k + ".") } }
        let allWrapped = !st.entries.isEmpty && st.entries.allSatisfy { e in wrapped.contains { e.name.hasPrefix($0 + ".") } }
        if let key = options.rootKey ?? (allWrapped ? wrapped.first : nil) {
            let prefix = key + "."
            raw = st.entries.filter { $0.name.hasPrefix(prefix) }
                .map { WeightEntry(name: String($0.name.dropFirst(prefix.count)), dtype: $0.dtype, tensor: $0.tensor) }
            guard !raw.isEmpty else {
                let roots = Set(st.entries.map { $0.name.split(separator: ".").first.map(String.init) ?? $0.name }).sorted()
                throw WeightError.noTensors(path: path, problem: "no tensor names start with '\(prefix)' (first name parts: \(roots.prefix(8).joined(separator: ", ")))")
            }
            trail = [key]
        }
        return try finish(path: path, format: format, rootKeys: st.entries.map(\.name), unwrapPath: trail,
                          raw: raw, ignored: [], metadata: st.metadata, options: options)
    }
    if format == .tensorflowV1 {
        let entries = try TFCheckpointV1.read(bytes, path: path)
        return try finish(path: path, format: format, rootKeys: entries.map(\.name), unwrapPath: [],
                          raw: entries, ignored: [], metadata: [:], options: options)
    }
    let pickle = format == .torchZip
        ? try TorchCheckpoint.readZip(bytes, path: path, options: options)
        : try TorchCheckpoint.readLegacy(bytes, path: path, options: options)
    guard let rootDict = pickle.root.asDict else {
        throw WeightError.noTensors(path: path, problem: "the pickle's root is a \(pickle.root.typeName), not a dict")
    }
    let (dict, unwrapPath) = try unwrap(rootDict, path: path, options: options)
    var raw: [WeightEntry] = [], ignored: [String] = []
    var budget = TorchCheckpoint.elementBudget(fileBytes: bytes.count)
    for (k, v) in dict.entries {
        guard let name = k.asString else { ignored.append("<\(k.typeName) key>: \(v.typeName)"); continue }
        guard case let .tensor(ref) = v else { ignored.append("\(name): \(v.typeName)"); continue }
        let t = try TorchCheckpoint.materialize(ref, name: name, file: bytes, pickle: pickle, path: path, budget: &budget)
        raw.append(WeightEntry(name: name, dtype: ref.storage.dtype, tensor: t))
    }
    return try finish(path: path, format: format, rootKeys: rootDict.keyNames, unwrapPath: unwrapPath,
                      raw: raw, ignored: ignored, metadata: [:], options: options)
}

/// Detects the container from the first bytes.
public func detectCheckpointFormat(_ bytes: [UInt8], path: String) throws -> CheckpointFormat {
    guard bytes.count >= 4 else { throw WeightError.truncated(path: path, what: "only \(bytes.count) bytes") }
    if bytes[0] == 0x50 && bytes[1] == 0x4B && (bytes[2] == 3 || bytes[2] == 5) { return .torchZip }
    // Before the pickle test: a safetensors header of 128 (+ 256 k) bytes also starts with 0x80.
    // (A legacy torch file has its magic number's 0xF9 at byte 8, never "{".)
    if bytes[0] == 0x80, bytes.count >= 9, bytes[8] == UInt8(ascii: "{") {
        let n = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if n <= UInt64(bytes.count - 8) { return .safetensors }
    }
    if bytes[0] == 0x80 {
        if bytes.count >= 14, bytes[2] == 0x8A, bytes[3] == 0x0A, Array(bytes[4..<14]) == TorchCheckpoint.legacyMagic {
            return .torchLegacy
        }
        throw WeightError.unsupported(path: path, problem: "a plain pickle without the torch magic number, not a torch.save file")
    }
    if TFCheckpointV1.looksLike(bytes) { return .tensorflowV1 }
    if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") { return .safetensors }
    let head = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
    throw WeightError.corrupt(path: path, problem: "not a torch or safetensors checkpoint (first bytes \(head))")
}

private let wrapperKeys = ["params_ema", "params", "state_dict", "model"]

/// BasicSR's rule: descend into `params_ema`/`params` (or `state_dict`, `model`, LIIF's `model.sd`)
/// while the current dict has such a key holding a dict.
private func unwrap(_ root: PickleDict, path: String, options: WeightLoadOptions) throws -> (PickleDict, [String]) {
    var d = root, trail: [String] = []
    if let key = options.rootKey {
        for part in key.split(separator: ".").map(String.init) {
            guard let inner = d[part]?.asDict else {
                throw WeightError.noTensors(path: path, problem: "no dict under key '\(part)' (keys: \(d.keyNames.joined(separator: ", ")))")
            }
            d = inner
            trail.append(part)
        }
        return (d, trail)
    }
    for _ in 0..<4 {
        let hasTensors = d.entries.contains { if case .tensor = $0.value { return true } else { return false } }
        if hasTensors { break }
        // Only plain dicts that hold tensors (directly or one wrapper deeper) qualify, so ProSR's
        // `params` (an EasyDict of hyperparameters) is passed over for its `state_dict`.
        guard let k = (wrapperKeys + ["sd"]).first(where: { containsTensors(d[$0], depth: 2) }),
            case let .dict(inner)? = d[k]
        else { break }
        d = inner
        trail.append(k)
    }
    return (d, trail)
}

private func containsTensors(_ v: PickleValue?, depth: Int) -> Bool {
    guard case let .dict(d)? = v else { return false }
    return d.entries.contains {
        if case .tensor = $0.value { return true }
        return depth > 0 && containsTensors($0.value, depth: depth - 1)
    }
}

private func finish(
    path: String, format: CheckpointFormat, rootKeys: [String], unwrapPath: [String], raw: [WeightEntry],
    ignored: [String], metadata: [String: String], options: WeightLoadOptions
) throws -> Checkpoint {
    var entries: [WeightEntry] = [], dropped: [String] = [], seen: [String: String] = [:]
    for e in raw {
        var name = e.name
        if options.stripModulePrefix && name.hasPrefix("module.") { name.removeFirst(7) }
        if let first = seen[name] {
            throw WeightError.corrupt(path: path, problem: "keys '\(first)' and '\(e.name)' both become '\(name)'")
        }
        seen[name] = e.name
        let leaf = name.split(separator: ".").last.map(String.init) ?? name
        if options.dropAttentionBuffers && (leaf == "attn_mask" || leaf == "relative_position_index") {
            dropped.append(name)
            continue
        }
        entries.append(WeightEntry(name: name, dtype: e.dtype, tensor: e.tensor))
    }
    if entries.isEmpty && dropped.isEmpty {
        let at = unwrapPath.isEmpty ? "the root" : "'\(unwrapPath.joined(separator: "."))'"
        throw WeightError.noTensors(path: path, problem: "\(at) holds no tensors (root keys: \(rootKeys.joined(separator: ", ")))")
    }
    return Checkpoint(path: path, format: format, rootKeys: rootKeys, unwrapPath: unwrapPath, entries: entries,
                      droppedKeys: dropped, ignoredEntries: ignored, metadata: metadata)
}
