import ArgumentParser
import Foundation
import SISRCore

extension SISRCommand {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Summarise a release: command, splits, shards, models, sizes.")

        @Argument(help: "Release folder.") var release = "release"

        func run() throws {
            let r = try Release.open(URL(fileURLWithPath: release))
            let m = r.manifest
            print("release \(release)  (\(m.format) v\(m.formatVersion), made by \(m.tool.name) \(m.tool.version))")
            print("command: \(m.command.joined(separator: " "))")
            print("images:  \(r.images.images.count) (\(r.images.source))   zoo: \(r.zoo.name), \(r.zoo.models.count) models")
            let bytes = m.shards.reduce(0) { $0 + $1.bytes }, tar = m.shards.reduce(0) { $0 + $1.tarBytes }
            print("samples: \(m.inputs.index.samples) in \(m.shards.count) shards, \(Self.size(bytes)) compressed (\(Self.size(tar)) as tar), zstd \(m.zstd.level)"
                  + (m.png.bandRows.map { ", one frame per band of \($0) rows" } ?? (m.formatVersion == 2 ? ", one frame per sample" : ", one frame per shard")))
            for split in Splits.names {
                let shards = m.shards.filter { $0.split == split }
                print("  \(split.padding(toLength: 5, withPad: " ", startingAt: 0)) \(r.splits[split]!.count) images, \(m.splitSamples[split] ?? 0) samples, \(shards.count) shards")
            }
            print("models (samples, mean PSNR dB over the samples that have one):")
            for line in Self.modelLines(r.samples) { print("  " + line) }
            if !m.unavailable.isEmpty {
                print("unavailable models (\(m.unavailable.count)):")
                for u in m.unavailable { print("  \(u.model): \(u.reason)") }
            }
        }

        /// `name  samples  mean PSNR  [family]` per model, sorted by name. Samples without PSNR (reference
        /// images, imported images whose size differs from the HR) are left out of the mean and counted.
        static func modelLines(_ samples: [SampleRecord]) -> [String] {
            var perModel = [String: (n: Int, psnrSum: Double, withPSNR: Int, family: String)]()
            for s in samples {
                var e = perModel[s.model] ?? (0, 0, 0, s.labels.family)
                e.n += 1
                if let p = s.psnr { e.psnrSum += p; e.withPSNR += 1 }
                perModel[s.model] = e
            }
            return perModel.sorted(by: { $0.key < $1.key }).map { name, e in
                var p = e.withPSNR == 0 ? "-" : String(format: "%.2f", e.psnrSum / Double(e.withPSNR))
                if e.withPSNR > 0 && e.withPSNR < e.n { p += " (\(e.n - e.withPSNR) without PSNR)" }
                return "\(name)  \(e.n)  \(p)  [\(e.family)]"
            }
        }

        static func size(_ b: Int) -> String {
            b >= 1 << 30 ? String(format: "%.2f GiB", Double(b) / 1073741824) : b >= 1 << 20 ? String(format: "%.1f MiB", Double(b) / 1048576) : String(format: "%.1f KiB", Double(b) / 1024)
        }
    }
}
