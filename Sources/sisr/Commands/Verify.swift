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
            final class Bar: @unchecked Sendable {
                var reporter: ProgressReporter?
                let lock = NSLock()
                func tick(_ total: Int) {
                    lock.lock(); defer { lock.unlock() }
                    if reporter == nil { reporter = ProgressReporter(total: total, label: "verify") }
                    reporter?.advance()
                }
            }
            let bar = Bar()
            let report = Verifier.verify(URL(fileURLWithPath: release), deep: deep) { _, total in bar.tick(total) }
            bar.reporter?.finish()
            for p in report.problems { print("BAD " + (p.problem.hasPrefix(p.subject + ":") ? p.problem : p.description)) }
            if report.ok {
                print("OK: \(release): \(report.shardsChecked) shards" + (deep ? ", \(report.samplesChecked) samples" : "") + " match the manifest.")
            } else {
                print("FAILED: \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") in \(release).")
                throw ExitCode(1)
            }
        }
    }
}
