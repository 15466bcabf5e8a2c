import SRModels

/// Differentiable 2-D cross-correlation (PyTorch `Conv2d`, zero padding, any stride).
///
/// Forward, per image: `out_b[Cout, oh*ow] = W[Cout, Cin*kh*kw] * im2col(x_b) + bias`.
/// Backward, per image: `dW_b = dY_b * im2col(x_b)^T` and `dx_b = col2im(W^T * dY_b)`; the weight
/// gradient is the sum of the per-image `dW_b` in image order and the bias gradient a Double sum over
/// images then pixels, so neither depends on the thread count (threads take whole images).
public func conv2d(_ x: Variable, weight: Variable, bias: Variable?, stride: Int = 1, padding: Int) -> Variable {
    let (n, cin, h, w) = x.value.nchw
    let (cout, wcin, kh, kw) = weight.value.nchw
    precondition(cin == wcin, "conv2d: input has \(cin) channels, weight expects \(wcin)")
    let g = ConvShape(cin: cin, h: h, w: w, kh: kh, kw: kw, stride: stride, padding: padding)
    let kdim = g.kdim, hw = g.oh * g.ow, inPlane = cin * h * w
    var out = [Float](repeating: 0, count: n * cout * hw)
    let xv = x.value, wv = weight.value, bv = bias?.value
    out.withUnsafeMutableBufferPointer { po in
        xv.data.withUnsafeBufferPointer { px in
            wv.data.withUnsafeBufferPointer { pw in
                ParallelWork.forEach(n) { b in
                    let xImage = UnsafeBufferPointer(rebasing: px[(b * inPlane)..<((b + 1) * inPlane)])
                    let oImage = UnsafeMutableBufferPointer(rebasing: po[(b * cout * hw)..<((b + 1) * cout * hw)])
                    g.withColumns(xImage) { cols in
                        Kernels.sgemm(m: cout, n: hw, k: kdim, a: pw, b: cols, c: oImage)
                    }
                    if let bv {
                        for o in 0..<cout {
                            let bo = bv.data[o]
                            for i in (o * hw)..<((o + 1) * hw) { oImage[i] += bo }
                        }
                    }
                }
            }
        }
    }
    let parents = [x, weight] + (bias.map { [$0] } ?? [])
    return Variable(Tensor(shape: [n, cout, g.oh, g.ow], data: out), parents: parents) { grad in
        let needX = x.requiresGrad, needW = weight.requiresGrad
        var dx = [Float](repeating: 0, count: needX ? n * inPlane : 0)
        var dwParts = [Float](repeating: 0, count: needW ? n * cout * kdim : 0)
        grad.withUnsafeBufferPointer { pg in
            xv.data.withUnsafeBufferPointer { px in
                wv.data.withUnsafeBufferPointer { pw in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        dwParts.withUnsafeMutableBufferPointer { pdw in
                            ParallelWork.forEach(n) { b in
                                let gImage = UnsafeBufferPointer(rebasing: pg[(b * cout * hw)..<((b + 1) * cout * hw)])
                                if needW {
                                    let xImage = UnsafeBufferPointer(rebasing: px[(b * inPlane)..<((b + 1) * inPlane)])
                                    g.withColumns(xImage) { cols in
                                        Kernels.sgemm(
                                            transB: true, m: cout, n: kdim, k: hw, a: gImage, b: cols,
                                            c: UnsafeMutableBufferPointer(rebasing: pdw[(b * cout * kdim)..<((b + 1) * cout * kdim)]))
                                    }
                                }
                                if needX {
                                    var dcols = [Float](repeating: 0, count: kdim * hw)
                                    dcols.withUnsafeMutableBufferPointer { pc in
                                        Kernels.sgemm(transA: true, m: kdim, n: hw, k: cout, a: pw, b: gImage, c: pc)
                                        g.col2im(UnsafeBufferPointer(pc), into: UnsafeMutableBufferPointer(rebasing: pdx[(b * inPlane)..<((b + 1) * inPlane)]))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if needX { x.accumulate(dx) }
        if needW { weight.accumulate(sumParts(dwParts, parts: n)) }
        if let bias, bias.requiresGrad { bias.accumulate(channelSums(grad, n: n, c: cout, plane: hw)) }
    }
}

/// `sum_p parts[p]` for `parts` equal-length slices, added in slice order.
func sumParts(_ parts: [Float], parts n: Int) -> [Float] {
    let len = parts.count / max(1, n)
    var out = Array(parts[0..<len])
    for p in 1..<max(1, n) {
        let base = p * len
        for i in 0..<len { out[i] += parts[base + i] }
    }
    return out
}

/// Per-channel sums of an NCHW gradient over images and pixels (Double accumulator, fixed order).
func channelSums(_ g: [Float], n: Int, c: Int, plane: Int) -> [Float] {
    (0..<c).map { ch in
        var s = 0.0
        for b in 0..<n {
            let base = (b * c + ch) * plane
            for i in base..<(base + plane) { s += Double(g[i]) }
        }
        return Float(s)
    }
}

/// Geometry of one convolution and its im2col / col2im maps.
struct ConvShape {
    let cin, h, w, kh, kw, stride, padding, oh, ow: Int

    init(cin: Int, h: Int, w: Int, kh: Int, kw: Int, stride: Int, padding: Int) {
        (self.cin, self.h, self.w, self.kh, self.kw, self.stride, self.padding) = (cin, h, w, kh, kw, stride, padding)
        oh = (h + 2 * padding - kh) / stride + 1
        ow = (w + 2 * padding - kw) / stride + 1
        precondition(oh > 0 && ow > 0, "conv2d: kernel \(kh)x\(kw) larger than the padded \(h)x\(w) input")
    }

    var kdim: Int { cin * kh * kw }
    var isDirect: Bool { kh == 1 && kw == 1 && stride == 1 && padding == 0 }

    /// Output columns `xx` whose source column `xx*stride + j - padding` lies inside the image.
    func validColumns(_ j: Int) -> Range<Int> {
        let lo = max(0, (padding - j + stride - 1) / stride)
        let hi = min(ow, (w - 1 + padding - j) / stride + 1)
        return lo..<max(lo, hi)
    }

    /// Runs `body` with the `[kdim, oh*ow]` column matrix of one image (the image itself for 1x1),
    /// made by the engine's `im2colRows`.
    func withColumns(_ x: UnsafeBufferPointer<Float>, _ body: (UnsafeBufferPointer<Float>) -> Void) {
        if isDirect { return body(x) }
        let cols = [Float](unsafeUninitializedCapacity: kdim * oh * ow) { pc, n in
            im2colRows(x, channels: cin, height: h, width: w, kernelH: kh, kernelW: kw, padding: padding, stride: stride,
                       outWidth: ow, rows: 0..<oh, into: pc)
            n = kdim * oh * ow
        }
        cols.withUnsafeBufferPointer { body($0) }
    }

    /// Adds the column-matrix gradient back onto the image gradient `dx` (fixed loop order).
    func col2im(_ cols: UnsafeBufferPointer<Float>, into dx: UnsafeMutableBufferPointer<Float>) {
        let hw = oh * ow
        if isDirect {
            for i in 0..<(cin * hw) { dx[i] += cols[i] }
            return
        }
        for c in 0..<cin {
            for i in 0..<kh {
                for j in 0..<kw {
                    let row = ((c * kh + i) * kw + j) * hw
                    let xs = validColumns(j)
                    for y in 0..<oh {
                        let sy = y * stride + i - padding
                        guard sy >= 0 && sy < h else { continue }
                        let dst = (c * h + sy) * w + j - padding, src = row + y * ow
                        for xx in xs { dx[dst + xx * stride] += cols[src + xx] }
                    }
                }
            }
        }
    }
}

/// Differentiable `nn.Linear`: `y[N, out] = x[N, in] * W^T + b` (`x` is flattened to `[N, in]`).
public func linear(_ x: Variable, weight: Variable, bias: Variable?) -> Variable {
    let n = x.value.shape[0], fin = x.value.count / max(1, n)
    let (fout, wfin) = (weight.value.shape[0], weight.value.shape[1])
    precondition(fin == wfin, "linear: input has \(fin) features, weight expects \(wfin)")
    let xv = x.value, wv = weight.value
    var out = [Float](repeating: 0, count: n * fout)
    xv.data.withUnsafeBufferPointer { px in
        wv.data.withUnsafeBufferPointer { pw in
            out.withUnsafeMutableBufferPointer { po in
                Kernels.sgemm(transB: true, m: n, n: fout, k: fin, a: px, b: pw, c: po)
            }
        }
    }
    if let b = bias?.value.data {
        for r in 0..<n { for o in 0..<fout { out[r * fout + o] += b[o] } }
    }
    let parents = [x, weight] + (bias.map { [$0] } ?? [])
    return Variable(Tensor(shape: [n, fout], data: out), parents: parents) { g in
        g.withUnsafeBufferPointer { pg in
            if x.requiresGrad {
                var dx = [Float](repeating: 0, count: n * fin)
                wv.data.withUnsafeBufferPointer { pw in
                    dx.withUnsafeMutableBufferPointer { Kernels.sgemm(m: n, n: fin, k: fout, a: pg, b: pw, c: $0) }
                }
                x.accumulate(dx)
            }
            if weight.requiresGrad {
                var dw = [Float](repeating: 0, count: fout * fin)
                xv.data.withUnsafeBufferPointer { px in
                    dw.withUnsafeMutableBufferPointer { Kernels.sgemm(transA: true, m: fout, n: fin, k: n, a: pg, b: px, c: $0) }
                }
                weight.accumulate(dw)
            }
        }
        if let bias, bias.requiresGrad { bias.accumulate(channelSums(g, n: n, c: fout, plane: 1)) }
    }
}
