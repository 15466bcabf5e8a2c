import Foundation
import SISRCore

/// One experiment of the paper as data: which models' samples are used, which label is predicted,
/// and which hyperparameter value (if any) is withheld from training. Stored as
/// `manifests/protocols/<name>.json` (schema in docs/PROTOCOLS.md and docs/FORMAT.md).
///
/// Semantics:
/// - `models` maps label names (`family`, `architecture`, `scale`, `loss`, `dataset`, `seed`,
///   `pretrained`, `model`) to allowed values; a sample is used when every listed label has one of
///   its values. An empty map uses every sample.
/// - `label` is the label to predict. Class ids index the sorted (byte-wise) distinct values of
///   `label` over every sample that passes `models`, in all splits, so train, val and test share ids.
/// - `withheld` = `{parameter, value}`: train and val keep only samples whose `parameter` label is
///   *not* `value`; test keeps only samples whose label *is* `value`.
/// - `perturbation` (optional): test-time perturbations the loader applies to the images of the
///   named splits (``PerturbationSpec``); the selection and classes are those of the same protocol
///   without it.
public struct ExperimentProtocol: Codable, Sendable, Equatable {
    /// A hyperparameter value kept out of training and used alone for testing.
    public struct Withheld: Codable, Sendable, Equatable {
        public var parameter: String
        public var value: String
        public init(parameter: String, value: String) {
            self.parameter = parameter
            self.value = value
        }
    }

    /// Where the paper reports this experiment, and its figure when known (nil when not recorded).
    public struct PaperReference: Codable, Sendable, Equatable {
        public var table: String?
        public var accuracy: Double?
        public init(table: String? = nil, accuracy: Double? = nil) {
            self.table = table
            self.accuracy = accuracy
        }
    }

    public var name: String
    public var description: String
    public var models: [String: [String]]
    public var label: String
    public var withheld: Withheld?
    public var paper: PaperReference?
    /// Perturbations applied to the images of some splits (nil: none).
    public var perturbation: PerturbationSpec?

    public init(name: String, description: String = "", models: [String: [String]] = [:], label: String = "model",
                withheld: Withheld? = nil, paper: PaperReference? = nil, perturbation: PerturbationSpec? = nil) {
        self.name = name
        self.description = description
        self.models = models
        self.label = label
        self.withheld = withheld
        self.paper = paper
        self.perturbation = perturbation
    }

    /// Labels a protocol may predict.
    public static let labelParameters = ["model", "architecture", "scale", "loss", "dataset", "seed"]
    /// Labels a `models` filter or a `withheld` entry may name.
    public static let filterParameters = labelParameters + ["family", "pretrained"]

    /// All samples of a release, one class per model (used when no protocol is given).
    public static let allModels = ExperimentProtocol(name: "all-models", description: "every sample; label = model")

    /// Checks the fields; `path` names the file in errors.
    public func validate(path: String) throws {
        func fail(_ p: String) -> LoaderError { .protocolFile(path: path, problem: p) }
        guard !name.isEmpty else { throw fail("\"name\" is empty") }
        guard Self.labelParameters.contains(label) else {
            throw fail("\"label\" is \"\(label)\"; expected one of \(Self.labelParameters.joined(separator: ", "))")
        }
        for (key, values) in models {
            guard Self.filterParameters.contains(key) else {
                throw fail("\"models\" names unknown label \"\(key)\"; expected one of \(Self.filterParameters.joined(separator: ", "))")
            }
            guard !values.isEmpty else { throw fail("\"models\".\"\(key)\" lists no values") }
        }
        if let w = withheld {
            guard Self.filterParameters.contains(w.parameter) else {
                throw fail("\"withheld\".\"parameter\" is \"\(w.parameter)\"; expected one of \(Self.filterParameters.joined(separator: ", "))")
            }
            guard w.parameter != label else {
                throw fail("cannot withhold \(w.parameter)=\(w.value) while predicting \(label): the test classes would be unseen in training")
            }
        }
        try perturbation?.validate(path: path)
    }

