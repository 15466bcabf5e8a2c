/// The labels of one model (and so of every sample it made). All values are strings, as in the
/// release format: `scale` is `x2`/`x4`, `seed` is `s1`.. or `NA`, `pretrained` is `true`/`false`,
/// `family` is `custom`, `pretrained`, `demo` or `reference` (the optional HR/LR members).
public struct Labels: Codable, Sendable, Equatable, Hashable {
    public var model: String
    public var architecture: String
    public var scale: String
    public var loss: String
    public var dataset: String
    public var seed: String
    public var pretrained: String
    public var family: String

    public init(model: String, architecture: String, scale: String, loss: String, dataset: String,
                seed: String, pretrained: String, family: String) {
        self.model = model
        self.architecture = architecture
        self.scale = scale
        self.loss = loss
        self.dataset = dataset
        self.seed = seed
        self.pretrained = pretrained
        self.family = family
    }

    /// The label names, in the order documented in docs/FORMAT.md.
    public static let names = ["model", "architecture", "scale", "loss", "dataset", "seed", "pretrained", "family"]

    /// A label by name (`model`, `architecture`, `scale`, `loss`, `dataset`, `seed`, `pretrained`,
    /// `family`); nil for any other name.
    public subscript(name: String) -> String? {
        switch name {
        case "model": return model
        case "architecture": return architecture
        case "scale": return scale
        case "loss": return loss
        case "dataset": return dataset
        case "seed": return seed
        case "pretrained": return pretrained
        case "family": return family
        default: return nil
        }
    }

    /// The integer scale factor (`x4` -> 4), nil if the label is malformed.
    public var scaleFactor: Int? {
        guard scale.hasPrefix("x") else { return nil }
        return Int(scale.dropFirst())
    }
}

/// Characters allowed in sample keys, model names and image ids: `[A-Za-z0-9_-]` (no dots, so
/// WebDataset splits member names correctly).
public enum KeyRules {
    /// True if `s` is non-empty and uses only `[A-Za-z0-9_-]`.
    public static func isValidComponent(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
        }
    }

    /// The sample key `<model>__<image>`.
    public static func sampleKey(model: String, image: String) -> String { model + "__" + image }
}
