import ArgumentParser
import Foundation
import SISRCore

extension SISRCommand {
    struct ProceduralImages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "procedural",
            abstract: "Write images of the built-in procedural (dead-leaves) set as PNG files.")

        @Option(help: "Seed of the set.") var seed: UInt64 = 0
        @Option(help: "Index of the first image.") var first = 0
        @Option(help: "Number of images.") var count = 1
        @Option(help: "Image width.") var width = 960
        @Option(help: "Image height.") var height = 720
        @Argument(help: "Output folder (created if needed); files are named img<index>.png.") var output: String

        func validate() throws {
            guard count >= 1, first >= 0, width >= 1, height >= 1 else {
                throw ValidationError("--count, --width and --height must be positive and --first not negative.")
            }
        }

        func run() throws {
            let dir = URL(fileURLWithPath: output)
            let progress = ProgressReporter(total: count, label: "procedural")
            for i in first..<(first + count) {
                let img = Procedural.image(seed: seed, index: i, width: width, height: height)
                try PNG.write(img, to: dir.appendingPathComponent(String(format: "img%06d.png", i)))
                progress.advance()
            }
            progress.finish()
        }
    }
}
