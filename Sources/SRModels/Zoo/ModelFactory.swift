import Foundation
import SISRCore
import SISREngine

/// A zoo model ready to run: an 8-bit LR image in, the SR image (`scale` times larger) out.
/// Implementations are deterministic and safe to call from several threads at once.
public protocol SuperResolver: Sendable {
    var scale: Int { get }
    func upscale(_ lr: RGBImage) throws -> RGBImage
}

/// A classical upsampler as a ``SuperResolver``.
public struct ClassicalResolver: SuperResolver {
    public let method: ClassicalUpsampler
    public let scale: Int
    public init(method: ClassicalUpsampler, scale: Int) { self.method = method; self.scale = scale }
    public func upscale(_ lr: RGBImage) throws -> RGBImage { method.upscale(lr, scale: scale) }
}

/// A network as a ``SuperResolver``: whole-image inference through ``superResolve(_:network:)``.
struct NetworkResolver: SuperResolver {
    let scale: Int
    let network: any SRNetwork
    func upscale(_ lr: RGBImage) throws -> RGBImage { superResolve(lr, network: network) }
}

/// A zoo model that could not be built: the model, its weights file (nil for seeded weights) and the
/// typed cause (a ``ModelError`` or ``WeightError``), so callers can still match on the cause.
public struct ZooModelError: Error, CustomStringConvertible, Sendable {
    public let model: String
    public let file: String?
    public let cause: any Error & Sendable

    public init(model: String, file: String?, cause: any Error & Sendable) {
        self.model = model
        self.file = file
        self.cause = cause
    }

    /// `model NAME (weights FILE): cause`, the file left out when the cause already names it.
    public var description: String {
        let text = "\(cause)"
        let where_ = file.map { text.contains($0) ? "" : " (weights \($0))" } ?? " (seeded weights)"
        return "model \(model)\(where_): \(text)"
    }
}

/// The one way from a zoo entry to something that runs: the zoo's `architecture.engine` names
/// `classical` or an ``Architecture`` (case-insensitive), its `config` the hyperparameters, and its
/// `weights` a file found along ``weightsSearchPath`` (``weightsURL(_:)``; checked against the zoo's SHA-256 when given) or
/// `seeded-init` (deterministic random weights from the seed and the model name). The builder,
/// `sisr zoo` and the weight collector all ask this type.
public struct ModelFactory: Sendable {
    /// Folder with weight files (the zoo's `weights.file` names are looked up inside it).
    public var weightsDirectory: URL?

    public init(weightsDirectory: URL? = nil) { self.weightsDirectory = weightsDirectory }

    /// What an engine name means.
    public enum Engine: Sendable, Equatable {
        case classical
        case network(Architecture)

        /// The engine called `name`: `classical`, or an ``Architecture`` name (any case).
        public init?(named name: String) {
            if name == "classical" { self = .classical } else if let a = try? Architecture(named: name) { self = .network(a) } else { return nil }
        }
    }

    /// Engine names this binary implements (zoo `architecture.engine`, compared case-insensitively).
    public static var engineNames: [String] { ["classical"] + Architecture.allCases.map(\.rawValue) }

    /// Why `entry` cannot run with this binary and these weights, or nil if it can. Missing
    /// architectures and missing weight files make a model unavailable (reported, not fatal).
    public func unavailableReason(_ entry: ZooEntry) -> String? {
        guard Engine(named: entry.architecture.engine) != nil else {
            return "architecture engine \"\(entry.architecture.engine)\" is not implemented in this build of sisr"
        }
        guard let w = entry.weights, w.format != "seeded-init" else { return nil }
        guard let file = w.file else { return "no weights file is known for this model" }
        if weightsURL(file) != nil { return nil }
        if file.hasPrefix(Self.builtInWeightsFolder + "/") {
            return "built-in weights file \(file) not found in any manifests/ folder (searched: \(ManifestLocator.candidates(file).prefix(3).map(\.path).joined(separator: ", ")), ...; set SISR_MANIFESTS)"
        }
        guard let dir = weightsDirectory else { return "weights file \(file) needed (pass --weights DIR)" }
        return "weights file \(dir.appendingPathComponent(file).path) not found"
    }

