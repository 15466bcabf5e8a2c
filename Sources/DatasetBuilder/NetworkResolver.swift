import Foundation
import SISRCore
import SRModels

/// A neural network from SRModels as a ``SuperResolver``: whole-image inference, planar floats in
/// [0,1], then the project's quantisation (clamp, x255, round half away from zero).
struct NetworkResolver: SuperResolver {
    let scale: Int
    let name: String
    let forward: @Sendable (Tensor) throws -> Tensor

    func upscale(_ lr: RGBImage) throws -> RGBImage {
        let x = Tensor(shape: [1, 3, lr.height, lr.width], data: lr.planarFloats())
        let y = try forward(x)
        let (_, c, h, w) = y.nchw
        guard c == 3, h == lr.height * scale, w == lr.width * scale else {
            throw SISRError.invalidArgument("model \(name) returned [\(c), \(h), \(w)] for a \(lr.width)x\(lr.height) input at x\(scale)")
        }
        return RGBImage.fromPlanar(y.data, width: w, height: h)
    }
}

/// Builds SRModels networks for zoo entries: seeded random weights (`seeded-init`) or a weights file.
enum NetworkFactory {
    /// Engines implemented by SRModels (zoo `architecture.engine` names).
    static let engines: Set<String> = Set(["EDSR", "RCAN", "RDN", "RRDBNet", "SwinIR", "NLSN"])
        .union(["SRFBN", "SAN", "DRN", "LIIF"])
        .union(["proSR", "EnhanceNet", "SPSR", "NCSR"])

    /// `weightsURL`: the entry's weights file, already located (nil for seeded weights).
    static func make(_ entry: ZooEntry, weightsURL: URL?) throws -> any SuperResolver {
        let configJSON = Data(try CanonicalJSON.encode(JSONValue.object(entry.architecture.config)))
        let w = entry.weights
        let seeded = w?.format == "seeded-init"
        let seed = SeededRandom(seed: w?.seed ?? 0, "demo-weights", entry.name).state
        var stateDict: StateDict? = nil
        var fileName = entry.name
        if !seeded {
            guard let url = weightsURL else {
                throw SISRError.invalidArgument("model \(entry.name): no weights file")
            }
            fileName = url.path
            if let expected = w?.sha256 {
                let actual = try SHA256Hasher.hex(file: url)
                guard actual == expected else {
                    throw SISRError.corrupt(path: url.path, problem: "SHA-256 \(actual) differs from the zoo's \(expected) (wrong or damaged weights file)")
                }
            }
            let root = (w?.container).flatMap { $0.isEmpty || $0.contains(".") ? nil : $0 }
            do { stateDict = try loadStateDict(url, options: WeightLoadOptions(rootKey: root, dropAttentionBuffers: true)) } catch {
                throw SISRError.corrupt(path: url.path, problem: "cannot load weights for \(entry.name): \(error)")
            }
        }
        do {
            switch entry.architecture.engine {
            case "SwinIR":
                let config = try JSONDecoder().decode(SwinIRConfig.self, from: configJSON)
                try config.validate()
                let net = try withStore(stateDict, fileName, seed) { try SwinIR(config: config, weights: $0) }
                return NetworkResolver(scale: entry.scale, name: entry.name) { net($0) }
            case "NLSN":
                let config = try JSONDecoder().decode(NLSNConfig.self, from: configJSON)
                try config.validate()
                let net = try withStore(stateDict, fileName, seed) { try NLSN(config: config, weights: $0) }
                return NetworkResolver(scale: entry.scale, name: entry.name) { net($0) }
            default:
                let arch = try Architecture(named: entry.architecture.engine)
                let net: any SRNetwork
                if let sd = stateDict {
                    net = try arch.build(configJSON: configJSON, stateDict: sd, name: fileName, scale: entry.scale)
                } else {
                    net = try arch.random(configJSON: configJSON, scale: entry.scale, seed: seed)
                }
                return NetworkResolver(scale: entry.scale, name: entry.name) { net($0) }
            }
        } catch let e as SISRError {
            throw e
        } catch {
            throw SISRError.invalidArgument("model \(entry.name) (\(fileName)): \(error)")
        }
    }

    /// Builds a network reading every parameter from `stateDict` (or seeded random weights), then
    /// checks that no key was missing or left over.
    static func withStore<T>(_ stateDict: StateDict?, _ name: String, _ seed: UInt64, _ make: (WeightScope) throws -> T) throws -> T {
        let store = stateDict.map { WeightStore($0, name: name) } ?? WeightStore.random(seed: seed)
        let net = try make(WeightScope(store))
        try store.finish(strict: true)
        return net
    }
}
