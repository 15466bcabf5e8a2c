import Crypto
import Foundation

/// SHA-256 over bytes or files (streamed in 1 MiB blocks, so files of many GB are fine).
public struct SHA256Hasher {
    private var state = Crypto.SHA256()

    public init() {}

    public mutating func update<D: DataProtocol>(_ bytes: D) { state.update(data: bytes) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { state.update(bufferPointer: bytes) }

    /// Lower-case hex digest; the hasher must not be used afterwards.
    public func finalizeHex() -> String { Self.hexString(state.finalize()) }

    /// Lower-case hex SHA-256 of `bytes`.
    public static func hex<D: DataProtocol>(_ bytes: D) -> String {
        hexString(Crypto.SHA256.hash(data: bytes))
    }

    /// Raw 32-byte SHA-256 of `bytes`.
    public static func digest<D: DataProtocol>(_ bytes: D) -> [UInt8] {
        Array(Crypto.SHA256.hash(data: bytes))
    }

    /// Lower-case hex SHA-256 of the file at `url`, read in blocks.
    public static func hex(file url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw SISRError.io(path: url.path, problem: "cannot open file for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256Hasher()
        while true {
            let block = try handle.read(upToCount: 1 << 20) ?? Data()
            if block.isEmpty { break }
            hasher.update(block)
        }
        return hasher.finalizeHex()
    }

    private static func hexString<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
