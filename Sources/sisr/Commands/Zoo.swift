import ArgumentParser
import DatasetBuilder
import Foundation
import SISRCore
import SRModels

extension SISRCommand {
    struct ZooCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "zoo",
            abstract: "List a zoo's models with their labels and whether this build of sisr can run them.")

        @Option(help: "`demo` (built-in), `paper` (manifests/zoo.json, found as described in the README) or a zoo JSON file.")
        var zoo = "paper"
        @Option(help: "Folder with weight files (to report missing weights).") var weights: String?
        @Flag(help: "Print the zoo as canonical JSON instead of a table.") var json = false

        func validate() throws {
            if let weights { try Build.checkFolder(weights, option: "--weights") }
        }

        func run() throws {
            let z = try ZooSource.load(zoo).zoo
            if json {
                FileHandle.standardOutput.write(Data(try CanonicalJSON.encode(z, pretty: true)))
                return
            }
            let factory = ModelFactory(weightsDirectory: weights.map { URL(fileURLWithPath: $0) })
            let width = max(10, z.models.map(\.name.count).max() ?? 10)
            print("zoo \(z.name): \(z.models.count) models")
            var runnable = 0
            for m in z.models {
                let reason = factory.unavailableReason(m)
                if reason == nil { runnable += 1 }
                let status = reason.map { "unavailable: \($0)" } ?? "runnable"
                print(m.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(m.labels.family.padding(toLength: 10, withPad: " ", startingAt: 0))  \(status)")
            }
            print("\(runnable) of \(z.models.count) runnable here.")
        }
    }
}
