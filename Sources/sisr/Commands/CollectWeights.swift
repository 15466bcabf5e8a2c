import ArgumentParser
import DatasetBuilder
import Foundation
import SISRCore

extension SISRCommand {
    struct CollectWeights: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "collect-weights",
            abstract: "Gather BasicSR's net_g_<iter>.pth files into the folder `sisr build --weights` reads, checking each loads.",
            discussion: """
                For every model of the zoo with a weights file, copies <experiments>/<model>/models/net_g_<iter>.pth \
                to <out>/<weights.file> after building it strictly into its zoo architecture, as `sisr build` does. \
                Exit status 1 if a checkpoint fails to load, or (with --all) if one is missing.
                """)

        @Option(help: "BasicSR experiments folder (holds <model>/models/).") var experiments = "experiments"
        @Option(help: "Weights folder to fill (pass it to `sisr build --weights`).") var out: String
        @Option(help: "Zoo: `paper` (manifests/zoo.json, found as the other commands find it) or a zoo JSON file.")
        var zoo = "paper"
        @Option(help: "Iteration of the checkpoint to take.") var iter = 50000
        @Option(help: "Only these models (comma-separated names).") var models: String?
        @Flag(help: "Fail when a selected model has no checkpoint.") var all = false

        func run() throws {
            let z = try ZooSource.load(zoo).zoo
            var entries = z.models.filter { $0.weights?.file != nil && $0.weights?.format != "seeded-init" }
            if let models {
                let wanted = Set(models.split(separator: ",").map(String.init))
                let unknown = wanted.subtracting(entries.map(\.name))
                guard unknown.isEmpty else { throw ValidationError("not in \(zoo): \(unknown.sorted().joined(separator: ", "))") }
                entries = entries.filter { wanted.contains($0.name) }
            } else {
                entries = entries.filter { $0.labels.family == "custom" }
            }
            let collector = WeightCollector(
                experiments: URL(fileURLWithPath: experiments), out: URL(fileURLWithPath: out), iteration: iter)
            let progress = ProgressReporter(total: entries.count, label: "collect")
            var collected = 0, missing: [String] = [], failed: [String] = []
            for e in entries {
                switch collector.collect(e) {
                case .collected: collected += 1
                case .missing(let p): missing.append(p)
                case .failed(let problem): failed.append("\(e.name): \(problem)")
                }
                progress.advance()
            }
            progress.finish()
            print("\(collected) collected into \(out), \(missing.count) missing, \(failed.count) failed to load")
            for m in missing.prefix(10) { print("missing: \(m)") }
            if missing.count > 10 { print("missing: ... and \(missing.count - 10) more") }
            for f in failed { FileHandle.standardError.write(Data("error: \(f)\n".utf8)) }
            if !failed.isEmpty || (all && !missing.isEmpty) { throw ExitCode(1) }
        }
    }
}
