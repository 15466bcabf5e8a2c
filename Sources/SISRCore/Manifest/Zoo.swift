/// A model zoo file (`manifests/zoo.json`, `manifests/demo-zoo.json`, a release's `zoo.json`).
public struct Zoo: Codable, Sendable, Equatable {
    public static let formatName = "sisr-zoo"

    public var format: String
    public var formatVersion: Int
    /// `paper`, `demo`, or a user's name.
    public var name: String
    public var description: String
    public var models: [ZooEntry]

    public init(name: String, description: String, models: [ZooEntry]) {
        self.format = Self.formatName
        self.formatVersion = 1
        self.name = name
        self.description = description
        self.models = models
    }

    enum CodingKeys: String, CodingKey {
        case format, name, description, models
        case formatVersion = "format_version"
    }

    /// The entry named `name`, if any.
    public func entry(named name: String) -> ZooEntry? { models.first { $0.name == name } }

    /// Checks names (valid key characters, unique, equal to `labels.model`) and scales; throws an
    /// error naming `path` and the first bad entry.
    public func validate(path: String) throws {
        guard format == Self.formatName else {
            throw SISRError.corrupt(path: path, problem: "not a zoo file (format is \"\(format)\", expected \"\(Self.formatName)\")")
        }
        var seen = Set<String>()
        for m in models {
            guard KeyRules.isValidComponent(m.name), !m.name.contains("__") else {
                throw SISRError.corrupt(path: path, problem: "model name \"\(m.name)\" must use only [A-Za-z0-9_-] and no \"__\"")
            }
            guard seen.insert(m.name).inserted else {
                throw SISRError.corrupt(path: path, problem: "model \"\(m.name)\" is listed twice")
            }
            guard m.labels.model == m.name else {
                throw SISRError.corrupt(path: path, problem: "model \"\(m.name)\" has labels.model \"\(m.labels.model)\"")
            }
            guard m.scale >= 1, m.labels.scale == "x\(m.scale)" else {
                throw SISRError.corrupt(path: path, problem: "model \"\(m.name)\": scale \(m.scale) does not match label \"\(m.labels.scale)\"")
            }
        }
    }
}

/// One model of a zoo: canonical name, labels, the architecture and config it runs with, where
/// its weights come from, and whether this engine can run it.
public struct ZooEntry: Codable, Sendable, Equatable {
    public var name: String
    public var labels: Labels
    public var scale: Int
    public var architecture: Architecture
    /// nil for parameter-free models (classical upsamplers).
    public var weights: WeightsRef?
    /// True if this engine has an implementation of `architecture.engine`.
    public var runnable: Bool
    /// Why the model cannot run (nil when runnable), or a note.
    public var note: String?

    public init(name: String, labels: Labels, scale: Int, architecture: Architecture, weights: WeightsRef?,
                runnable: Bool, note: String? = nil) {
        self.name = name; self.labels = labels; self.scale = scale; self.architecture = architecture
        self.weights = weights; self.runnable = runnable; self.note = note
    }

    enum CodingKeys: String, CodingKey { case name, labels, scale, architecture, weights, runnable, note }

    /// Writes `weights` and `note` as explicit nulls when absent, as the zoo files do.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(labels, forKey: .labels)
        try c.encode(scale, forKey: .scale)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(weights, forKey: .weights)
        try c.encode(runnable, forKey: .runnable)
        try c.encode(note, forKey: .note)
    }

    /// The network to build: `engine` names an implementation, `config` its hyper-parameters
    /// (engine-specific keys). The engine names are `classical` and the cases of SRModels'
    /// `Architecture` (`Architecture.allCases`, compared case-insensitively; `ModelFactory.engineNames`
    /// is the list), the one place they are defined; an engine this build lacks makes the model unavailable.
    public struct Architecture: Codable, Sendable, Equatable {
        public var engine: String
        public var config: [String: JSONValue]
        public init(engine: String, config: [String: JSONValue]) { self.engine = engine; self.config = config }
    }

    /// Where the weights come from.
    /// - `format`: `pytorch-pth` (zip or legacy torch.save), `safetensors`, `tensorflow`, `torch7`, or
    ///   `seeded-init` (generated from `seed` by the engine's deterministic initialiser: untrained).
    /// - `key_layout`: the naming of state-dict keys (`basicsr`, `edsr-pytorch`, `rcan-official`,
    ///   `yjn870`, `swinir`, `nlsn`, `esrgan`, ...), and `container` the dict path to the tensors
    ///   (`params`, `params_ema`, `state_dict`, `model.sd`, or empty for a plain state dict).
    public struct WeightsRef: Codable, Sendable, Equatable {
        public var file: String?
        public var sha256: String?
        public var format: String
        public var keyLayout: String?
        public var container: String?
        public var source: String?
        public var seed: UInt64?

        public init(file: String?, sha256: String?, format: String, keyLayout: String?, container: String?,
                    source: String?, seed: UInt64? = nil) {
            self.file = file; self.sha256 = sha256; self.format = format; self.keyLayout = keyLayout
            self.container = container; self.source = source; self.seed = seed
        }

        enum CodingKeys: String, CodingKey {
            case file, sha256, format, container, source, seed
            case keyLayout = "key_layout"
        }

        /// Writes absent values as explicit nulls (`"sha256": null` means "not known").
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(sha256, forKey: .sha256)
            try c.encode(format, forKey: .format)
            try c.encode(keyLayout, forKey: .keyLayout)
            try c.encode(container, forKey: .container)
            try c.encode(source, forKey: .source)
            try c.encode(seed, forKey: .seed)
        }
    }
}
