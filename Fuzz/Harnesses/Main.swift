import Foundation

/// libFuzzer entry point. One binary holds every harness; `SISR_FUZZ_TARGET` picks one (see
/// `Fuzz/run.sh`). A harness returns normally for any input: errors are the expected outcome
/// for bad input, and a crash, a hang (`-timeout`) or an allocation over `-malloc_limit_mb` is a
/// bug that libFuzzer reports with the input that caused it.
let harnesses: [String: @Sendable ([UInt8]) -> Void] = [
    "png": PNGHarness.run,
    "pickle": PickleHarness.run,
    "pth": CheckpointHarness.run,
    "safetensors": SafetensorsHarness.run,
    "shard": ShardHarness.run,
    "sample": SampleHarness.run,
    "bands": BandHarness.run,
    "release": ReleaseHarness.run,
    "predictions": PredictionsHarness.run,
]

let selected: @Sendable ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["SISR_FUZZ_TARGET"] ?? ""
    guard let h = harnesses[name] else {
        FileHandle.standardError.write(Data("set SISR_FUZZ_TARGET to one of: \(harnesses.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return h
}()

/// Where harnesses that need files write them (`SISR_FUZZ_SCRATCH`, set by Fuzz/run.sh).
let scratchDirectory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SISR_FUZZ_SCRATCH"]
                           ?? NSTemporaryDirectory() + "sisr-fuzz-\(getpid())")

/// A harness's own folder under the scratch directory, created on first use.
func scratchFolder(_ name: String) -> URL {
    let d = scratchDirectory.appendingPathComponent(name)
    try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    selected(bytes)
    return 0
}
