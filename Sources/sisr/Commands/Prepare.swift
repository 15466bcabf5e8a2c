import ArgumentParser
import Foundation
import SISRCore
import SISRTraining

extension SISRCommand {
    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prepare training data: seeded quarter subsets, BasicSR LR folders, photos as Flickr1K was made.",
            subcommands: [Subsets.self, LRFolders.self, Photos.self])

        struct Subsets: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "subsets",
                abstract: "Write the BasicSR meta_info files: full DIV2K/Flickr2K lists and their seeded quarter subsets.")

            @Option(help: "Seed of the quarter subsets (SeededRandom(seed, \"quarter\", dataset)).") var seed: UInt64 = 0
            @Option(help: "Folder to write div2k.txt, quarter_div2k.txt, flickr2k.txt, quarter_flickr2k.txt.")
            var out = "manifests/training/meta_info"

            func run() throws {
                let dir = URL(fileURLWithPath: out)
                for (name, text) in TrainingDataset.metaInfoFiles(seed: seed) {
                    try AtomicFile.write(Array(text.utf8), to: dir.appendingPathComponent(name))
                    print("\(out)/\(name): \(text.split(separator: "\n").count) images")
                }
            }
        }

        struct LRFolders: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "lr",
                abstract: "Make <name>_HR and <name>_LR_bicubic/X<s> folders (MATLAB bicubic) from HR PNGs, as BasicSR reads them.")

            @Option(help: "Folder of HR PNG images (e.g. the DIV2K_train_HR download).") var hr: String
            @Option(help: "Output folder (e.g. datasets/DIV2K).") var out: String
            @Option(help: "Folder name prefix: DIV2K_train, DIV2K_valid, Flickr2K.") var name: String
            @Option(help: "Scales, comma-separated.") var scales = "2,4"
            @Option(help: "Worker threads (the output is the same for any number).")
            var threads = ProcessInfo.processInfo.activeProcessorCount

            func run() throws {
                let list = scales.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else {
                    throw ValidationError("--scales must be integers separated by commas, e.g. 2,4")
                }
                let job = SISRTraining.LRFolders(name: name, scales: list.map { $0! })
                let n = try job.run(hrDir: URL(fileURLWithPath: hr), out: URL(fileURLWithPath: out), threads: threads)
                print("\(n) images: \(out)/\(job.hrFolder) (cropped to a multiple of \(job.modulus)), "
                    + job.scales.map { "\(out)/\(job.lrFolder(scale: $0))" }.joined(separator: ", "))
            }
        }

        struct Photos: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "photos",
                abstract: "Gaussian blur then bicubic downsampling to 960 px on the longest side, with a manifest of hashes.")

            @Option(help: "Folder of source photos (PNG).") var input: String
            @Option(help: "Output folder (gets <stem>.png and photos.json).") var out: String
            @Option(help: "Gaussian sigma in source pixels, or 'auto' = (factor - 1) / 2 per photo.") var sigma = "auto"
            @Option(help: "Longest side of the output.") var size = 960
            @Option(help: "Worker threads (the output is the same for any number).")
            var threads = ProcessInfo.processInfo.activeProcessorCount

            func run() throws {
                var s: Double?
                if sigma != "auto" {
                    guard let v = Double(sigma) else { throw ValidationError("--sigma must be a number or 'auto'") }
                    s = v
                }
                let job = PhotoPreparation(sigma: s, longestSide: size)
                let r = try job.run(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: out), threads: threads)
                print("\(r.prepared) photos prepared, \(r.skipped) skipped (not larger than \(size) px): \(out)/photos.json")
            }
        }
    }
}
