import ArgumentParser
import Foundation
import SISRCore
import SRModels

extension SISRCommand {
    struct Upscale: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Super-resolve a PNG (or a folder of PNGs) with one network checkpoint.",
            discussion: """
                Sizes that the checkpoint's tensor shapes determine (features, blocks, groups, growth \
                channels, reduction, scale) are inferred from it. Other hyperparameters come from --config, \
                inline JSON or a JSON file, whose keys mirror BasicSR's constructor arguments \
                (e.g. '{"res_scale": 0.1}'); absent keys take BasicSR's defaults. The whole image is \
                processed at once (no tiling); output is clamped to [0,1] and rounded to 8 bits.
                """)

        @Option(help: "Architecture: \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")).")
        var arch: String

        @Option(help: "Checkpoint: torch .pth (zip or legacy) or .safetensors.")
        var weights: String

        @Option(help: "Expected upscaling factor; checked against the checkpoint (inferred when omitted).")
        var scale: Int?

        @Option(help: "Hyperparameters as inline JSON ('{...}') or the path of a JSON file.")
        var config: String?

        @OptionGroup var threads: ThreadsOption

        @Argument(help: "Input PNG, or a folder of PNGs.")
        var input: String

        @Argument(help: "Output PNG, or a folder (created if needed) for the folder form.")
        var output: String

        func validate() throws {
            if let scale, scale < 1 { throw ValidationError("--scale must be at least 1.") }
        }

        func run() throws {
            try EngineSettings.current.with(threads: threads.count).run { try upscale() }
        }

        private func upscale() throws {
            let architecture = try Architecture(named: arch)
            let weightsURL = URL(fileURLWithPath: weights)
            let dict = try loadStateDict(weightsURL)
            let net = try architecture.build(
                configJSON: try Self.configData(config), stateDict: dict, name: weightsURL.lastPathComponent, scale: scale)
            try Self.each(try Self.jobs(input: input, output: output), label: "upscale") { src, dst in
                try PNG.write(superResolve(try PNG.read(src), network: net), to: dst)
            }
        }

        /// Inline JSON when the text starts with `{`, otherwise the contents of that file.
        static func configData(_ text: String?) throws -> Data? {
            guard let text else { return nil }
            if text.trimmingCharacters(in: .whitespaces).hasPrefix("{") { return Data(text.utf8) }
            do { return try Data(contentsOf: URL(fileURLWithPath: text)) } catch {
                throw SISRError.io(path: text, problem: "cannot read the --config file (\(error.localizedDescription))")
            }
        }

        /// Runs `body` on each job; for a folder, a progress line (count, rate, ETA) on a terminal.
        static func each(_ jobs: [(URL, URL)], label: String, _ body: (URL, URL) throws -> Void) throws {
            let progress = jobs.count > 1 ? ProgressReporter(total: jobs.count, label: label) : nil
            for (src, dst) in jobs {
                try body(src, dst)
                progress?.advance()
            }
            progress?.finish()
        }

        /// `(input, output)` pairs: one file, or every `.png` of a folder (sorted) into a folder.
        static func jobs(input: String, output: String) throws -> [(URL, URL)] {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
                throw SISRError.io(path: input, problem: "no such file or folder")
            }
            guard isDir.boolValue else { return [(URL(fileURLWithPath: input), URL(fileURLWithPath: output))] }
            let names = try FileManager.default.contentsOfDirectory(atPath: input)
                .filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }.sorted()
            FolderReport.printScan(URL(fileURLWithPath: input))
            guard !names.isEmpty else { throw SISRError.invalidArgument("\(input): the folder holds no .png files") }
            var outIsDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: output, isDirectory: &outIsDir), !outIsDir.boolValue {
                throw SISRError.invalidArgument("\(output): the input is a folder, so the output must be a folder too, not a file")
            }
            do {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            } catch {
                throw SISRError.io(path: output, problem: "cannot create the output folder (\(error.localizedDescription))")
            }
            let inDir = URL(fileURLWithPath: input), outDir = URL(fileURLWithPath: output)
            return names.map { (inDir.appendingPathComponent($0), outDir.appendingPathComponent($0)) }
        }
    }
}
