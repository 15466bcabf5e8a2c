import ArgumentParser
import DatasetLoader
import Foundation
import SISRCore

extension SISRCommand {
    struct LoadBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load-bench",
            abstract: "Time the loader over a release (images/s, MB/s) and optionally save a batch as a grid PNG.")

        @Argument(help: "Release folder.") var release: String
        @Option(help: "Split: train, val or test.") var split = "train"
        @Option(help: "Protocol name (manifests/protocols) or path; default every sample, label = model.") var `protocol`: String?
        @Option(help: "Patch side in pixels (default: 224, or the largest power of two that fits the split's smallest image).")
        var patch: Int?
        @Option(help: "Batch size.") var batch = 32
        @OptionGroup var threads: ThreadsOption
        @Option(help: "Epochs to run (the first one also decompresses the shards).") var epochs = 1
        @Option(help: "Seed of order and crops.") var seed: UInt64 = 0
        @Option(help: "Pixel layout: float32-nchw or uint8-nhwc.") var layout = "float32-nchw"
        @Flag(help: "Mirror random crops horizontally at random.") var hflip = false
        @Flag(help: "Skip the SHA-256 checks (of each sample's zstd frame in format 2, or of each shard with a cache; format-3 crops check each frame's XXH64 and the sample's layout anyway).") var noVerify = false
        @Flag(help: "Format 3: also check the SHA-256 of every sample's frames (reads and hashes all of them).") var verifySha256 = false
        @Option(help: "Bytes of whole decompressed shards to cache (0 = read each sample's own frame; format-1 releases always cache).")
        var cacheBytes = 0
        @Flag(help: "Drop the release's shard files from the page cache first (posix_fadvise DONTNEED), for a cold first pass.")
        var cold = false
        @Option(help: "Write the first batch as a grid PNG here (and its keys and labels to <file>.txt).") var grid: String?

        func validate() throws {
            guard patch ?? 1 >= 1, batch >= 1, epochs >= 1, cacheBytes >= 0 else {
                throw ValidationError("--patch, --batch and --epochs must be at least 1, --cache-bytes at least 0.")
            }
            guard PixelLayout(rawValue: layout) != nil else { throw ValidationError("--layout must be float32-nchw or uint8-nhwc.") }
        }

        func run() throws {
            // The loader streams the index (its memory is per selected sample): no whole Release here either.
            let url = URL(fileURLWithPath: release)
            let patch = try self.patch ?? {
                var side: Int?
                _ = try Release.scan(url) { s in if s.split == split { side = min(side ?? .max, min(s.width, s.height)) } }
                return Build.suggestedPatch(smallestSide: side)
            }()
            var o = LoaderOptions()
            o.split = split
            o.patch = patch
            o.batchSize = batch
            o.threads = threads.value
            o.seed = seed
            o.hflip = hflip
            o.verify = !noVerify
            o.verifySHA256 = verifySha256
            o.layout = PixelLayout(rawValue: layout)!
            o.cacheBytes = cacheBytes
            let loader = try BatchLoader(release: url, protocol: self.protocol, options: o)
            let pngBytes = Dictionary(uniqueKeysWithValues: loader.source.samples.map { ($0.key, $0.pngSize) })
            print("release \(release): split \(split), \(loader.sampleCount) samples, \(loader.classes.count) classes, "
                  + "patch \(patch), batch \(batch), \(o.threadCount) threads, crop \(o.cropMode.rawValue), "
                + (!loader.streams ? "" : loader.source.shards.first?.bandRows != nil
                    ? "reading only the zstd frames of the bands each patch touches" + (o.verifySHA256 ? " (and hashing all)" : "")
                    : "reading each sample's zstd frame")
                + (loader.streams ? "" : "shard cache \(o.cacheBytes > 0 ? o.cacheBytes : LoaderOptions.legacyCacheBytes) bytes"))
            if cold {
                let dropped = loader.source.shards.filter { Self.dropFromPageCache($0.url.path) }.count
                print("cold: dropped \(dropped) of \(loader.source.shards.count) shard files from the page cache")
            }
            for epoch in 0..<epochs {
                let stream = try loader.batches(epoch: epoch)
                let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuSeconds()
                var images = 0, outBytes = 0, inBytes = 0
                while let b = try stream.next() {
                    if epoch == 0 && b.index == 0, let grid { try writeGrid(b, classes: loader.classes, to: grid) }
                    images += b.count
                    outBytes += b.count * b.bytesPerSample
                    inBytes += b.keys.reduce(0) { $0 + pngBytes[$1, default: 0] }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                print(String(format: "epoch %d: %d images in %.3f s: %.1f images/s, %.1f MB/s of batches, %.1f MB/s of PNG read (CPU %.2f s), peak RSS %.0f MB",
                             epoch, images, seconds, Double(images) / seconds, Double(outBytes) / seconds / 1e6,
                             Double(inBytes) / seconds / 1e6, cpuSeconds() - cpuStart, Self.peakResidentMB()))
            }
        }

        /// Peak resident memory of this process so far, in MB (`ru_maxrss`).
        static func peakResidentMB() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            return Double(u.ru_maxrss) * 1024 / 1e6
        }

        /// Asks the kernel to drop a file's cached pages (clean pages go; works without root).
        static func dropFromPageCache(_ path: String) -> Bool {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            return posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED)) == 0
        }

        /// User + system CPU time of this process so far (context for timings on a busy machine).
        func cpuSeconds() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        }

        /// Lays the batch's patches out in a grid with 2-pixel gaps and writes it as an ordinary PNG.
        func writeGrid(_ b: Batch, classes: [String], to path: String) throws {
            let p = b.patch, cols = Int(Double(b.count).squareRoot().rounded(.up)), rows = (b.count + cols - 1) / cols
            let gap = 2, width = cols * (p + gap) + gap, height = rows * (p + gap) + gap
            var image = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 255, count: width * height * 3))
            var text = ""
            for i in 0..<b.count {
                let ox = gap + (i % cols) * (p + gap), oy = gap + (i / cols) * (p + gap)
                for y in 0..<p {
                    for x in 0..<p {
                        for c in 0..<3 {
                            let v: UInt8 = b.layout == .uint8NHWC
                                ? b.bytes[((i * p + y) * p + x) * 3 + c]
                                : quantizeUnit(b.floats[((i * 3 + c) * p + y) * p + x])
                            image[ox + x, oy + y, c] = v
                        }
                    }
                }
                text += "row \(i / cols) col \(i % cols): \(b.keys[i]) class \(b.labels[i]) (\(classes[Int(b.labels[i])]))\n"
            }
            try PNG.write(image, to: URL(fileURLWithPath: path))
            try AtomicFile.write(Array(text.utf8), to: URL(fileURLWithPath: path + ".txt"))
            print("grid of batch 0 written to \(path) (keys and labels in \(path).txt)")
        }
    }
}
