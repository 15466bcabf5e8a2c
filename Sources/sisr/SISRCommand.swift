import ArgumentParser
import SISRCore

@main
struct SISRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sisr",
        abstract: "Build, verify, load and benchmark the corpus of \"Fingerprints of Super Resolution Networks\".",
        version: SISRVersion.string,
        subcommands: SISRCommand.allSubcommands
    )
}
