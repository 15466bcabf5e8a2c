import Foundation
import SISRCore
import SRModels

/// BasicSR's experiment folder `experiments/<name>/`: `models/net_g_<iter>.pth` (`{"params",
/// "params_ema"}` in the torch zip format), `models/net_g_<iter>.safetensors` (the same networks,
/// `params.` / `params_ema.` key prefixes), `models/net_d_<iter>.pth` (`{"params"}` with BatchNorm
/// buffers), `training_states/<iter>.state` (our resume format, below), `train_log.json`,
/// `loss_curves.png`.
///
/// A training state is a safetensors file: every network's tensors (`net_g.`, `net_g_ema.`, `net_d.`),
/// the Adam moments (`optimizer_g.<key>.exp_avg` / `.exp_avg_sq`, same for `optimizer_d`), and
/// metadata `format` = `sisr-training-state-1`, `iter`, the Adam step counts and the BatchNorm
/// `num_batches_tracked` values (JSON). The data stream is a function of (seed, iteration), so this is
/// all a resumed run needs to continue bit for bit.
public struct ExperimentFolder {
    public let root: URL

    public init(out: URL, name: String) { root = out.appendingPathComponent("experiments").appendingPathComponent(name) }

    public var models: URL { root.appendingPathComponent("models") }
    public var states: URL { root.appendingPathComponent("training_states") }
    public var log: URL { root.appendingPathComponent("train_log.json") }
    public var plot: URL { root.appendingPathComponent("loss_curves.png") }

    func create() throws {
        for d in [models, states] {
            do { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) } catch {
                throw SISRError.io(path: d.path, problem: "cannot create the folder (\(error.localizedDescription))")
            }
        }
    }

    /// The highest iteration with a saved training state, if any.
    public func latestState() -> Int? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: states.path)) ?? []
        return names.compactMap { $0.hasSuffix(".state") ? Int($0.dropLast(6)) : nil }.max()
    }

    public func stateURL(_ iter: Int) -> URL { states.appendingPathComponent("\(iter).state") }
    public func generatorURL(_ tag: String, ext: String = "pth") -> URL { models.appendingPathComponent("net_g_\(tag).\(ext)") }
    public func discriminatorURL(_ tag: String) -> URL { models.appendingPathComponent("net_d_\(tag).pth") }
}

extension SRTrainer {
    /// Writes `net_g_<tag>.pth`, `net_g_<tag>.safetensors` and (GAN) `net_d_<tag>.pth`.
    func saveNetworks(_ folder: ExperimentFolder, tag: String) throws {
        var groups = [(root: "params", entries: generator.parameters.checkpointEntries)]
        if let ema { groups.append((root: "params_ema", entries: ema.parameters.checkpointEntries)) }
        try TorchCheckpointWriter.write(groups, to: folder.generatorURL(tag))
        var flat = StateDict()
        for (k, v) in generator.parameters.stateDict { flat["params." + k] = v }
        if let ema { for (k, v) in ema.parameters.stateDict { flat["params_ema." + k] = v } }
        try writeSafetensors(flat, to: folder.generatorURL(tag, ext: "safetensors"))
        if let d = discriminator {
            try TorchCheckpointWriter.write([(root: "params", entries: d.parameters.checkpointEntries)], to: folder.discriminatorURL(tag))
        }
    }

    var networks: [(prefix: String, list: ParameterList)] {
        [("net_g.", generator.parameters)] + (ema.map { [("net_g_ema.", $0.parameters)] } ?? [])
            + (discriminator.map { [("net_d.", $0.parameters)] } ?? [])
    }

    var optimizers: [(prefix: String, adam: Adam)] {
        [("optimizer_g.", optimizerG)] + (optimizerD.map { [("optimizer_d.", $0)] } ?? [])
    }

    /// Writes the resume state after iteration `iter`.
    func saveState(to url: URL, iteration iter: Int) throws {
        var dict = StateDict()
        var counts: [String: Int64] = [:]
        for (prefix, list) in networks {
            for p in list.parameters { dict[prefix + p.key] = p.value }
            for b in list.buffers {
                if let i = b.integer { counts[prefix + b.key] = i } else { dict[prefix + b.key] = b.value }
            }
        }
        var steps: [String: [Int]] = [:]
        for (prefix, adam) in optimizers {
            for (p, s) in zip(adam.parameters, adam.states) {
                dict[prefix + p.key + ".exp_avg"] = Tensor(shape: p.value.shape, data: s.expAvg)
                dict[prefix + p.key + ".exp_avg_sq"] = Tensor(shape: p.value.shape, data: s.expAvgSq)
            }
            steps[prefix] = adam.states.map(\.step)
        }
        let meta: [String: String] = [
            "format": "sisr-training-state-1", "iter": String(iter),
            "adam_steps": String(decoding: try CanonicalJSON.encode(steps), as: UTF8.self),
            "num_batches_tracked": String(decoding: try CanonicalJSON.encode(counts), as: UTF8.self),
        ]
        try writeSafetensors(dict, to: url, metadata: meta)
    }

    /// Restores a state written by ``saveState(to:iteration:)``; returns its iteration.
    func loadState(from url: URL) throws -> Int {
        let ck = try loadCheckpoint(url)
        func bad(_ p: String) -> SISRError { .corrupt(path: url.path, problem: p) }
        guard ck.metadata["format"] == "sisr-training-state-1", let iter = ck.metadata["iter"].flatMap({ Int($0) }) else {
            throw bad("not a sisr training state (metadata 'format' / 'iter' missing)")
        }
        let dict = Dictionary(uniqueKeysWithValues: ck.entries.map { ($0.name, $0.tensor) })
        let counts = try CanonicalJSON.decode([String: Int64].self, from: Array((ck.metadata["num_batches_tracked"] ?? "{}").utf8), path: url.path)
        let steps = try CanonicalJSON.decode([String: [Int]].self, from: Array((ck.metadata["adam_steps"] ?? "{}").utf8), path: url.path)
        for (prefix, list) in networks {
            var sub = StateDict()
            for (k, v) in dict where k.hasPrefix(prefix) { sub[String(k.dropFirst(prefix.count))] = v }
            for b in list.buffers where b.integer != nil {
                guard let c = counts[prefix + b.key] else { throw bad("missing \(prefix + b.key)") }
                sub[b.key] = Tensor(shape: [], data: [Float(c)])
            }
            try list.load(sub, source: url.path)
            for b in list.buffers where b.integer != nil { b.integer = counts[prefix + b.key] }
        }
        for (prefix, adam) in optimizers {
            guard let s = steps[prefix], s.count == adam.parameters.count else { throw bad("Adam step counts for \(prefix) missing") }
            for (i, p) in adam.parameters.enumerated() {
                guard let m = dict[prefix + p.key + ".exp_avg"], let v = dict[prefix + p.key + ".exp_avg_sq"],
                    m.count == p.value.count, v.count == p.value.count
                else { throw bad("Adam state of \(prefix + p.key) missing or mis-sized") }
                adam.states[i] = Adam.State(step: s[i], expAvg: m.data, expAvgSq: v.data)
            }
        }
        return iter
    }
}
