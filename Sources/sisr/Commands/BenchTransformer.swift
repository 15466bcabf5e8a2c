import ArgumentParser
import Dispatch
import Foundation
import SISRCore
import SRModels

extension SISRCommand {
    struct BenchTransformer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-transformer",
            abstract: "Time SwinIR (paper config, random weights) on CPU, report peak memory, and compare with PyTorch.",
            discussion: """
                Runs SwinIR x4 on a 240x180 input and (unless --skip-x2) SwinIR x2 on a 480x360 input, with \
                the classical configuration (embed 180, 6x6 blocks, 6 heads, window 8) and seeded random \
                weights. With --peer, runs Benchmarks/transformer_peer.py (PyTorch CPU, same threads) in \
                the same invocation and prints the time ratio. Peak RSS is the process high-water mark.
                """)

        @OptionGroup var threads: ThreadsOption

        @Option(help: "Timed repetitions of each case (the best is reported).")
        var repeats: Int = 1

        @Flag(help: "Skip the 480x360 x2 case (the memory check).")
        var skipX2 = false

        @Option(help: "Path of Benchmarks/transformer_peer.py to run as the PyTorch peer.")
        var peer: String?

        @Option(help: "Python interpreter for the peer.")
        var python: String = "python3"

        func validate() throws {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1.") }
        }

        func run() throws {
            let t = threads.count
            try EngineSettings.current.with(threads: t).run { try measure(threads: t) }
        }

        private func measure(threads t: Int) throws {
            print("sisr bench-transformer: \(EngineSettings.current.summary)")
            var cases: [(name: String, scale: Int, width: Int, height: Int)] = [("swinir_x4_240x180", 4, 240, 180)]
            if !skipX2 { cases.append(("swinir_x2_480x360", 2, 480, 360)) }
            var swift: [String: Double] = [:]
            for c in cases {
                let net = try SwinIR(config: SwinIRConfig(upscale: c.scale),
                                     weights: WeightScope(WeightStore.random(seed: 1)))
                var rng = SeededRandom(seed: 1, "bench-transformer", c.name)
                let input = Tensor(shape: [1, 3, c.height, c.width],
                                   data: (0..<(3 * c.width * c.height)).map { _ in Float(rng.nextDouble()) })
                var best = Double.infinity
                for _ in 0..<repeats {
                    let start = DispatchTime.now().uptimeNanoseconds
                    let out = net(input)
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    precondition(out.shape == [1, 3, c.height * c.scale, c.width * c.scale])
                }
                swift[c.name] = best
                print(String(format: "swift  %@: %.2f s   peak RSS so far %.2f GiB", c.name, best, peakRSSGiB()))
            }
            guard let peer else { return }
            let peerTimes = try runPeer(peer, threads: t, skipX2: skipX2)
            for c in cases {
                guard let p = peerTimes[c.name], let s = swift[c.name] else { continue }
                print(String(format: "ratio  %@: swift %.2f s, pytorch %.2f s, pytorch/swift = %.2f", c.name, s, p, p / s))
            }
        }

        /// Runs the PyTorch peer and parses its `name seconds` lines.
        func runPeer(_ script: String, threads: Int, skipX2: Bool) throws -> [String: Double] {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            proc.arguments = [python, script, "--threads", String(threads), "--repeats", String(repeats)]
                + (skipX2 ? ["--skip-x2"] : [])
            let pipe = Pipe()
            proc.standardOutput = pipe
            try proc.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            proc.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            print(text, terminator: "")
            guard proc.terminationStatus == 0 else {
                print("peer: exited with status \(proc.terminationStatus) (is torch installed?); no ratio")
                return [:]
            }
            var times: [String: Double] = [:]
            for line in text.split(separator: "\n") {
                let f = line.split(separator: " ")
                if f.count >= 3, f[0] == "pytorch", let s = Double(f[2]) { times[String(f[1])] = s }
            }
            return times
        }
    }
}

/// The process's peak resident set size (`VmHWM` of /proc/self/status) in GiB, or 0 when unknown.
func peakRSSGiB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kb / 1024 / 1024
    }
    return 0
}
