import Foundation
import SISRCore
import SRModels

/// Anything the builder can run: LR image in, SR image (`scale` times larger) out. Implementations
/// must be deterministic and safe to call from several threads at once.
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

/// Turns zoo entries into runnable networks, or says why a model cannot run here.
public struct ModelFactory: Sendable {
    /// Folder with weight files (the zoo's `weights.file` names are looked up inside it).
    public var weightsDirectory: URL?

    public init(weightsDirectory: URL? = nil) { self.weightsDirectory = weightsDirectory }

    /// Engines this binary implements.
    public static let engines: Set<String> = NetworkFactory.engines.union(["classical"])

    /// Why `entry` cannot run with this binary and these weights, or nil if it can. Missing
    /// architectures and missing weight files make a model unavailable (reported, not fatal).
    public func unavailableReason(_ entry: ZooEntry) -> String? {
        guard Self.engines.contains(entry.architecture.engine) else {
            return "architecture engine \"\(entry.architecture.engine)\" is not implemented in this build of sisr"
        }
        guard let w = entry.weights, w.format != "seeded-init" else { return nil }
        guard let file = w.file else { return "no weights file is known for this model" }
        if weightsURL(file) != nil { return nil }
        if Self.isBuiltIn(file) {
            return "built-in weights file \(file) not found in any manifests/ folder (searched: \(ManifestLocator.candidates(file).prefix(3).map(\.path).joined(separator: ", ")), ...; set SISR_MANIFESTS)"
        }
        guard let dir = weightsDirectory else { return "weights file \(file) needed (pass --weights DIR)" }
        return "weights file \(dir.appendingPathComponent(file).path) not found"
    }

    /// Weight files named `demo-weights/...` are built in: committed in the repository's
    /// `manifests/demo-weights/` and found like the other manifests (``ManifestLocator``).
    static func isBuiltIn(_ file: String) -> Bool { file.hasPrefix("demo-weights/") && !file.contains("..") }

    /// Where a zoo `weights.file` is: inside ``weightsDirectory`` when it is there, else, for a
    /// built-in file, in the first `manifests/` folder that has it.
    public func weightsURL(_ file: String) -> URL? {
        if let dir = weightsDirectory {
            let url = dir.appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return Self.isBuiltIn(file) ? ManifestLocator.find(file) : nil
    }

    /// Builds the network of a runnable entry. Bad weight files give errors naming the file.
    public func make(_ entry: ZooEntry) throws -> any SuperResolver {
        if let reason = unavailableReason(entry) {
            throw SISRError.invalidArgument("model \(entry.name) cannot run: \(reason)")
        }
        switch entry.architecture.engine {
        case "classical":
            guard let m = entry.architecture.config["method"]?.stringValue, let method = ClassicalUpsampler(rawValue: m) else {
                throw SISRError.invalidArgument("model \(entry.name): classical config needs \"method\" (one of \(ClassicalUpsampler.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return ClassicalResolver(method: method, scale: entry.scale)
        default:
            return try NetworkFactory.make(entry, weightsURL: entry.weights?.file.flatMap(weightsURL))
        }
    }
}
