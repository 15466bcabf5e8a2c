import ArgumentParser
import DatasetBuilder
import Foundation
import SISRCore

extension SISRCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a release against its manifest: shard hashes (fast) or every sample (--deep).")

        @Argument(help: "Release folder.") var release = "release"
        @Flag(help: "Decompress every shard and check each sample's members, PNG and pixel hashes, and labels.") var deep = false

        func run() throws {
            let report = Verifier.verify(URL(fileURLWithPath: release), deep: deep)
            for p in report.problems { print("BAD \(p)") }
            if report.ok {
                print("OK: \(release): \(report.shardsChecked) shards" + (deep ? ", \(report.samplesChecked) samples" : "") + " match the manifest.")
            } else {
                print("FAILED: \(report.problems.count) problems in \(release).")
                throw ExitCode(1)
            }
        }
    }
}
