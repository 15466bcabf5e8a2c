import ArgumentParser
import Foundation
import SISRCore
import SRModels

@main
struct SISRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sisr",
        abstract: "Build, verify, load and benchmark the corpus of \"Fingerprints of Super Resolution Networks\".",
        version: "\(SISRVersion.string) (kernels \(EngineSettings.processDefault.kernels): \(EngineSettings.processDefault.summary))",
        subcommands: SISRCommand.allSubcommands
    )

    /// Line-buffered stdout (so piped output such as `sisr bench-models | tee log` arrives line by
    /// line, not at exit); freed memory kept for reuse (``EngineMemory/retainFreedMemory()``); with no
    /// arguments, the usage on stderr and exit status 64 (EX_USAGE).
    static func main() {
        lineBufferStdout()
        EngineMemory.retainFreedMemory()
        if CommandLine.arguments.count <= 1 {
            FileHandle.standardError.write(Data((helpMessage() + "\n").utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        main(nil)
    }
}

/// `setvbuf(stdout, NULL, _IOLBF, 0)`. Swift 6 refuses to touch the C global `stdout` directly
/// (shared mutable state), so its address comes from the dynamic linker.
private func lineBufferStdout() {
    guard let me = dlopen(nil, RTLD_NOW), let symbol = dlsym(me, "stdout") else { return }
    if let file = symbol.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self).pointee {
        setvbuf(file, nil, _IOLBF, 0)
    }
}
