// Shape-changing operations: concatenation, pixel (un)shuffle, nearest upsampling, padding, cropping.

/// Concatenates NCHW tensors along the channel axis, in order.
public func concatChannels(_ xs: [Tensor]) -> Tensor {
    precondition(!xs.isEmpty, "concatChannels of nothing")
    let (n, _, h, w) = xs[0].nchw
    for x in xs { precondition(x.nchw.n == n && x.nchw.h == h && x.nchw.w == w, "concatChannels: shape mismatch") }
    let cs = xs.map { $0.nchw.c }
    let ctotal = cs.reduce(0, +), plane = h * w
    var out = [Float]()
    out.reserveCapacity(n * ctotal * plane)
    for b in 0..<n {
        for (x, c) in zip(xs, cs) { out.append(contentsOf: x.data[(b * c * plane)..<((b + 1) * c * plane)]) }
    }
    return Tensor(shape: [n, ctotal, h, w], data: out)
}

/// PyTorch `PixelShuffle(r)`: `[N, C*r*r, H, W] -> [N, C, H*r, W*r]` with
/// `out[c, h*r+i, w*r+j] = in[c*r*r + i*r + j, h, w]`.
public func pixelShuffle(_ x: Tensor, _ r: Int) -> Tensor {
    let (n, cr, h, w) = x.nchw
    precondition(cr % (r * r) == 0, "pixelShuffle: \(cr) channels not divisible by \(r * r)")
    let c = cr / (r * r), oh = h * r, ow = w * r
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        x.data.withUnsafeBufferPointer { src in
            Compute.forEachWorker(items: n * c) { _, items in
                for p in items {
                    let (b, ch) = (p / c, p % c)
                    for oy in 0..<oh {
                        let (y, i) = (oy / r, oy % r)
                        let dst = (p * oh + oy) * ow
                        for j in 0..<r {
                            let srcBase = ((b * cr + ch * r * r + i * r + j) * h + y) * w
                            for xx in 0..<w { out[dst + xx * r + j] = src[srcBase + xx] }
                        }
                    }
                }
            }
        }
    }
}

/// BasicSR `pixel_unshuffle(x, s)`, the inverse of ``pixelShuffle(_:_:)``: `[N, C, H, W] ->
/// [N, C*s*s, H/s, W/s]` with `out[c*s*s + i*s + j, h, w] = in[c, h*s+i, w*s+j]`. H and W must divide by s.
public func pixelUnshuffle(_ x: Tensor, _ s: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    precondition(h % s == 0 && w % s == 0, "pixelUnshuffle: \(h)x\(w) not divisible by \(s)")
    let oh = h / s, ow = w / s, oc = c * s * s
    return Tensor.filled(shape: [n, oc, oh, ow]) { out in
        x.data.withUnsafeBufferPointer { src in
            for b in 0..<n {
                for ch in 0..<c {
                    for i in 0..<s {
                        for j in 0..<s {
                            let dstBase = (b * oc + ch * s * s + i * s + j) * oh * ow
                            for y in 0..<oh {
                                let srcRow = ((b * c + ch) * h + y * s + i) * w
                                for xx in 0..<ow { out[dstBase + y * ow + xx] = src[srcRow + xx * s + j] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Nearest-neighbour x2 upsampling (`F.interpolate(scale_factor=2, mode='nearest')`):
/// `out[y, x] = in[y/2, x/2]`.
public func upsampleNearest2x(_ x: Tensor) -> Tensor {
    let (n, c, h, w) = x.nchw
    let oh = 2 * h, ow = 2 * w
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        x.data.withUnsafeBufferPointer { src in
            Compute.forEachWorker(items: n * c) { _, items in
                for p in items {
                    for y in 0..<h {
                        let s = (p * h + y) * w, d = (p * oh + 2 * y) * ow
                        for xx in 0..<w {
                            let v = src[s + xx]
                            out[d + 2 * xx] = v
                            out[d + 2 * xx + 1] = v
                            out[d + ow + 2 * xx] = v
                            out[d + ow + 2 * xx + 1] = v
                        }
                    }
                }
            }
        }
    }
}

/// Pads the bottom and right of an NCHW tensor by reflection that excludes the edge (PyTorch
/// `F.pad(mode='reflect')`: padded row `H` is row `H-2`). Pads of at least the size, which PyTorch
/// refuses, keep reflecting back and forth (a size of 1 repeats the edge).
public func reflectPadBottomRight(_ x: Tensor, bottom: Int, right: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    let oh = h + bottom, ow = w + right
    let rows = (0..<oh).map { reflectIndex($0, h) }, cols = (0..<ow).map { reflectIndex($0, w) }
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        for p in 0..<(n * c) {
            for y in 0..<oh {
                for xx in 0..<ow { out[(p * oh + y) * ow + xx] = x.data[(p * h + rows[y]) * w + cols[xx]] }
            }
        }
    }
}

/// Index `i >= 0` folded into `0..<n` by edge-excluding reflection.
package func reflectIndex(_ i: Int, _ n: Int) -> Int {
    if n == 1 { return 0 }
    let period = 2 * (n - 1), m = i % period
    return m < n ? m : period - m
}

/// The top-left `height x width` window of an NCHW tensor.
public func cropTopLeft(_ x: Tensor, height: Int, width: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    precondition(height <= h && width <= w, "crop larger than the tensor")
    if height == h && width == w { return x }
    return Tensor.filled(shape: [n, c, height, width]) { out in
        for p in 0..<(n * c) {
            for y in 0..<height {
                for xx in 0..<width { out[(p * height + y) * width + xx] = x.data[(p * h + y) * w + xx] }
            }
        }
    }
}
