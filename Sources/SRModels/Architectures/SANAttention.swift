import SISREngine
import SISRCore

/// SAN's second-order channel attention (`SOCA`): covariance pooling of the (centre-cropped) feature map,
/// the matrix square root by Newton-Schulz iterations (MPN-COV `SqrtmLayer`, 5 iterations with pre-norm
/// by the trace and post-compensation by its square root), the column means as channel descriptor, then
/// `conv_du` (1x1 down, ReLU, 1x1 up, sigmoid) as channel weights. Keys `conv_du.0`, `conv_du.2`.
///
/// The covariance `X (I/M - 1/M^2) X^T` is accumulated in double as `(1/M) sum (x - mean)(x - mean)^T`
/// (the same value; the official code builds the M x M centring matrix), and the iteration runs in double.
struct SecondOrderChannelAttention: Sendable {
    let down: Conv2d, up: Conv2d
    static let iterations = 5
    /// Feature maps larger than this on a side are centre-cropped to it before pooling (official `h1`, `w1`).
    static let maxSide = 1000

    init(_ w: WeightScope, features f: Int, reduction r: Int) {
        down = Conv2d(w["conv_du"][0], in: f, out: f / r, kernel: 1)
        up = Conv2d(w["conv_du"][2], in: f / r, out: f, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let c = x.nchw.c
        let descriptor = Self.covarianceSquareRootMeans(Self.pooledRegion(x), channels: c)
        let weights = sigmoid(up(down(Tensor(shape: [1, c, 1, 1], data: descriptor), .relu)))
        return multiplyChannels(x, by: weights)
    }

    /// The official crop: sides of at least 1000 are cut to the central 1000 with Python slicing
    /// semantics (including its quirk for a side of exactly 1000 when the other is smaller).
    static func pooledRegion(_ x: Tensor) -> Tensor {
        let (_, _, h, w) = x.nchw
        let m = maxSide
        func centre(_ n: Int) -> Range<Int> {
            let start = Int((Double(n - m) / 2).rounded(.down))  // Python's floor division
            return pythonSlice(start, start + m, count: n)
        }
        let rows: Range<Int>, cols: Range<Int>
        if h < m && w < m { (rows, cols) = (0..<h, 0..<w) }
        else if h < m && w > m { (rows, cols) = (0..<h, centre(w)) }
        else if w < m && h > m { (rows, cols) = (centre(h), 0..<w) }
        else { (rows, cols) = (centre(h), centre(w)) }
        return window(x, top: rows.lowerBound, left: cols.lowerBound, height: rows.count, width: cols.count)
    }

    /// `x[a:b]` of a sequence of `count` elements (negative bounds count from the end, clamped).
    static func pythonSlice(_ a: Int, _ b: Int, count n: Int) -> Range<Int> {
        func norm(_ i: Int) -> Int { min(max(i < 0 ? i + n : i, 0), n) }
        let lo = norm(a), hi = norm(b)
        return lo..<max(lo, hi)
    }

    /// `mean(sqrtm(cov(x)), dim=1)`: for each channel `j`, the mean over `i` of `sqrt(cov)[i, j]`.
    static func covarianceSquareRootMeans(_ x: Tensor, channels c: Int) -> [Float] {
        let (_, _, h, w) = x.nchw
        let m = h * w
        var mean = [Double](repeating: 0, count: c)
        for i in 0..<c {
            var s = 0.0
            for p in 0..<m { s += Double(x.data[i * m + p]) }
            mean[i] = s / Double(m)
        }
        var cov = [Double](repeating: 0, count: c * c)
        cov.withUnsafeMutableBufferPointer { out in
            x.data.withUnsafeBufferPointer { px in
                let box = UncheckedSendable(out)
                Compute.forEachWorker(items: c) { _, items in
                    for i in items {
                        for j in 0...i {
                            var s = 0.0
                            let mi = mean[i], mj = mean[j]
                            for p in 0..<m { s += (Double(px[i * m + p]) - mi) * (Double(px[j * m + p]) - mj) }
                            box.value[i * c + j] = s / Double(m)
                            box.value[j * c + i] = s / Double(m)
                        }
                    }
                }
            }
        }
        let root = newtonSchulzSquareRoot(cov, n: c, iterations: iterations)
        return (0..<c).map { j in Float((0..<c).reduce(0.0) { $0 + root[$1 * c + j] } / Double(c)) }
    }

    /// MPN-COV `Sqrtm.forward`: `A = S / tr(S)`, `Y0 = A (3I - A) / 2`, `Z0 = (3I - A) / 2`, then
    /// `T = (3I - Z Y) / 2, Y <- Y T, Z <- T Z` for the middle iterations, finally
    /// `Y (3I - Z Y) / 2 * sqrt(tr S)`.
    static func newtonSchulzSquareRoot(_ s: [Double], n: Int, iterations: Int) -> [Double] {
        func mul(_ a: [Double], _ b: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for k in 0..<n {
                    let aik = a[i * n + k]
                    for j in 0..<n { out[i * n + j] += aik * b[k * n + j] }
                }
            }
            return out
        }
        func halfThreeIMinus(_ a: [Double]) -> [Double] {
            var out = a.map { -0.5 * $0 }
            for i in 0..<n { out[i * n + i] += 1.5 }
            return out
        }
        let trace = (0..<n).reduce(0.0) { $0 + s[$1 * n + $1] }
        let a = s.map { $0 / trace }
        var zy = halfThreeIMinus(a)
        var y: [Double], z: [Double]
        if iterations < 2 {
            zy = mul(a, zy)
        } else {
            y = mul(a, zy)
            z = zy
            for _ in 1..<(iterations - 1) {
                let t = halfThreeIMinus(mul(z, y))
                y = mul(y, t)
                z = mul(t, z)
            }
            zy = mul(y, halfThreeIMinus(mul(z, y)))
        }
        let root = trace.squareRoot()
        return zy.map { $0 * root }
    }
}

