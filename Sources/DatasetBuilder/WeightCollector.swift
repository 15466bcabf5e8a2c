import Foundation
import SISRCore
import SRModels

/// Gathers finished BasicSR checkpoints (`<experiments>/<model>/models/net_g_<iter>.pth`) into the
/// folder `sisr build --weights` reads: each file is copied byte for byte to the zoo entry's
/// `weights.file` name, then built exactly as the builder builds it (``ModelFactory/make(_:)``: the zoo
/// architecture, strict keys and shapes, the zoo's `container`), so a file that would not load is
/// reported here, not in the middle of a build.
public struct WeightCollector: Sendable {
    public enum Outcome: Equatable, Sendable {
        case collected(file: String)
        case missing(path: String)
        case failed(problem: String)
    }

    public var experiments: URL
    public var out: URL
    public var iteration: Int

    public init(experiments: URL, out: URL, iteration: Int = 50000) {
        self.experiments = experiments
        self.out = out
        self.iteration = iteration
    }

    /// The checkpoint BasicSR writes for `model` at ``iteration``.
    public func checkpoint(for model: String) -> URL {
        experiments.appendingPathComponent(model).appendingPathComponent("models")
            .appendingPathComponent("net_g_\(iteration).pth")
    }

    /// Collects and checks one zoo entry.
    public func collect(_ entry: ZooEntry) -> Outcome {
        guard let file = entry.weights?.file else { return .failed(problem: "the zoo names no weights file") }
        let source = checkpoint(for: entry.name)
        guard FileManager.default.fileExists(atPath: source.path) else { return .missing(path: source.path) }
        let target = out.appendingPathComponent(file)
        do {
            let data: Data
            do { data = try Data(contentsOf: source) } catch {
                throw SISRError.io(path: source.path, problem: "cannot read (\(error.localizedDescription))")
            }
            let staged = out.appendingPathComponent(".collect-\(file)")
            try AtomicFile.write(data, to: staged)
            defer { try? FileManager.default.removeItem(at: staged) }
            var check = entry
            check.weights?.file = staged.lastPathComponent
            _ = try ModelFactory(weightsDirectory: out).make(check)
            try AtomicFile.write(data, to: target)
            return .collected(file: target.path)
        } catch {
            return .failed(problem: "\(source.path): \(error)")
        }
    }
}
