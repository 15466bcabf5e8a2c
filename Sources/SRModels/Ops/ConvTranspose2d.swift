import SISREngine

// Strided and transposed convolutions, expressed through the stride-1 `conv2d` (im2col/Winograd + GEMM)
// and exact reshuffles, so they inherit its determinism: a fixed order of operations for any thread count.

/// PyTorch `nn.ConvTranspose2d(cin, cout, k, stride: s, padding: p)` (square kernel, no output padding,
/// dilation 1): `out[co, Y, X] = bias[co] + sum_{ci, y, i, x, j : y*s + i - p = Y, x*s + j - p = X}
/// w[ci, co, i, j] * in[ci, y, x]`, output side `(H - 1) * s - 2p + k`.
///
/// Computed by phase decomposition: output row `Y + p = s*m + r` only sees kernel rows `r, r+s, ...`, so
/// all `s*s` phases are one stride-1 convolution (kernel `ceil(k/s)`, padding `ceil(k/s) - 1`) with
/// `cout*s*s` outputs, then `pixelShuffle(s)` interleaves them and the window starting at `p` is kept.
///
/// - Parameters:
///   - weight: `[Cin, Cout, k, k]` as PyTorch stores it.
///   - bias: `[Cout]` or nil.
public func convTranspose2d(
    _ x: Tensor, weight: Tensor, bias: Tensor?, stride s: Int, padding p: Int, activation: Activation = .identity
) -> Tensor {
    let (_, cin, h, w) = x.nchw
    let (wcin, cout, k, kw) = weight.nchw
    precondition(cin == wcin && k == kw, "convTranspose2d: input has \(cin) channels, weight \(weight.shape)")
    let kp = (k + s - 1) / s
    let phases = Tensor.filled(shape: [cout * s * s, cin, kp, kp]) { out in
        for co in 0..<cout {
            for ry in 0..<s {
                for rx in 0..<s {
                    let o = (co * s + ry) * s + rx
                    for ci in 0..<cin {
                        for u in 0..<kp {
                            for v in 0..<kp {
                                let i = ry + s * (kp - 1 - u), j = rx + s * (kp - 1 - v)
                                out[((o * cin + ci) * kp + u) * kp + v] =
                                    i < k && j < k ? weight.data[((ci * cout + co) * k + i) * k + j] : 0
                            }
                        }
                    }
                }
            }
        }
    }
    let phaseBias = bias.map { b in Tensor(shape: [cout * s * s], data: (0..<(cout * s * s)).map { b.data[$0 / (s * s)] }) }
    let full = pixelShuffle(conv2d(x, weight: phases, bias: phaseBias, padding: kp - 1, activation: activation), s)
    let oh = (h - 1) * s - 2 * p + k, ow = (w - 1) * s - 2 * p + k
    return window(full, top: p, left: p, height: oh, width: ow)
}

/// PyTorch `nn.Conv2d(cin, cout, k, stride: s, padding: p)` (square kernel, zero padding): output side
/// `(H + 2p - k) / s + 1`.
///
/// Computed by space-to-depth: the zero-padded input is pixel-unshuffled by `s`, and the kernel is
/// rearranged into a `ceil(k/s)` kernel over the `cin*s*s` phase channels, so that one stride-1
/// convolution without padding gives exactly the strided output.
public func conv2dStrided(
    _ x: Tensor, weight: Tensor, bias: Tensor?, stride s: Int, padding p: Int, activation: Activation = .identity
) -> Tensor {
    if s == 1 { return conv2d(x, weight: weight, bias: bias, padding: p, activation: activation) }
    let (_, cin, h, w) = x.nchw
    let (cout, wcin, k, kw) = weight.nchw
    precondition(cin == wcin && k == kw, "conv2dStrided: input has \(cin) channels, weight \(weight.shape)")
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    precondition(oh > 0 && ow > 0, "conv2dStrided: kernel larger than the padded input")
    let kp = (k + s - 1) / s
    let padded = window(x, top: -p, left: -p, height: s * (oh + kp - 1), width: s * (ow + kp - 1))
    let cs = cin * s * s
    let phases = Tensor.filled(shape: [cout, cs, kp, kp]) { out in
        for o in 0..<cout {
            for ci in 0..<cin {
                for r in 0..<s {
                    for q in 0..<s {
                        let c = (ci * s + r) * s + q
                        for u in 0..<kp {
                            for v in 0..<kp {
                                let i = u * s + r, j = v * s + q
                                out[((o * cs + c) * kp + u) * kp + v] =
                                    i < k && j < k ? weight.data[((o * cin + ci) * k + i) * k + j] : 0
                            }
                        }
                    }
                }
            }
        }
    }
    return conv2d(pixelUnshuffle(padded, s), weight: phases, bias: bias, padding: 0, activation: activation)
}

/// The `height x width` window of an NCHW tensor whose top-left corner is at `(top, left)` (which may be
/// negative or reach past the edges): zeros where the window leaves the tensor. Zero padding and
/// cropping in one copy.
public func window(_ x: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    if top == 0 && left == 0 && height == h && width == w { return x }
    let x0 = max(0, -left), x1 = min(width, w - left)
    return Tensor.filled(shape: [n, c, height, width]) { out in
        x.data.withUnsafeBufferPointer { src in
            Compute.forEachWorker(items: n * c) { _, items in
                for pl in items {
                    for y in 0..<height {
                        let d = (pl * height + y) * width, sy = y + top
                        guard sy >= 0 && sy < h && x1 > x0 else {
                            for i in 0..<width { out[d + i] = 0 }
                            continue
                        }
                        for i in 0..<x0 { out[d + i] = 0 }
                        let s = (pl * h + sy) * w + left
                        for i in x0..<x1 { out[d + i] = src[s + i] }
                        for i in max(x0, x1)..<width { out[d + i] = 0 }
                    }
                }
            }
        }
    }
}
