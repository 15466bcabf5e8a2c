import ArgumentParser
import Foundation
import SISRCore

extension SISRCommand {
    struct Degrade: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the LR input exactly as the builder makes it (modcrop, MATLAB bicubic, uint8).")

        @Option(help: "Downscaling factor (2, 3, 4, ...).")
        var scale: Int

        @Argument(help: "High-resolution PNG.")
        var input: String

        @Argument(help: "Low-resolution PNG to write.")
        var output: String

        func validate() throws {
            guard scale >= 1 else { throw ValidationError("--scale must be at least 1.") }
        }

        func run() throws {
            let hr = try PNG.read(URL(fileURLWithPath: input))
            let lr = try degrade(hr, scale: scale, name: "\(input) (--scale \(scale))")
            try PNG.write(lr, to: URL(fileURLWithPath: output))
        }
    }
}