    /// A folder searched for zoo `weights.file` names (each name is a path relative to it).
    public enum WeightsFolder: Sendable, Equatable {
        /// A folder the user gave (`--weights DIR`).
        case user(URL)
        /// The weights committed in the repository's `manifests/` (`demo-weights/<name>.safetensors`),
        /// in every `manifests/` folder ``ManifestLocator`` finds, in its order. Names with `..` are
        /// not looked up there.
        case builtIn
    }

    /// Where zoo weight files are looked for, in order: the user's weights folder first, then the
    /// built-in weights. ``weightsURL(_:)`` returns the first folder's file that exists.
    public var weightsSearchPath: [WeightsFolder] { (weightsDirectory.map { [.user($0)] } ?? []) + [.builtIn] }

    /// The folder under `manifests/` that holds the built-in weights (the demo zoo's files are named
    /// `demo-weights/<name>.safetensors`); only names the message of a missing built-in file.
    static let builtInWeightsFolder = "demo-weights"

    /// Where a zoo `weights.file` is: the first existing file along ``weightsSearchPath``.
    public func weightsURL(_ file: String) -> URL? {
        for folder in weightsSearchPath {
            switch folder {
            case let .user(dir):
                let url = dir.appendingPathComponent(file)
                if FileManager.default.fileExists(atPath: url.path) { return url }
            case .builtIn:
                if !file.contains(".."), let url = ManifestLocator.find(file) { return url }
            }
        }
        return nil
    }

    /// Builds the model of a runnable entry. Errors: ``SISRError`` for an unavailable model, a bad
    /// classical config or a weights file whose SHA-256 differs from the zoo's; ``ZooModelError``
    /// (model, file, typed cause) for a weights file that does not load or does not fit the config.
    public func make(_ entry: ZooEntry) throws -> any SuperResolver {
        if let reason = unavailableReason(entry) {
            throw SISRError.invalidArgument("model \(entry.name) cannot run: \(reason)")
        }
        switch Engine(named: entry.architecture.engine) {
        case nil:
            throw SISRError.invalidArgument("model \(entry.name): unknown engine \(entry.architecture.engine)")
        case .classical:
            guard let m = entry.architecture.config["method"]?.stringValue, let method = ClassicalUpsampler(rawValue: m) else {
                throw SISRError.invalidArgument("model \(entry.name): classical config needs \"method\" (one of \(ClassicalUpsampler.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return ClassicalResolver(method: method, scale: entry.scale)
        case let .network(arch):
            return NetworkResolver(scale: entry.scale, network: try network(entry, arch))
        }
    }

    /// The network of `entry`: its weights file (strict keys and shapes, the zoo's `container` as the
    /// root key) or seeded random weights, with the zoo's config and scale.
    private func network(_ entry: ZooEntry, _ arch: Architecture) throws -> any SRNetwork {
        let configJSON = Data(try CanonicalJSON.encode(JSONValue.object(entry.architecture.config)))
        guard let w = entry.weights, w.format != "seeded-init" else {
            let seed = SeededRandom(seed: entry.weights?.seed ?? 0, "demo-weights", entry.name).state
            do { return try arch.random(configJSON: configJSON, scale: entry.scale, seed: seed) } catch let e as ModelError {
                throw ZooModelError(model: entry.name, file: nil, cause: e)
            }
        }
        guard let file = w.file, let url = weightsURL(file) else {
            throw SISRError.invalidArgument("model \(entry.name): no weights file")
        }
        if let expected = w.sha256 {
            let actual = try SHA256Hasher.hex(file: url)
            guard actual == expected else {
                throw SISRError.corrupt(path: url.path, problem: "SHA-256 \(actual) differs from the zoo's \(expected) (wrong or damaged weights file)")
            }
        }
        let root = w.container.flatMap { $0.isEmpty || $0.contains(".") ? nil : $0 }
        do {
            let dict = try loadStateDict(url, options: WeightLoadOptions(rootKey: root, dropAttentionBuffers: true))
            return try arch.build(configJSON: configJSON, stateDict: dict, name: url.path, scale: entry.scale)
        } catch let e as WeightError {
            throw ZooModelError(model: entry.name, file: url.path, cause: e)
        } catch let e as ModelError {
            throw ZooModelError(model: entry.name, file: url.path, cause: e)
        }
    }
}
