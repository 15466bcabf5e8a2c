import ArgumentParser
import SISRCore

/// `--threads N` as every command takes it: 0 (the default) = one per core, negative refused.
/// `--threads -1` is read as the value -1 (and refused), the same as `--threads=-1`.
struct ThreadsOption: ParsableArguments {
    @Option(name: .customLong("threads"), parsing: .unconditional,
            help: "Threads: 0 = one per core (default). Results do not depend on it.")
    var value = 0

    func validate() throws {
        do { _ = try ThreadCount.resolve(value) } catch { throw ValidationError("\(error)") }
    }

    /// The number of threads to run (validated).
    var count: Int { (try? ThreadCount.resolve(value)) ?? ThreadCount.cores }
}