/// SAN's region-level non-local module (`Nonlocal_CA`): the feature map is split into four quadrants
/// (top rows `H/2`, left columns `W/2`), and an embedded-Gaussian non-local block (`NONLocalBlock2D`,
/// keys `non_local.{theta, phi.0, g.0, W}`) runs on each. `phi` and `g` are 1x1 convolutions followed by
/// 2x2 max pooling (the upstream code always sub-samples in 2-D). The module's own `soca` is never used
/// in the forward pass; its parameters are accepted and ignored.
struct RegionNonLocal: Sendable {
    let theta: Conv2d, phi: Conv2d, g: Conv2d, w: Conv2d

    init(_ scope: WeightScope, features f: Int, inter: Int) {
        let nl = scope["non_local"]
        theta = Conv2d(nl["theta"], in: f, out: inter, kernel: 1)
        phi = Conv2d(nl["phi"][0], in: f, out: inter, kernel: 1)
        g = Conv2d(nl["g"][0], in: f, out: inter, kernel: 1)
        w = Conv2d(nl["W"], in: inter, out: f, kernel: 1)
        for name in ["conv_du.0.weight", "conv_du.0.bias", "conv_du.2.weight", "conv_du.2.bias"] {
            _ = scope.store.optionalTensor(scope["soca"].key(name))
        }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let (_, _, h, w) = x.nchw
        let h1 = h / 2, w1 = w / 2
        let parts = [(0, 0, h1, w1), (h1, 0, h - h1, w1), (0, w1, h1, w - w1), (h1, w1, h - h1, w - w1)]
        var out = Tensor(zeros: x.shape)
        for (top, left, ph, pw) in parts where ph > 0 && pw > 0 {
            let y = block(window(x, top: top, left: left, height: ph, width: pw))
            paste(y, into: &out, top: top, left: left)
        }
        return out
    }

    /// `z = W(softmax(theta^T phi) g) + x` on one region.
    func block(_ x: Tensor) -> Tensor {
        let (_, _, h, wd) = x.nchw
        let c = theta.outChannels, l = h * wd
        let q = TokenLayout.tokens(theta(x))
        let keys = maxPool2(phi(x)), values = maxPool2(g(x))
        let lk = keys.nchw.h * keys.nchw.w
        let keyMatrix = Tensor(shape: [lk, c], data: TokenLayout.tokens(keys))
        let valueMatrix = values.reshaped([c, lk])
        var y = [Float](repeating: 0, count: l * c)
        let rowsPerItem = 128, items = (l + rowsPerItem - 1) / rowsPerItem
        q.withUnsafeBufferPointer { pq in
            y.withUnsafeMutableBufferPointer { py in
                let box = UncheckedSendable(py)
                Compute.forEachWorker(items: items) { _, its in
                    var scores = [Float](repeating: 0, count: rowsPerItem * lk)
                    for it in its {
                        let r0 = it * rowsPerItem, rows = min(rowsPerItem, l - r0)
                        scores.withUnsafeMutableBufferPointer { ps in
                            TokenOps.linear(UnsafeBufferPointer(rebasing: pq[(r0 * c)...]), rows: rows, weight: keyMatrix, bias: nil, into: ps)
                            TokenOps.softmaxRows(ps, rows: rows, cols: lk)
                            TokenOps.linear(UnsafeBufferPointer(ps), rows: rows, ldx: lk, weight: valueMatrix, bias: nil,
                                            into: UnsafeMutableBufferPointer(rebasing: box.value[(r0 * c)...]))
                        }
                    }
                }
            }
        }
        return add(x, w(TokenLayout.image(y, channels: c, height: h, width: wd)))
    }
}

/// `nn.MaxPool2d(2)`: 2x2 windows, stride 2, trailing odd rows/columns dropped.
func maxPool2(_ x: Tensor) -> Tensor {
    let (n, c, h, w) = x.nchw
    let oh = h / 2, ow = w / 2
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        for p in 0..<(n * c) {
            for y in 0..<oh {
                for xx in 0..<ow {
                    let s = (p * h + 2 * y) * w + 2 * xx
                    out[(p * oh + y) * ow + xx] = max(max(x.data[s], x.data[s + 1]), max(x.data[s + w], x.data[s + w + 1]))
                }
            }
        }
    }
}

/// Copies `part` into `out` with its top-left corner at `(top, left)`.
func paste(_ part: Tensor, into out: inout Tensor, top: Int, left: Int) {
    let (n, c, ph, pw) = part.nchw
    let (_, _, h, w) = out.nchw
    for p in 0..<(n * c) {
        for y in 0..<ph {
            for xx in 0..<pw { out.data[(p * h + top + y) * w + left + xx] = part.data[(p * ph + y) * pw + xx] }
        }
    }
}
