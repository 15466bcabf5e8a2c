import SISREngine
/// How an input is padded before a network that needs sides divisible by a window size (SwinIR).
public enum WindowPadding: String, Codable, Sendable, CaseIterable {
    /// BasicSR `SwinIRModel.test`: only when a side is not a multiple of the window, pad the bottom /
    /// right by `window - side % window` with reflection that excludes the edge (padded row `H` is row
    /// `H-2`). The rule for models trained with BasicSR.
    case reflect
    /// The official `main_test_swinir.py`: always pad by `(side / window + 1) * window - side`
    /// (1...window) with symmetric mirroring that includes the edge (padded row `H` is row `H-1`,
    /// `H+1` is `H-2`, ...), rows first, then columns. The rule for the official pretrained models.
    case symmetric

    /// The padded size of a side of length `n`.
    public func paddedSize(_ n: Int, window m: Int) -> Int {
        switch self {
        case .reflect: return n % m == 0 ? n : n + (m - n % m)
        case .symmetric: return (n / m + 1) * m
        }
    }

    /// Source index for padded index `i` of a side of length `n` (`i` may exceed `n - 1`). Where
    /// PyTorch refuses (a pad not smaller than the side), reflection simply continues periodically.
    func sourceIndex(_ i: Int, size n: Int) -> Int {
        if i < n { return i }
        switch self {
        case .reflect:
            return reflectIndex(i, n)
        case .symmetric:
            // torch.cat([x, flip(x)]) repeated as often as needed: period 2n
            let k = i % (2 * n)
            return k < n ? k : 2 * n - 1 - k
        }
    }

    /// Pads the bottom and right of `[1, C, H, W]` to multiples of `window` by this rule.
    func pad(_ x: Tensor, window m: Int) -> Tensor {
        let (n, c, h, w) = x.nchw
        let oh = paddedSize(h, window: m), ow = paddedSize(w, window: m)
        if oh == h && ow == w { return x }
        if self == .reflect { return reflectPadBottomRight(x, bottom: oh - h, right: ow - w) }
        let rows = (0..<oh).map { sourceIndex($0, size: h) }
        let cols = (0..<ow).map { sourceIndex($0, size: w) }
        return Tensor.filled(shape: [n, c, oh, ow]) { out in
            x.data.withUnsafeBufferPointer { src in
                for p in 0..<(n * c) {
                    for y in 0..<oh {
                        let s = (p * h + rows[y]) * w, d = (p * oh + y) * ow
                        for xx in 0..<ow { out[d + xx] = src[s + cols[xx]] }
                    }
                }
            }
        }
    }
}
