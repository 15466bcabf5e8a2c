import SISREngine
/// Problems found while reading a checkpoint. Every case names the file, so `description` can be
/// shown to a person as is.
public enum WeightError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read at all.
    case io(path: String, problem: String)
    /// The file ends before a structure it announces (a truncated download, usually).
    case truncated(path: String, what: String)
    /// The bytes are not a valid instance of the format (bad zip, bad header, inconsistent sizes).
    case corrupt(path: String, problem: String)
    /// Valid but outside what this reader supports (compressed zip entries, unknown dtypes...).
    case unsupported(path: String, problem: String)
    /// The pickle names a global that is not on the allowlist; nothing was executed.
    case disallowedGlobal(path: String, global: String)
    /// The pickle uses an opcode the safe unpickler does not implement.
    case unknownOpcode(path: String, opcode: UInt8, offset: Int)
    /// A record the pickle refers to is absent from the archive.
    case missingRecord(path: String, record: String)
    /// A tensor's offset, shape or strides reach outside its storage.
    case outOfBounds(path: String, tensor: String, problem: String)
    /// The checkpoint holds no tensors where a state dict was expected.
    case noTensors(path: String, problem: String)

    public var description: String {
        switch self {
        case let .io(path, problem): return "\(path): \(problem)"
        case let .truncated(path, what): return "\(path): file is truncated (\(what))"
        case let .corrupt(path, problem): return "\(path): corrupt checkpoint: \(problem)"
        case let .unsupported(path, problem): return "\(path): unsupported checkpoint: \(problem)"
        case let .disallowedGlobal(path, global):
            let root = String(global.split(separator: ".").first ?? "")
            let hint = PickleGlobal.forbiddenModules.contains(root)
                ? "" : " (a whole pickled model object cannot be read: save its state_dict(); harmless metadata classes can be allowed explicitly)"
            return "\(path): refusing to load: the pickle calls \(global), which is not allowed in a checkpoint\(hint)"
        case let .unknownOpcode(path, opcode, offset):
            let hex = String(opcode, radix: 16, uppercase: true)
            return "\(path): refusing to load: unknown or disallowed pickle opcode 0x\(hex) at file offset \(offset)"
        case let .missingRecord(path, record): return "\(path): the archive has no record '\(record)'"
        case let .outOfBounds(path, tensor, problem): return "\(path): tensor '\(tensor)': \(problem)"
        case let .noTensors(path, problem): return "\(path): no tensors found: \(problem)"
        }
    }
}
