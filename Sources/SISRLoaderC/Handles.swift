import DatasetLoader
import Foundation
import SISRCore

/// Options as the C ABI's JSON object spells them (snake_case, every key optional).
struct COptions: Decodable {
    var split: String?
    var `protocol`: String?
    var protocol_dirs: [String]?
    var seed: UInt64?
    var shuffle: Bool?
    var window: Int?
    var batch_size: Int?
    var rank: Int?
    var world: Int?
    var tail: TailPolicy?
    var patch: Int?
    var crop: CropMode?
    var hflip: Bool?
    var layout: PixelLayout?
    var normalize: Bool?
    var threads: Int?
    var prefetch: Int?
    var cache_bytes: Int?
    var verify: Bool?
    var verify_sha256: Bool?
    var shared_memory: Bool?

    var loaderOptions: LoaderOptions {
        var o = LoaderOptions()
        if let split { o.split = split }
        if let seed { o.seed = seed }
        o.shuffle = shuffle
        if let window { o.window = window }
        if let batch_size { o.batchSize = batch_size }
        if let rank { o.rank = rank }
        if let world { o.world = world }
        if let tail { o.tail = tail }
        if let patch { o.patch = patch }
        o.crop = crop
        if let hflip { o.hflip = hflip }
        if let layout { o.layout = layout }
        if let normalize { o.normalize = normalize }
        if let threads { o.threads = threads }
        if let prefetch { o.prefetch = prefetch }
        if let cache_bytes { o.cacheBytes = cache_bytes }
        if let verify { o.verify = verify }
        if let verify_sha256 { o.verifySHA256 = verify_sha256 }
        if let shared_memory { o.sharedMemory = shared_memory }
        return o
    }
}

/// A C string owned by Swift until replaced or freed.
final class CString {
    let pointer: UnsafeMutablePointer<CChar>
    init(_ s: String) { pointer = strdup(s)! }
    deinit { free(pointer) }
}

/// What `sisr_loader *` points at.
final class LoaderHandle {
    let loader: BatchLoader
    var stream: BatchStream?
    var lastError: CString?
    var info: CString?
    var scratch: CString?
    var png = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1)
    init(loader: BatchLoader) { self.loader = loader }
    deinit { png.deallocate() }
}

/// What `sisr_batch *` points at.
final class BatchHandle {
    let batch: Batch
    let keys: [CString]
    /// Every key, each followed by LF (one string for the whole batch).
    let joinedKeys: CString
    let labels: UnsafeMutableBufferPointer<Int32>
    init(batch: Batch) {
        self.batch = batch
        keys = batch.keys.map(CString.init)
        joinedKeys = CString(batch.keys.map { $0 + "\n" }.joined())
        labels = .allocate(capacity: max(batch.count, 1))
        _ = labels.initialize(from: batch.labels)
    }
    deinit { labels.deallocate() }
}

/// Status codes of sisr_loader.h.
enum Status {
    static let ok: Int32 = 0, end: Int32 = 1, argument: Int32 = -1, io: Int32 = -2, corrupt: Int32 = -3, internalError: Int32 = -4

    static func of(_ error: Error) -> Int32 {
        switch error {
        case let e as LoaderError:
            switch e {
            case .argument, .protocolFile: return argument
            case .shard, .sample, .release: return corrupt
            }
        case let e as SISRError:
            switch e {
            case .io: return io
            case .corrupt: return corrupt
            case .invalidArgument: return argument
            }
        default: return internalError
        }
    }
}

/// The message of the last failed `sisr_loader_open` (guarded by `openErrorLock`).
nonisolated(unsafe) var openError: CString?
let openErrorLock = NSLock()

func handle(_ p: OpaquePointer?) -> LoaderHandle? {
    p.map { Unmanaged<LoaderHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

func batchHandle(_ p: OpaquePointer?) -> BatchHandle? {
    p.map { Unmanaged<BatchHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
}

/// Runs `body`, turning errors into a status and the handle's message.
func guarded(_ h: LoaderHandle, _ body: () throws -> Int32) -> Int32 {
    do { return try body() } catch {
        h.lastError = CString("\(error)")
        return Status.of(error)
    }
}
