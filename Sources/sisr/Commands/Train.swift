import ArgumentParser
import Foundation
import SISRCore
import SISRTraining
import SRModels

extension SISRCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train an SR network from a BasicSR option file (SRModel / SRGANModel), bit for bit reproducibly.",
            discussion: """
                Writes BasicSR's layout under --out: experiments/<name>/models/net_g_<iter>.pth \
                (params and params_ema, which torch.load and a strict load_state_dict accept) and \
                .safetensors, net_d_<iter>.pth for GANs, training_states/<iter>.state, train_log.json and \
                loss_curves.png. The same option file gives byte-identical files for any --threads, and a \
                run resumed with --resume after a kill continues exactly as an uninterrupted one. Unknown \
                option keys are refused. Dataset paths are relative to the current folder.
                """)

        @Argument(help: "BasicSR training option file (.yml).")
        var options: String

        @Option(help: "Folder that receives experiments/<name>/ (default: the current folder).")
        var out = "."

        @Option(help: "Worker threads (default: all cores); results do not depend on it.")
        var threads: Int?

        @Flag(help: "Continue from the latest training_states/<iter>.state of the experiment.")
        var resume = false

        @Option(help: "torchvision vgg19 / resnet18 .pth for perceptual_opt (nothing is downloaded).")
        var perceptualWeights: String?

        @Option(help: "Use a VGG19 with seeded random weights (this seed) for perceptual_opt instead of a weight file.")
        var randomPerceptual: UInt64?

        @Option(help: "Stop after this iteration (as if killed there; resume with --resume).")
        var stopAfter: Int?

        func validate() throws {
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
            if perceptualWeights != nil && randomPerceptual != nil {
                throw ValidationError("--perceptual-weights and --random-perceptual exclude each other.")
            }
        }

        func run() throws {
            try EngineSettings.current.with(threads: threads).run { try train() }
        }

        func train() throws {
            let opts = try TrainingOptions.load(path: options)
            let perceptual: PerceptualWeights? = perceptualWeights.map { .file($0) } ?? randomPerceptual.map { .random(seed: $0) }
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let run = try TrainingRun(options: opts, out: URL(fileURLWithPath: out), base: cwd, resume: resume, perceptual: perceptual)
            if run.startIteration > 0 { print("resuming \(opts.name) at iteration \(run.startIteration)") }
            try run.run(stopAfter: stopAfter)
            print("\(opts.name): \(run.startIteration)/\(opts.train.totalIter) iterations, \(run.folder.root.path)")
        }
    }
}
