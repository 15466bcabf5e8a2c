import ArgumentParser
import Foundation
import SISRCore
import SRModels

extension SISRCommand {
    struct BenchModels: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-models",
            abstract: "Time whole-image x4 inference of EDSR 64x16, RCAN 10x20, RRDBNet 23 blocks and SwinIR-M (random weights).",
            discussion: """
                Reports seconds per image and GFLOP/s, counting the multiply-adds of every convolution as \
                2 FLOPs (SwinIR's attention and linear layers are not counted). Benchmarks/bench_models.sh \
                runs this interleaved with PyTorch, ONNX Runtime and OpenVINO on BasicSR's modules at the \
                same thread count and prints ratios.
                """)

        /// The benchmarked networks: name, architecture, configuration JSON.
        static let models: [(name: String, arch: Architecture, config: String)] = [
            ("edsr_64x16", .edsr, #"{"num_feat": 64, "num_block": 16}"#),
            ("rcan_10x20", .rcan, #"{"num_group": 10, "num_block": 20}"#),
            ("rrdbnet_23", .rrdbnet, #"{"num_block": 23}"#),
            ("swinir_m", .swinir, #"{"img_size": 64}"#),
        ] + pretrainedModels

        /// Paper-size pretrained-zoo networks, run only when named in `--only` (slow):
        /// Benchmarks/bench_pretrained.sh times them next to PyTorch.
        static let pretrainedModels: [(name: String, arch: Architecture, config: String)] = [
            ("prosr", .prosr, "{}"), ("enhancenet", .enhancenet, "{}"), ("spsr", .spsr, "{}"), ("ncsr", .ncsr, "{}"),
        ]

        /// Issue 15 architectures at the released models' sizes (run with `--only`, see
        /// Benchmarks/bench_zoo_a.sh).
        static let zooAModels: [(name: String, arch: Architecture, config: String)] = [
            ("srfbn_x4", .srfbn, "{}"),
            ("san_x4", .san, "{}"),
            ("drn_s_x4", .drn, "{}"),
            ("liif_edsr_x4", .liif, "{}"),
        ]

        @Option(help: "Input width.") var width = 240
        @Option(help: "Input height.") var height = 180
        @OptionGroup var threads: ThreadsOption
        @Option(help: "Timed runs per network (the median is reported).") var repeats = 1
        @Option(help: "Comma-separated subset of: \((models + zooAModels).map(\.name).joined(separator: ", ")) (default: EDSR, RCAN, RRDBNet and SwinIR-M).") var only: String?
        @Flag(help: "Use im2col for every convolution (no Winograd), for comparison.") var im2col = false
        @Option(help: "Fewest input channels for the Winograd path (default 64).") var winogradMinChannels: Int?
        @Option(help: "Winograd output tile: 4 for F(4x4,3x3) (default), 2 for F(2x2,3x3).") var winogradTile = 4
        @Flag(help: "Print JSON instead of a table.") var json = false
        @Flag(help: "Also print the SHA-256 of each network's output floats (to check that a kernel change keeps every bit).") var digest = false

        func validate() throws {
            guard width >= 4, height >= 4, repeats >= 1 else { throw ValidationError("width/height >= 4 and repeats >= 1 required.") }
            guard EngineSettings.winogradTiles.contains(winogradTile) else {
                throw ValidationError("--winograd-tile must be one of \(EngineSettings.winogradTiles.map(String.init).joined(separator: ", ")), not \(winogradTile).")
            }
            if let only {
                let known = Set((Self.models + Self.zooAModels).map(\.name))
                for name in only.split(separator: ",") where !known.contains(String(name)) {
                    throw ValidationError("unknown network '\(name)' in --only (known: \(known.sorted().joined(separator: ", "))).")
                }
            }
        }

        func run() throws {
            let settings = EngineSettings.current.with(
                threads: threads.count, winograd: !im2col, winogradTile: winogradTile, winogradMinInputChannels: winogradMinChannels)
            try settings.run { try measure() }
        }

        private func measure() throws {
            let selected = only.map { Set($0.split(separator: ",").map(String.init)) }
            var rng = SeededRandom(seed: 0, "bench-models", "input")
            let x = Tensor(shape: [1, 3, height, width], data: (0..<(3 * width * height)).map { _ in Float(rng.nextDouble()) })
            var results: [String: [String: Double]] = [:]
            if !json {
                print("input \(width)x\(height) -> x4, \(EngineSettings.current.kernels): \(EngineSettings.current.summary)")
            }
            let byDefault = Set(Self.models.map(\.name)).subtracting(Self.pretrainedModels.map(\.name))
            for model in Self.models + Self.zooAModels where selected?.contains(model.name) ?? byDefault.contains(model.name) {
                let net = try model.arch.random(configJSON: Data(model.config.utf8), scale: 4, seed: 1)
                _ = net(x)  // warm-up at the timed size, as Benchmarks/models_peer.py does for the peers
                let counter = FLOPCounter()
                var times: [Double] = []
                var outputDigest = ""
                for i in 0..<repeats {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let y = i == 0 ? Compute.$flopCounter.withValue(counter) { net(x) } : net(x)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                    if digest && i == 0 {
                        var hasher = SHA256Hasher()
                        y.data.withUnsafeBytes { hasher.update($0) }
                        outputDigest = hasher.finalizeHex()
                    }
                }
                let seconds = times.sorted()[times.count / 2]
                let gflop = counter.flops / 1e9
                results[model.name] = ["seconds": seconds, "gflop": gflop, "gflops": gflop / seconds]
                if !json {
                    print(model.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                        + String(format: "%9.2f s/image %9.1f GFLOP %8.1f GFLOP/s", seconds, gflop, gflop / seconds)
                        + (digest ? "  output sha256 \(outputDigest)" : ""))
                }
            }
            if json {
                var obj = results.mapValues { JSONValue.object($0.mapValues { .double($0) }) }
                obj["kernels"] = .string(EngineSettings.current.isa.rawValue)
                obj["conv3x3"] = .string(EngineSettings.current.convolution)
                obj["arithmetic"] = .string(EngineSettings.current.kernels)
                print(CanonicalJSON.string(.object(obj)))
            }
        }
    }
}
