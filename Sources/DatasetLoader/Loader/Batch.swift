import Foundation

/// Memory layout of a batch's pixels.
public enum PixelLayout: String, Sendable, Codable, CaseIterable {
    /// float32, shape `[N, 3, P, P]`, values `u8 / 255` in [0, 1], or ImageNet-normalised:
    /// `(u8 / 255 - mean[c]) / std[c]`, every step in float32.
    case float32NCHW = "float32-nchw"
    /// uint8, shape `[N, P, P, 3]`, the decoded pixels as they are.
    case uint8NHWC = "uint8-nhwc"
}

/// ImageNet channel statistics used by `normalize` (float32, as torchvision's `Normalize`).
public enum ImageNetStats {
    public static let mean: [Float] = [0.485, 0.456, 0.406]
    public static let std: [Float] = [0.229, 0.224, 0.225]
}

/// One batch: pixels, integer class ids and sample keys, for one rank's batch `index` of `epoch`.
/// Pixel memory belongs to the batch and is freed with it.
public final class Batch: @unchecked Sendable {
    public let epoch: Int
    /// Index of this batch among the rank's batches of the epoch.
    public let index: Int
    public let patch: Int
    public let layout: PixelLayout
    public let count: Int
    /// Sample keys, in batch order.
    public internal(set) var keys: [String]
    /// Class ids (indices into the loader's `classes`), in batch order.
    public internal(set) var labels: [Int32]
    /// Positions in the epoch order (for reproducing or auditing a batch).
    public let positions: [Int]
    /// The resume counter once this batch (on every rank) has been consumed.
    public let counter: Int
    /// Raw pixel storage: `count * bytesPerSample` bytes in `layout`.
    public let storage: UnsafeMutableRawPointer
    /// With `LoaderOptions.sharedMemory`: a file descriptor of a POSIX shared-memory object (already
    /// unlinked) that holds `storage`, owned by the batch and closed with it, so another process
    /// can map the pixels without a copy (the PyTorch adapter hands it to `torch`); otherwise -1.
    /// The object is reused for a later batch only once this descriptor, its duplicates and their
    /// mappings are gone in every process (``BatchMemoryPool``).
    public let sharedMemoryFD: Int32
    private let pooled: (pool: BatchMemoryPool, region: BatchRegion)?

    /// Bytes one sample takes in `layout`.
    public var bytesPerSample: Int { patch * patch * 3 * (layout == .float32NCHW ? 4 : 1) }

    init(epoch: Int, index: Int, patch: Int, layout: PixelLayout, positions: [Int], counter: Int, pool: BatchMemoryPool? = nil) {
        self.epoch = epoch
        self.index = index
        self.patch = patch
        self.layout = layout
        self.count = positions.count
        self.positions = positions
        self.counter = counter
        keys = Array(repeating: "", count: positions.count)
        labels = Array(repeating: 0, count: positions.count)
        let bytes = max(1, positions.count * patch * patch * 3 * (layout == .float32NCHW ? 4 : 1))
        if let pool, let region = pool.take(bytes) {
            pooled = (pool, region)
            sharedMemoryFD = pool.shared ? pool.lend(region) : -1
            storage = region.pointer
        } else {
            pooled = nil
            sharedMemoryFD = -1
            storage = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        }
    }

    deinit {
        if let pooled {
            if sharedMemoryFD >= 0 { close(sharedMemoryFD) }
            pooled.pool.giveBack(pooled.region)
        } else {
            storage.deallocate()
        }
    }

    /// Shape of the pixel array: `[N, 3, P, P]` or `[N, P, P, 3]`.
    public var shape: [Int] { layout == .float32NCHW ? [count, 3, patch, patch] : [count, patch, patch, 3] }

    /// The pixels as float32 (only for `.float32NCHW`).
    public var floats: UnsafeBufferPointer<Float> {
        precondition(layout == .float32NCHW, "floats of a uint8 batch")
        return UnsafeBufferPointer(start: storage.assumingMemoryBound(to: Float.self), count: count * 3 * patch * patch)
    }

    /// The pixels as uint8 (only for `.uint8NHWC`).
    public var bytes: UnsafeBufferPointer<UInt8> {
        precondition(layout == .uint8NHWC, "bytes of a float batch")
        return UnsafeBufferPointer(start: storage.assumingMemoryBound(to: UInt8.self), count: count * 3 * patch * patch)
    }
}

/// Converts an RGB8 patch (row-major, `P*3` bytes per row) into a batch slot, mirroring if asked.
struct PixelWriter: Sendable {
    let layout: PixelLayout
    let patch: Int
    /// `table[c * 256 + v]`: the float value of channel `c`'s byte `v`.
    let table: [Float]

    init(layout: PixelLayout, patch: Int, normalize: Bool) {
        self.layout = layout
        self.patch = patch
        var t = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 {
                let unit = Float(v) / Float(255)
                t[c * 256 + v] = normalize ? (unit - ImageNetStats.mean[c]) / ImageNetStats.std[c] : unit
            }
        }
        table = t
    }

    func write(_ crop: UnsafePointer<UInt8>, flip: Bool, into batch: Batch, slot: Int) {
        let p = patch
        switch layout {
        case .uint8NHWC:
            let dst = batch.storage.assumingMemoryBound(to: UInt8.self) + slot * p * p * 3
            if !flip { dst.update(from: crop, count: p * p * 3); return }
            for y in 0..<p {
                let s = crop + y * p * 3, d = dst + y * p * 3
                for x in 0..<p {
                    let sx = (p - 1 - x) * 3
                    d[x * 3] = s[sx]; d[x * 3 + 1] = s[sx + 1]; d[x * 3 + 2] = s[sx + 2]
                }
            }
        case .float32NCHW:
            let dst = batch.storage.assumingMemoryBound(to: Float.self) + slot * 3 * p * p
            table.withUnsafeBufferPointer { t in
                let t0 = t.baseAddress!, t1 = t0 + 256, t2 = t0 + 512
                let plane = p * p
                for y in 0..<p {
                    let s = crop + y * p * 3
                    let r = dst + y * p, g = r + plane, b = g + plane
                    for x in 0..<p {
                        let sx = (flip ? p - 1 - x : x) * 3
                        r[x] = t0[Int(s[sx])]; g[x] = t1[Int(s[sx + 1])]; b[x] = t2[Int(s[sx + 2])]
                    }
                }
            }
        }
    }
}
