@testable import SRModels

/// The safe unpickler alone, with torch's persistent ids resolved as the legacy reader does.
enum PickleHarness {
    static func run(_ data: [UInt8]) {
        var up = Unpickler(bytes: data, path: "fuzz.pkl", persistentLoad: { pid in
            try TorchCheckpoint.storageRef(pid, path: "fuzz.pkl", legacy: true).value
        })
        _ = try? up.load()
    }
}
