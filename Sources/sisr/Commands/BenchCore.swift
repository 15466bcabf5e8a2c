import ArgumentParser
import Foundation
import SISRCore

extension SISRCommand {
    struct BenchCore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-core",
            abstract: "Measure PNG decode/encode and MATLAB-bicubic resize throughput (MB/s of raw pixels).",
            discussion: "Benchmarks/bench_core.sh runs this next to a Pillow/OpenCV/BasicSR peer and prints ratios.")

        @Option(help: "Image width.") var width = 960
        @Option(help: "Image height.") var height = 720
        @Option(help: "Repetitions per measurement (the median is reported).") var repeats = 5
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            let img = Procedural.image(seed: 0, index: 0, width: width, height: height)
            let mb = Double(img.pixels.count) / 1e6
            var results: [(String, Double)] = []
            for (name, opts) in [("png_encode_level6_adaptive", PNGEncodeOptions.standard),
                                 ("png_encode_stored_up", PNGEncodeOptions.shard)] {
                results.append((name, mb / median { _ = PNG.encode(img, options: opts) }))
            }
            for (name, opts) in [("png_decode_level6_adaptive", PNGEncodeOptions.standard),
                                 ("png_decode_stored_up", PNGEncodeOptions.shard)] {
                let bytes = PNG.encode(img, options: opts)
                results.append((name, mb / median { _ = try? PNG.decode(bytes) }))
            }
            for s in [2, 4] {
                results.append(("resize_down_x\(s)", mb / median { _ = MatlabResize.resize(img, scale: 1 / Double(s)) }))
            }
            if json {
                let obj = Dictionary(uniqueKeysWithValues: results.map { ($0.0, JSONValue.double(($0.1 * 10).rounded() / 10)) })
                print(CanonicalJSON.string(.object(obj)))
            } else {
                print("image \(width)x\(height) RGB8, median of \(repeats)")
                for (n, v) in results { print(n.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%9.1f MB/s", v)) }
            }
        }

        /// Median wall time in seconds of `repeats` runs of `body`.
        func median(_ body: () -> Void) -> Double {
            var times = [Double]()
            for _ in 0..<max(1, repeats) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return times.sorted()[times.count / 2]
        }
    }
}
