import Foundation
import SISRCore

/// What the loader needs to know about one shard (from `manifest.json`).
public struct ShardInfo: Sendable, Equatable {
    /// Path relative to the release, e.g. `shards/train/sisr-train-000000.tar.zst`.
    public let path: String
    public let url: URL
    /// SHA-256 of the compressed file.
    public let sha256: String
    /// Size and SHA-256 of the decompressed tar.
    public let tarBytes: Int
    public let tarSHA256: String
    /// Format 3: rows per band (`png.band_rows`); nil for formats 1 and 2.
    public let bandRows: Int?

    public init(path: String, url: URL, sha256: String, tarBytes: Int, tarSHA256: String, bandRows: Int? = nil) {
        self.path = path
        self.url = url
        self.sha256 = sha256
        self.tarBytes = tarBytes
        self.tarSHA256 = tarSHA256
        self.bandRows = bandRows
    }
}

/// Decompressed tar bytes of one shard, shared read-only between threads.
final class ShardBytes: Sendable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// Decompresses each shard once and keeps the tars in memory, least recently used first out, within
/// `budget` bytes (one shard is always kept, however large). Threads asking for a shard that is being
/// decompressed wait for it instead of decompressing it again. With `verify`, the compressed file's
/// SHA-256 must match the manifest, or the shard is refused; the tar's size is always checked, and
/// zstd verifies each frame's checksum.
final class ShardStore: @unchecked Sendable {
    private enum Entry {
        case loading
        case ready(ShardBytes, lastUse: Int)
        case failed(LoaderError)
    }

    let shards: [ShardInfo]
    let budget: Int
    let verify: Bool
    private let condition = NSCondition()
    private var entries = [Int: Entry]()
    private var clock = 0
    private var residentBytes = 0

    init(shards: [ShardInfo], budget: Int, verify: Bool) {
        self.shards = shards
        self.budget = budget
        self.verify = verify
    }

    /// Bytes currently held.
    var resident: Int { condition.lock(); defer { condition.unlock() }; return residentBytes }

    /// True while another thread decompresses shard `index`.
    func isLoading(_ index: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if case .loading? = entries[index] { return true }
        return false
    }

    /// True if shard `index` is neither loaded, loading nor failed.
    func isAbsent(_ index: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return entries[index] == nil
    }

    /// The decompressed tar of shard `index`, loading it if needed.
    func tar(_ index: Int) throws -> ShardBytes {
        condition.lock()
        while true {
            clock += 1
            switch entries[index] {
            case .ready(let bytes, _)?:
                entries[index] = .ready(bytes, lastUse: clock)
                condition.unlock()
                return bytes
            case .failed(let error)?:
                condition.unlock()
                throw error
            case .loading?:
                condition.wait()
            case nil:
                entries[index] = .loading
                condition.unlock()
                let result = Result { try load(shards[index]) }
                condition.lock()
                switch result {
                case .success(let bytes):
                    clock += 1
                    entries[index] = .ready(bytes, lastUse: clock)
                    residentBytes += bytes.bytes.count
                    evict(keeping: index)
                    condition.broadcast()
                    condition.unlock()
                    return bytes
                case .failure(let error):
                    let e = error as? LoaderError ?? .shard(path: shards[index].path, problem: "\(error)")
                    entries[index] = .failed(e)
                    condition.broadcast()
                    condition.unlock()
                    throw e
                }
            }
        }
    }

    private func evict(keeping keep: Int) {
        while residentBytes > budget {
            var victim: (index: Int, use: Int, size: Int)?
            for (i, e) in entries where i != keep {
                if case .ready(let b, let use) = e, victim == nil || use < victim!.use { victim = (i, use, b.bytes.count) }
            }
            guard let v = victim else { return }
            entries[v.index] = nil
            residentBytes -= v.size
        }
    }

    private func load(_ shard: ShardInfo) throws -> ShardBytes {
        let compressed = try Self.readFile(shard)
        if verify {
            let actual = SHA256Hasher.hex(compressed)
            guard actual == shard.sha256 else {
                throw LoaderError.shard(path: shard.path, problem: "SHA-256 mismatch: file has \(actual), manifest says \(shard.sha256); refusing the shard")
            }
        }
        let tar: [UInt8]
        do { tar = try Zstd.decompress(compressed, name: shard.path, maxOutput: ShardRecord.decompressionLimit(tarBytes: shard.tarBytes)) } catch {
            throw LoaderError.shard(path: shard.path, problem: "cannot decompress: \(error)")
        }
        guard tar.count == shard.tarBytes else {
            throw LoaderError.shard(path: shard.path, problem: "decompresses to \(tar.count) bytes, manifest says \(shard.tarBytes) (truncated or corrupt)")
        }
        // The tar's own SHA-256 is not recomputed: the compressed file's hash (above) fixes its bytes,
        // and zstd checks its frame checksum while decompressing.
        return ShardBytes(tar)
    }

    /// The whole file in one array (read straight into it, without an intermediate `Data`).
    static func readFile(_ shard: ShardInfo) throws -> [UInt8] {
        func fail(_ what: String) -> LoaderError {
            .shard(path: shard.path, problem: "cannot read \(shard.url.path) (\(what))")
        }
        let fd = open(shard.url.path, O_RDONLY)
        guard fd >= 0 else { throw fail(String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fail(String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, count in
            var done = 0
            while done < size {
                let n = read(fd, buf.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failure = n == 0 ? "file shrank while reading" : String(cString: strerror(errno)); break }
                done += n
            }
            count = done
        }
        if let failure { throw fail(failure) }
        return bytes
    }
}
