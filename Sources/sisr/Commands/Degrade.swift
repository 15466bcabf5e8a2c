import ArgumentParser
import Foundation
import SISRCore

extension SISRCommand {
    struct Degrade: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the LR input exactly as the builder makes it (modcrop, MATLAB bicubic, uint8).",
            discussion: "INPUT and OUTPUT are PNG files, or folders: every .png directly inside INPUT is written under the same name into OUTPUT.")

        @Option(help: "Downscaling factor (2, 3, 4, ...).")
        var scale: Int

        @Argument(help: "High-resolution PNG, or a folder of PNGs.")
        var input: String

        @Argument(help: "Low-resolution PNG to write, or a folder (created if needed) for the folder form.")
        var output: String

        func validate() throws {
            guard scale >= 1 else { throw ValidationError("--scale must be at least 1.") }
        }

        func run() throws {
            try Upscale.each(try Upscale.jobs(input: input, output: output), label: "degrade") { src, dst in
                try PNG.write(degrade(try PNG.read(src), scale: scale), to: dst)
            }
        }
    }
}
