import SISREngine
/// The GLOBAL allowlist of the safe unpickler. A pickle can name any Python callable; this reader
/// only recognises the few a checkpoint needs and refuses everything else at the GLOBAL opcode,
/// before any REDUCE could "call" it. Nothing is ever executed: recognised globals are interpreted
/// as data (an ordered dict, a tensor view, a dtype marker) or kept as inert objects.
enum PickleGlobal {
    case orderedDict
    case dict
    case list
    case set
    case rebuildTensorV2
    case rebuildTensor
    case rebuildParameter
    case storageType(WeightDType)
    case torchSize
    case codecsEncode
    /// Kept as an inert `PickleObject` (NumPy scalars, Namespace, EasyDict, torch dtypes...).
    case opaque

    /// Modules whose globals are refused even when a caller adds them to `extraAllowedGlobals`.
    static let forbiddenModules: Set<String> = [
        "os", "posix", "nt", "subprocess", "sys", "builtins", "__builtin__", "shutil", "socket",
        "importlib", "runpy", "code", "codeop", "ctypes", "pickle", "_pickle", "marshal", "io", "pty",
        "webbrowser", "platform", "multiprocessing", "threading", "signal", "pdb", "commands",
        "operator", "functools", "types", "inspect", "asyncio", "tempfile", "glob", "pathlib", "zipimport",
    ]

    private static let fixed: [String: PickleGlobal] = [
        "collections.OrderedDict": .orderedDict,
        "collections.defaultdict": .dict,
        "builtins.dict": .dict,
        "builtins.list": .list,
        "builtins.set": .set,
        "builtins.frozenset": .set,
        "builtins.object": .opaque,
        "__builtin__.set": .set,
        "__builtin__.object": .opaque,
        "__builtin__.frozenset": .set,
        "torch._utils._rebuild_tensor_v2": .rebuildTensorV2,
        "torch._utils._rebuild_tensor": .rebuildTensor,
        "torch._utils._rebuild_parameter": .rebuildParameter,
        "torch._utils._rebuild_parameter_with_state": .rebuildParameter,
        "torch.Size": .torchSize,
        "torch.device": .opaque,
        "_codecs.encode": .codecsEncode,
        "copyreg._reconstructor": .opaque,
        "copy_reg._reconstructor": .opaque,
        "argparse.Namespace": .opaque,
        "easydict.EasyDict": .opaque,
        "numpy.dtype": .opaque,
        "numpy.ndarray": .opaque,
        "numpy.core.multiarray.scalar": .opaque,
        "numpy.core.multiarray._reconstruct": .opaque,
        "numpy._core.multiarray.scalar": .opaque,
        "numpy._core.multiarray._reconstruct": .opaque,
        "enum.Enum": .opaque,
    ]

    private static let torchDTypes: Set<String> = [
        "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32",
        "int", "int16", "short", "int8", "uint8", "bool", "strided", "contiguous_format", "preserve_format",
    ]

    /// Classifies `module.name`; `extra` are caller-approved globals (e.g. a project's enum class),
    /// which become opaque unless their module is forbidden.
    static func classify(module: String, name: String, extra: Set<String>) -> PickleGlobal? {
        let full = "\(module).\(name)"
        if let g = fixed[full] { return g }
        if module == "torch" {
            if name.hasSuffix("Storage"), let dt = WeightDType(torchStorage: name) { return .storageType(dt) }
            if torchDTypes.contains(name) { return .opaque }
        }
        let root = String(module.split(separator: ".").first ?? "")
        if extra.contains(full) && !forbiddenModules.contains(root) { return .opaque }
        return nil
    }
}
