import ArgumentParser
import Baselines
import DatasetBuilder
import DatasetLoader
import Foundation
import SISRCore

extension SISRCommand {
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score a predictions file against a protocol's test split.",
            discussion: """
                PREDICTIONS is JSON Lines, one object per test sample: {"key": ..., "label": ..., "scores": \
                [...] or {...} (optional), "features": [...] (optional)} (docs/FORMAT.md). A file with missing, \
                duplicate or unknown keys, or unknown labels, is rejected naming the file and line. Prints \
                the headline figures and the paper's figures beside ours.
                """)

        @Option(help: "Protocol name (manifests/protocols/NAME.json) or path to a protocol file.")
        var `protocol`: String

        @Option(help: "Release directory (with manifest.json and index.jsonl).")
        var release: String

        @Option(help: "Predictions file (JSON Lines).")
        var predictions: String

        @Option(help: "Write the full report as JSON here.")
        var out: String?

        @Option(help: "Write the full report as Markdown here.")
        var markdown: String?

        @Option(help: "Write the confusion matrix as a PNG heat map here.")
        var confusion: String?

        @Option(help: "Images per majority-vote group (parsing protocols).")
        var voteSize: Int = 10

        @Option(help: "Folder of the paper's reference figures (default: manifests/paper-results found like protocols).")
        var paperResults: String?

        func validate() throws {
            guard voteSize >= 1 else { throw ValidationError("--vote-size must be at least 1.") }
        }

        func run() throws {
            let experiment = try ExperimentProtocol.load(nameOrPath: `protocol`)
            let data = try ProtocolData(release: URL(fileURLWithPath: release), experiment: experiment)
            let task = data.task
            let preds = try Predictions.read(URL(fileURLWithPath: predictions), classes: task.classes,
                                             expectedKeys: Set(task.samples.map(\.key)), protocolName: experiment.name)
            var paper = try PaperFigures.directory(paperResults).map {
                try PaperResult.load(directory: $0, protocolName: experiment.name)
            } ?? []
            // The protocol's own reference accuracy (a fraction), unless the paper-results file has one.
            if let acc = experiment.paper?.accuracy, !paper.contains(where: { $0.metric == "accuracy" }) {
                paper.append(PaperResult(metric: "accuracy", method: "paper", value: acc * 100,
                                         source: "protocol \(experiment.name)", table: experiment.paper?.table))
            }
            var report = try Scorer(voteSize: voteSize).score(preds, task: task, predictionsFile: predictions, paper: paper)
            report.perturbation = experiment.perturbation?.summary
            if !report.paper.isEmpty {
                report.paperNote = PaperComparability.note(experiment: experiment, classes: task.classes.count, testSamples: task.samples.count,
                                                           paperZoo: try? ZooSource.load("paper").zoo)
            }
            if let out {
                // The one JSON file not written by CanonicalJSON: the report's published layout is
                // JSONEncoder's (`"key" : value`, escaped slashes); changing it would change the bytes
                // of every `--out` file users have.
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(Array(try enc.encode(report)) + [0x0A], to: URL(fileURLWithPath: out))
            }
            if let markdown {
                try AtomicFile.write(Array(MarkdownReport.render(report).utf8), to: URL(fileURLWithPath: markdown))
            }
            if let confusion {
                try PNG.write(ConfusionImage.render(report.confusion), to: URL(fileURLWithPath: confusion))
            }
            print(MarkdownReport.summary(report), terminator: "")
        }
    }
}

/// Finds `manifests/paper-results` (see ``ManifestLocator``).
enum PaperFigures {
    static func directory(_ explicit: String?) -> URL? {
        if let explicit { return URL(fileURLWithPath: explicit) }
        return ManifestLocator.find("paper-results")
    }
}
