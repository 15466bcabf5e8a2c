@testable import SRModels

/// The whole checkpoint reader: format detection, zip (torch >= 1.6) or legacy container, pickle,
/// unwrapping and tensor materialisation, CRCs checked.
enum CheckpointHarness {
    static func run(_ data: [UInt8]) {
        _ = try? loadCheckpoint(bytes: data, path: "fuzz.pth")
    }
}
