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

        @Option(help: "Worker threads (default: all cores).")
        var threads: Int?

        @Argument(help: "Input PNG, or a folder of PNGs.")
        var input: String

        @Argument(help: "Output PNG, or a folder (created if needed) for the folder form.")
        var output: String

        func validate() throws {
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
            if let scale, scale < 1 { throw ValidationError("--scale must be at least 1.") }
        }

        func run() throws {
            try EngineSettings.current.with(threads: threads).run { try upscale() }
        }

        private func upscale() throws {
            let architecture = try Architecture(named: arch)
            let weightsURL = URL(fileURLWithPath: weights)
            let dict = try loadStateDict(weightsURL)
            let net = try architecture.build(
                configJSON: try Self.configData(config), stateDict: dict, name: weightsURL.lastPathComponent, scale: scale)
            let jobs = try Self.jobs(input: input, output: output)
            for (src, dst) in jobs {
                let image = try PNG.read(src)
                try PNG.write(superResolve(image, network: net), to: dst)
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

        /// `(input, output)` pairs: one file, or every `.png` of a folder (sorted) into a folder.
        static func jobs(input: String, output: String) throws -> [(URL, URL)] {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
                throw SISRError.io(path: input, problem: "no such file or folder")
            }
            guard isDir.boolValue else { return [(URL(fileURLWithPath: input), URL(fileURLWithPath: output))] }
            let names = try FileManager.default.contentsOfDirectory(atPath: input)
                .filter { $0.lowercased().hasSuffix(".png") }.sorted()
            guard !names.isEmpty else { throw SISRError.invalidArgument("\(input): the folder holds no .png files") }
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
