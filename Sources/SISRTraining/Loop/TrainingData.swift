import Foundation
import SISRCore
import SRModels

/// The image pairs of one dataset, in memory: GT images from `dataroot_gt` (sorted by name, or the
/// `meta_info_file` list), LQ images from `dataroot_lq` (name from `filename_tmpl`) or, for HR-only
/// datasets, made with the builder's MATLAB bicubic (`degrade`: modcrop, then 1/scale).
public struct PairedImages: Sendable {
    public let names: [String]
    public let gt: [RGBImage]
    public let lq: [RGBImage]
    public let scale: Int

    public init(_ options: DatasetOptions, scale: Int, relativeTo base: URL) throws {
        func resolve(_ p: String) -> URL { p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p) }
        let gtDir = resolve(options.datarootGT)
        var names: [String]
        if let meta = options.metaInfoFile {
            let text: String
            do { text = try String(contentsOf: resolve(meta), encoding: .utf8) } catch {
                throw SISRError.io(path: meta, problem: "cannot read the meta_info_file (\(error.localizedDescription))")
            }
            names = text.split(whereSeparator: \.isNewline).compactMap { $0.split(separator: " ").first.map(String.init) }
        } else {
            names = try PNGFolder.files(in: gtDir)
        }
        guard !names.isEmpty else { throw SISRError.invalidArgument("dataset '\(options.name)': no images") }
        var gt: [RGBImage] = [], lq: [RGBImage] = []
        for name in names {
            let hr = try PNGFolder.read(gtDir.appendingPathComponent(name)).image
            if let lqRoot = options.datarootLQ {
                let stem = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
                let lqName = options.filenameTemplate.replacingOccurrences(of: "{}", with: stem) + "." + ext
                let l = try PNGFolder.read(resolve(lqRoot).appendingPathComponent(lqName)).image
                guard l.width * scale <= hr.width, l.height * scale <= hr.height else {
                    throw SISRError.corrupt(path: lqName, problem: "LQ \(l.width)x\(l.height) x\(scale) exceeds GT \(hr.width)x\(hr.height)")
                }
                gt.append(hr.cropped(x: 0, y: 0, width: l.width * scale, height: l.height * scale))
                lq.append(l)
            } else {
                guard hr.width >= scale, hr.height >= scale else {
                    throw SISRError.corrupt(path: name, problem: "\(hr.width)x\(hr.height) is smaller than the scale \(scale)")
                }
                gt.append(hr.modcropped(to: scale))
                lq.append(degrade(hr, scale: scale))
            }
        }
        (self.names, self.gt, self.lq, self.scale) = (names, gt, lq, scale)
    }
}

/// The training batches as a pure function of (seed, iteration), so a resumed run draws exactly what an
/// uninterrupted one would: sample `k = (iter - 1) * batch + slot` of the endless stream lies in epoch
/// `k / N` (N = images x enlarge ratio) at position `k % N` of that epoch's permutation
/// (`SeededRandom(seed, "epoch", e)` shuffle), image `perm[pos] % images`. Each sample's crop and
/// augmentation come from `SeededRandom(seed, "sample", iter, slot)`: `top`, `left` uniform over the
/// valid LQ positions, then hflip, vflip, transpose each with probability 1/2 when enabled (a disabled
/// flag draws nothing, as in BasicSR's `augment`). Deviations from BasicSR, recorded: sorted file lists,
/// our RNG instead of Python's and torch's, and no drop-last between epochs.
public struct BatchSampler: Sendable {
    public let data: PairedImages
    public let seed: UInt64
    public let batchSize: Int
    public let gtSize: Int
    public let enlargeRatio: Int
    public let hflip: Bool, rotation: Bool

    public init(data: PairedImages, seed: UInt64, batchSize: Int, gtSize: Int, enlargeRatio: Int, hflip: Bool, rotation: Bool) throws {
        let lqPatch = gtSize / data.scale
        for (name, l) in zip(data.names, data.lq) where l.width < lqPatch || l.height < lqPatch {
            throw SISRError.corrupt(path: name, problem: "LQ \(l.width)x\(l.height) is smaller than the \(lqPatch) px patch (gt_size \(gtSize))")
        }
        (self.data, self.seed, self.batchSize, self.gtSize, self.enlargeRatio) = (data, seed, batchSize, gtSize, enlargeRatio)
        (self.hflip, self.rotation) = (hflip, rotation)
    }

    func permutation(epoch: Int) -> [Int] {
        var order = Array(0..<(data.gt.count * enlargeRatio))
        var rng = SeededRandom(seed: seed, "epoch", String(epoch))
        rng.shuffle(&order)
        return order
    }

    /// `(lq, gt)` of iteration `iter` (1-based): `[B, 3, p, p]` and `[B, 3, p*s, p*s]` in [0, 1].
    public func batch(_ iter: Int) -> (lq: Tensor, gt: Tensor) {
        let n = data.gt.count * enlargeRatio, s = data.scale, p = gtSize / s
        var lq: [Float] = [], gt: [Float] = []
        lq.reserveCapacity(batchSize * 3 * p * p)
        gt.reserveCapacity(batchSize * 3 * gtSize * gtSize)
        var perms: [Int: [Int]] = [:]
        for slot in 0..<batchSize {
            let k = (iter - 1) * batchSize + slot
            let epoch = k / n
            if perms[epoch] == nil { perms[epoch] = permutation(epoch: epoch) }
            let image = perms[epoch]![k % n] % data.gt.count
            var rng = SeededRandom(seed: seed, "sample", String(iter), String(slot))
            let l = data.lq[image]
            let top = rng.nextInt(below: l.height - p + 1), left = rng.nextInt(below: l.width - p + 1)
            let flipH = hflip && rng.nextDouble() < 0.5
            let flipV = rotation && rng.nextDouble() < 0.5
            let transpose = rotation && rng.nextDouble() < 0.5
            lq += Self.patch(l, x: left, y: top, size: p, flipH: flipH, flipV: flipV, transpose: transpose)
            gt += Self.patch(data.gt[image], x: left * s, y: top * s, size: gtSize, flipH: flipH, flipV: flipV, transpose: transpose)
        }
        return (Tensor(shape: [batchSize, 3, p, p], data: lq), Tensor(shape: [batchSize, 3, gtSize, gtSize], data: gt))
    }

    /// A square crop as planar floats in [0, 1], flipped (columns, then rows) and transposed as asked.
    static func patch(_ im: RGBImage, x: Int, y: Int, size: Int, flipH: Bool, flipV: Bool, transpose: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * size * size)
        for c in 0..<3 {
            for r in 0..<size {
                for q in 0..<size {
                    // Output (r, q) after transpose reads the flipped crop at (q, r).
                    var (sr, sq) = transpose ? (q, r) : (r, q)
                    if flipV { sr = size - 1 - sr }
                    if flipH { sq = size - 1 - sq }
                    out[(c * size + r) * size + q] = Float(im[x + sq, y + sr, c]) / 255
                }
            }
        }
        return out
    }
}
