import SISREngine

// Small NCHW operations used by the ProSR, SPSR and NCSR networks: channel slices, reflection
// padding on every side, the fixed-kernel gradient magnitude, and per-element combinations.

/// Channels `range` of an NCHW tensor (PyTorch `x[:, a:b]`).
public func sliceChannels(_ x: Tensor, _ range: Range<Int>) -> Tensor {
    let (n, c, h, w) = x.nchw
    precondition(range.lowerBound >= 0 && range.upperBound <= c, "sliceChannels: \(range) outside \(c) channels")
    let plane = h * w, k = range.count
    var out = [Float]()
    out.reserveCapacity(n * k * plane)
    for b in 0..<n { out.append(contentsOf: x.data[((b * c + range.lowerBound) * plane)..<((b * c + range.upperBound) * plane)]) }
    return Tensor(shape: [n, k, h, w], data: out)
}

/// Every `step`-th channel starting at `start` (PyTorch `x[:, start::step]`).
public func strideChannels(_ x: Tensor, start: Int, step: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    let plane = h * w
    let picked = Array(stride(from: start, to: c, by: step))
    var out = [Float]()
    out.reserveCapacity(n * picked.count * plane)
    for b in 0..<n {
        for ch in picked { out.append(contentsOf: x.data[((b * c + ch) * plane)..<((b * c + ch + 1) * plane)]) }
    }
    return Tensor(shape: [n, picked.count, h, w], data: out)
}

/// PyTorch `nn.ReflectionPad2d(p)`: mirror excluding the edge on all four sides.
public func reflectPad(_ x: Tensor, _ p: Int) -> Tensor {
    let (_, _, h, w) = x.nchw
    precondition(p < h && p < w, "reflectPad: padding \(p) needs a side longer than \(p), got \(h)x\(w)")
    let oh = h + 2 * p, ow = w + 2 * p
    return gatherPlanes(x, rows: (0..<oh).map { mirror($0 - p, h) }, cols: (0..<ow).map { mirror($0 - p, w) })
}

/// `out[plane, y, x] = in[plane, rows[y], cols[x]]` for every plane of an NCHW tensor: padding and
/// nearest resizing by precomputed source indices.
public func gatherPlanes(_ x: Tensor, rows: [Int], cols: [Int]) -> Tensor {
    let (n, c, h, w) = x.nchw
    let oh = rows.count, ow = cols.count
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        x.data.withUnsafeBufferPointer { src in
            for plane in 0..<(n * c) {
                for y in 0..<oh {
                    let s = (plane * h + rows[y]) * w, d = (plane * oh + y) * ow
                    for xx in 0..<ow { out[d + xx] = src[s + cols[xx]] }
                }
            }
        }
    }
}

/// Index `i` (possibly negative) reflected into `0..<n`, edge excluded (one reflection).
private func mirror(_ i: Int, _ n: Int) -> Int {
    if i < 0 { return -i }
    if i >= n { return 2 * (n - 1) - i }
    return i
}

/// SPSR's `Get_gradient_nopadding`: per channel, `sqrt(v^2 + h^2 + 1e-6)` with
/// `v = x[y+1, x] - x[y-1, x]` and `h = x[y, x+1] - x[y, x-1]` (zero outside the image): the two fixed
/// 3x3 kernels `[[0,-1,0],[0,0,0],[0,1,0]]` and `[[0,0,0],[-1,0,1],[0,0,0]]` applied as convolutions.
public func gradientMagnitude(_ x: Tensor) -> Tensor {
    let (n, c, h, w) = x.nchw
    return Tensor.filled(shape: x.shape) { out in
        x.data.withUnsafeBufferPointer { src in
            for plane in 0..<(n * c) {
                let base = plane * h * w
                func at(_ y: Int, _ xx: Int) -> Float { y < 0 || y >= h || xx < 0 || xx >= w ? 0 : src[base + y * w + xx] }
                for y in 0..<h {
                    for xx in 0..<w {
                        // conv2d sums the kernel taps in order: -1 * up + 1 * down, -1 * left + 1 * right.
                        let v = (-1 * at(y - 1, xx)) + at(y + 1, xx)
                        let hz = (-1 * at(y, xx - 1)) + at(y, xx + 1)
                        out[base + y * w + xx] = (v * v + hz * hz + 1e-6).squareRoot()
                    }
                }
            }
        }
    }
}

/// Nearest resize of an NCHW tensor to `height x width` (PyTorch `F.interpolate(mode='nearest')` and
/// TensorFlow 1's legacy nearest resize, which agree: source index `floor(dst * in / out)`, in float).
public func resizeNearest(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
    let (_, _, h, w) = x.nchw
    let sy = Float(h) / Float(oh), sx = Float(w) / Float(ow)
    let rows = (0..<oh).map { min(Int((Float($0) * sy).rounded(.down)), h - 1) }
    let cols = (0..<ow).map { min(Int((Float($0) * sx).rounded(.down)), w - 1) }
    return gatherPlanes(x, rows: rows, cols: cols)
}
