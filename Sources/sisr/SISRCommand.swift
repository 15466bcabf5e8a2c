import ArgumentParser
import SISRCore
import SRModels

@main
struct SISRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sisr",
        abstract: "Build, verify, load and benchmark the corpus of \"Fingerprints of Super Resolution Networks\".",
        version: "\(SISRVersion.string) (kernels \(SISRVersion.kernels): \(EngineSettings.processDefault.summary))",
        subcommands: SISRCommand.allSubcommands
    )
}