    /// True if a sample with these labels belongs to the protocol's models (any split). Reference
    /// samples (family `reference`: HR/LR images) are used only when `models.family` lists them.
    public func usesModel(labels: Labels) -> Bool {
        if labels.family == "reference" && !(models["family"]?.contains("reference") ?? false) { return false }
        return models.allSatisfy { key, values in labels[key].map(values.contains) ?? false }
    }

    /// True if a sample with these labels, in `split`, is part of the protocol's `split` selection.
    public func selects(labels: Labels, split: String) -> Bool {
        guard usesModel(labels: labels) else { return false }
        guard let w = withheld else { return true }
        let isWithheld = labels[w.parameter] == w.value
        return split == "test" ? isWithheld : !isWithheld
    }

    /// Reads and validates a protocol file.
    public static func load(url: URL) throws -> ExperimentProtocol {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw LoaderError.protocolFile(path: url.path, problem: "cannot read the file (\(error.localizedDescription))")
        }
        let proto: ExperimentProtocol
        do { proto = try JSONDecoder().decode(ExperimentProtocol.self, from: data) } catch {
            throw LoaderError.protocolFile(path: url.path, problem: "invalid protocol JSON (\(error))")
        }
        try proto.validate(path: url.path)
        return proto
    }

    /// A protocol by name (`attribution-custom` finds `<dir>/attribution-custom.json`) or by path.
    ///
    /// A value containing `/` or ending in `.json` is a path. A name is looked up, in order, in
    /// `directories`, in `$SISR_PROTOCOLS` (a folder), in `manifests/protocols` of the current
    /// directory and each of its parents, and in `manifests/protocols` above the running executable
    /// and above the loaded library (so `.build/debug/sisr`, and Python through
    /// `<repo>/.build/release/libSISRLoaderC.so`, find the repository's protocols from any folder).
    public static func load(nameOrPath: String, directories: [URL] = []) throws -> ExperimentProtocol {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") {
            return try load(url: URL(fileURLWithPath: nameOrPath))
        }
        let dirs = directories + searchDirectories()
        for dir in dirs {
            let url = dir.appendingPathComponent(nameOrPath + ".json")
            if FileManager.default.fileExists(atPath: url.path) { return try load(url: url) }
        }
        let known = available(directories: directories)
        let searched = dirs.isEmpty ? "no protocol folder was found" : "not in \(dirs.map(\.path).joined(separator: ", "))"
        let close = known.filter { $0.hasPrefix(nameOrPath) || nameOrPath.hasPrefix($0) || $0.contains(nameOrPath) }.prefix(5)
        let list = known.isEmpty ? "" : (close.isEmpty ? "" : " Did you mean \(close.joined(separator: ", "))?") + " Known protocols: \(known.joined(separator: ", "))."
        throw LoaderError.protocolFile(
            path: nameOrPath,
            problem: "no protocol of that name (\(searched)).\(list) Pass a protocol name or a .json path; more folders: SISR_PROTOCOLS (sisr, Python) or protocol_dirs= (Python)")
    }

    /// Names of the protocols found in the search directories, sorted.
    public static func available(directories: [URL] = []) -> [String] {
        var names = Set<String>()
        for dir in directories + searchDirectories() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for f in files where f.hasSuffix(".json") { names.insert(String(f.dropLast(5))) }
        }
        return names.sorted()
    }

    static func searchDirectories() -> [URL] {
        var dirs = [URL]()
        if let env = ProcessInfo.processInfo.environment["SISR_PROTOCOLS"], !env.isEmpty {
            dirs.append(URL(fileURLWithPath: env))
        }
        return dirs.filter { FileManager.default.fileExists(atPath: $0.path) } + ManifestLocator.existing("protocols")
    }
}

/// Byte-wise (UTF-8) string order, the documented class order.
@inlinable func byteOrder(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
