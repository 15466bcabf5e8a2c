import SISRCore

/// 2-D cross-correlation (PyTorch `Conv2d`): stride 1, zero padding `padding` on every side.
///
/// - Parameters:
///   - x: `[N, Cin, H, W]`
///   - weight: `[Cout, Cin, kH, kW]`
///   - bias: `[Cout]` or nil
/// - Returns: `[N, Cout, H + 2p - kH + 1, W + 2p - kW + 1]`
///
/// Implemented as im2col followed by one SGEMM per image: `out[Cout, HW] = W[Cout, Cin*kH*kW] x cols`.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, padding: Int) -> Tensor {
    precondition(x.rank == 4 && weight.rank == 4, "conv2d expects NCHW input and OIHW weight")
    let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, wcin, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    precondition(cin == wcin, "conv2d: input has \(cin) channels, weight expects \(wcin)")
    let oh = h + 2 * padding - kh + 1, ow = w + 2 * padding - kw + 1
    precondition(oh > 0 && ow > 0, "conv2d: kernel larger than padded input")
    let kdim = cin * kh * kw, hw = oh * ow
    var out = [Float](repeating: 0, count: n * cout * hw)
    var cols = [Float](repeating: 0, count: (kh == 1 && kw == 1 && padding == 0) ? 0 : kdim * hw)
    for b in 0..<n {
        let xOff = b * cin * h * w
        if kh == 1 && kw == 1 && padding == 0 {
            x.data.withUnsafeBufferPointer { px in
                weight.data.withUnsafeBufferPointer { pw in
                    out.withUnsafeMutableBufferPointer { po in
                        BLAS.sgemm(
                            m: cout, n: hw, k: kdim, a: pw,
                            b: UnsafeBufferPointer(rebasing: px[xOff..<(xOff + cin * hw)]),
                            c: UnsafeMutableBufferPointer(rebasing: po[(b * cout * hw)..<((b + 1) * cout * hw)]))
                    }
                }
            }
            continue
        }
        x.data.withUnsafeBufferPointer { px in
            cols.withUnsafeMutableBufferPointer { pc in
                for c in 0..<cin {
                    for i in 0..<kh {
                        for j in 0..<kw {
                            let row = (c * kh + i) * kw + j
                            for y in 0..<oh {
                                let sy = y + i - padding
                                let dst = row * hw + y * ow
                                if sy < 0 || sy >= h {
                                    for xx in 0..<ow { pc[dst + xx] = 0 }
                                    continue
                                }
                                let src = xOff + (c * h + sy) * w
                                for xx in 0..<ow {
                                    let sx = xx + j - padding
                                    pc[dst + xx] = (sx >= 0 && sx < w) ? px[src + sx] : 0
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.data.withUnsafeBufferPointer { pw in
            cols.withUnsafeBufferPointer { pc in
                out.withUnsafeMutableBufferPointer { po in
                    BLAS.sgemm(
                        m: cout, n: hw, k: kdim, a: pw, b: pc,
                        c: UnsafeMutableBufferPointer(rebasing: po[(b * cout * hw)..<((b + 1) * cout * hw)]))
                }
            }
        }
    }
    if let bias {
        precondition(bias.count == cout, "conv2d: bias has \(bias.count) values for \(cout) channels")
        for b in 0..<n {
            for o in 0..<cout {
                let base = (b * cout + o) * hw
                let v = bias.data[o]
                for i in 0..<hw { out[base + i] += v }
            }
        }
    }
    return Tensor(shape: [n, cout, oh, ow], data: out)
}
