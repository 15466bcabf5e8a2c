import Foundation
import SISRCore

/// An activation applied elementwise right after a convolution (fused into its output pass).
public enum Activation: Sendable, Equatable {
    case identity
    case relu
    /// `max(x, 0) + slope * min(x, 0)`, PyTorch's LeakyReLU.
    case leakyReLU(Float)
}

/// 2-D cross-correlation (PyTorch `Conv2d`): stride 1, zero padding `padding` on every side, then the
/// bias and `activation`.
///
/// - Parameters:
///   - x: `[N, Cin, H, W]`
///   - weight: `[Cout, Cin, kH, kW]`
///   - bias: `[Cout]` or nil
/// - Returns: `[N, Cout, H + 2p - kH + 1, W + 2p - kW + 1]`
///
/// In ``conv2dIm2col(_:weight:bias:padding:activation:)`` the output is cut into tiles of whole rows whose size depends only on the shapes. For each tile the
/// workers build the im2col matrix of just that tile (1x1 unpadded convolutions read the input
/// directly) and run one single-threaded SGEMM `out[Cout, tile] = W[Cout, Cin*kH*kW] x cols[.., tile]`,
/// then add the bias and apply the activation while the tile is still in cache.
///
/// 3x3 convolutions with padding 1 and at least ``EngineSettings/winogradMinInputChannels`` input channels use
/// Winograd when ``EngineSettings/winograd`` is on (the default): ``conv2dWinogradF4(_:weight:bias:activation:)``
/// with ``EngineSettings/winogradTile`` 4 (the default), ``conv2dWinograd(_:weight:bias:activation:)`` with 2. Everything
/// else uses ``conv2dIm2col(_:weight:bias:padding:activation:)``.
///
/// `cache` (optional) keeps the Winograd transform of `weight` between calls; it must only ever be
/// passed with this same weight (a layer holds one next to its weight tensor).
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor?, padding: Int, activation: Activation = .identity,
    cache: ConvWeightCache? = nil
) -> Tensor {
    precondition(x.rank == 4 && weight.rank == 4, "conv2d expects NCHW input and OIHW weight")
    let settings = EngineSettings.current
    if settings.winograd && padding == 1 && weight.shape[2] == 3 && weight.shape[3] == 3
        && weight.shape[1] >= settings.winogradMinInputChannels
    {
        return settings.winogradTile == 4
            ? conv2dWinogradF4(x, weight: weight, bias: bias, activation: activation, cache: cache)
            : conv2dWinograd(x, weight: weight, bias: bias, activation: activation, cache: cache)
    }
    return conv2dIm2col(x, weight: weight, bias: bias, padding: padding, activation: activation)
}

/// A convolution of a dense block without concatenation copies: ``conv2d(_:weight:bias:padding:activation:cache:)``
/// of the first `inputChannels` channels of `stack` (`[N, C, H, W]`), its output written into channels
/// `outputOffset ..< outputOffset + Cout` of `stack` itself (at or after the input channels). The same
/// bits as `conv2d` on a copy of those channels: the Winograd paths read the prefix in place; every
/// other case runs on a copy.
public func conv2d(
    stack: inout Tensor, inputChannels cin: Int, outputOffset: Int, weight: Tensor, bias: Tensor?, padding: Int,
    activation: Activation = .identity, cache: ConvWeightCache? = nil
) {
    let (n, total, h, w) = stack.nchw
    let cout = weight.shape[0]
    precondition(weight.rank == 4 && weight.shape[1] == cin, "conv2d(stack:): weight takes \(weight.shape[1]) channels, not \(cin)")
    precondition(cin <= outputOffset && outputOffset + cout <= total, "conv2d(stack:): output channels \(outputOffset)..<\(outputOffset + cout) overlap the input or leave the \(total)")
    let settings = EngineSettings.current, plane = h * w
    if settings.winograd && padding == 1 && weight.shape[2] == 3 && weight.shape[3] == 3
        && cin >= settings.winogradMinInputChannels
    {
        stack.data.withUnsafeMutableBufferPointer { p in
            let io = ConvIO(input: UnsafePointer(p.baseAddress!), inputStride: total * plane,
                            output: p.baseAddress! + outputOffset * plane, outputStride: total * plane,
                            n: n, channels: cin, h: h, w: w)
            winograd(io, tile: settings.winogradTile, weight: weight, bias: bias, activation: activation, cache: cache)
        }
        return
    }
    let input = Tensor.filled(shape: [n, cin, h, w]) { out in
        stack.data.withUnsafeBufferPointer { p in
            for b in 0..<n { (out.baseAddress! + b * cin * plane).update(from: p.baseAddress! + b * total * plane, count: cin * plane) }
        }
    }
    let y = conv2d(input, weight: weight, bias: bias, padding: padding, activation: activation, cache: cache)
    y.data.withUnsafeBufferPointer { py in
        stack.data.withUnsafeMutableBufferPointer { p in
            for b in 0..<n {
                (p.baseAddress! + (b * total + outputOffset) * plane).update(from: py.baseAddress! + b * cout * plane, count: cout * plane)
            }
        }
    }
}

/// The transformed weights of one convolution layer, computed on first use and kept (per Winograd
/// tile and GEMM panel height), so that a network run on many images transforms each layer's weights
/// once. Thread-safe. The transform is a fixed computation of the weights, so cached and fresh values
/// are the same bits.
public final class ConvWeightCache: @unchecked Sendable {
    private let lock = NSLock()
    private var winogradU: [Key: [Float]] = [:]

    public init() {}

    /// Which transformed weights: the Winograd output tile, and the GEMM panel height they are packed
    /// for (0 = not packed).
    struct Key: Hashable {
        let tile: Int, panelRows: Int
    }

    /// The Winograd weights for `key`, made by `make` the first time.
    func winograd(_ key: Key, _ make: () -> [Float]) -> [Float] {
        if let u = lock.withLock({ winogradU[key] }) { return u }
        let u = make()
        lock.withLock { winogradU[key] = u }
        return u
    }
}

/// ``conv2d(_:weight:bias:padding:activation:)`` by im2col and SGEMM, for any kernel and padding.
public func conv2dIm2col(
    _ x: Tensor, weight: Tensor, bias: Tensor?, padding: Int, activation: Activation = .identity
) -> Tensor {
    precondition(x.rank == 4 && weight.rank == 4, "conv2d expects NCHW input and OIHW weight")
    let (n, cin, h, w) = x.nchw
    let (cout, wcin, kh, kw) = weight.nchw
    precondition(cin == wcin, "conv2d: input has \(cin) channels, weight expects \(wcin)")
    let oh = h + 2 * padding - kh + 1, ow = w + 2 * padding - kw + 1
    precondition(oh > 0 && ow > 0, "conv2d: kernel larger than padded input")
    if let bias { precondition(bias.count == cout, "conv2d: bias has \(bias.count) values for \(cout) channels") }
    let kdim = cin * kh * kw, hw = oh * ow
    let direct = kh == 1 && kw == 1 && padding == 0
    let plan = ConvTiling(outHeight: oh, outWidth: ow, kdim: kdim)
    Compute.flopCounter?.add(2 * Double(n) * Double(cout) * Double(kdim) * Double(hw))

    return Tensor.filled(shape: [n, cout, oh, ow]) { po in
        x.data.withUnsafeBufferPointer { px in
            weight.data.withUnsafeBufferPointer { pw in
                let bias = bias?.data
                Compute.forEachWorker(items: n * plan.tiles) { _, items in
                    ScratchPool.shared.with(count: direct ? 0 : kdim * plan.maxColumns) { pc in
                    for item in items {
                        let b = item / plan.tiles
                        let y0 = (item % plan.tiles) * plan.rowsPerTile
                        let y1 = min(oh, y0 + plan.rowsPerTile)
                        let cols0 = y0 * ow, ncols = (y1 - y0) * ow
                        let xImage = UnsafeBufferPointer(rebasing: px[(b * cin * h * w)..<((b + 1) * cin * h * w)])
                        let outImage = UnsafeMutableBufferPointer(
                            rebasing: po[(b * cout * hw)..<((b + 1) * cout * hw)])
                        let cTile = UnsafeMutableBufferPointer(rebasing: outImage[cols0...])
                        if direct {
                            GEMM.sgemm(
                                m: cout, n: ncols, k: kdim, a: pw, b: UnsafeBufferPointer(rebasing: xImage[cols0...]),
                                ldb: hw, c: cTile, ldc: hw)
                        } else {
                            im2colRows(
                                xImage, channels: cin, height: h, width: w, kernelH: kh, kernelW: kw,
                                padding: padding, outWidth: ow, rows: y0..<y1, into: pc)
                            GEMM.sgemm(
                                m: cout, n: ncols, k: kdim, a: pw, b: UnsafeBufferPointer(rebasing: pc[0..<(kdim * ncols)]),
                                ldb: ncols, c: cTile, ldc: hw)
                        }
                        for o in 0..<cout {
                            let row = UnsafeMutableBufferPointer(rebasing: cTile[(o * hw)..<(o * hw + ncols)])
                            applyBiasActivation(row, bias: bias?[o] ?? 0, activation)
                        }
                    }
                    }
                }
            }
        }
    }
}

/// How a convolution's output is cut into row tiles. Depends only on the shapes.
package struct ConvTiling {
    let rowsPerTile: Int
    let tiles: Int
    var maxColumns: Int

    init(outHeight oh: Int, outWidth ow: Int, kdim: Int) {
        // Aim for an im2col block of about 4 MB, and at least 256 columns per GEMM.
        let targetColumns = max(256, (1 << 20) / max(1, kdim))
        rowsPerTile = max(1, min(oh, targetColumns / max(1, ow)))
        tiles = (oh + rowsPerTile - 1) / rowsPerTile
        maxColumns = rowsPerTile * ow
    }
}

/// Writes the im2col matrix of output rows `rows` into `cols` (shape `[Cin*kH*kW, rows.count*outWidth]`),
/// for a convolution with `stride` (1 in inference; training's strided convolutions pass theirs).
/// Every element of `cols` is written (taps outside the padded image as 0).
package func im2colRows(
    _ x: UnsafeBufferPointer<Float>, channels: Int, height h: Int, width w: Int, kernelH kh: Int, kernelW kw: Int,
    padding: Int, stride: Int = 1, outWidth ow: Int, rows: Range<Int>, into cols: UnsafeMutableBufferPointer<Float>
) {
    let ncols = rows.count * ow
    let xb = x.baseAddress!, cb = cols.baseAddress!
    for c in 0..<channels {
        for i in 0..<kh {
            for j in 0..<kw {
                let rowBase = cb + ((c * kh + i) * kw + j) * ncols
                // Output columns xx whose source column xx * stride + j - padding lies inside the image.
                let xs: Int, xe: Int
                if stride == 1 {
                    xs = max(0, padding - j)
                    xe = max(xs, min(ow, w + padding - j))
                } else {
                    xs = max(0, (padding - j + stride - 1) / stride)
                    xe = max(xs, min(ow, (w - 1 + padding - j) / stride + 1))
                }
                for y in rows {
                    let dst = rowBase + (y - rows.lowerBound) * ow
                    let sy = y * stride + i - padding
                    if sy < 0 || sy >= h {
                        dst.update(repeating: 0, count: ow)
                        continue
                    }
                    if xs > 0 { dst.update(repeating: 0, count: xs) }
                    if xe > xs {
                        let src = xb + (c * h + sy) * w + j - padding
                        if stride == 1 {
                            dst.advanced(by: xs).update(from: src + xs, count: xe - xs)
                        } else {
                            for xx in xs..<xe { dst[xx] = src[xx * stride] }
                        }
                    }
                    if ow > xe { dst.advanced(by: xe).update(repeating: 0, count: ow - xe) }
                }
            }
        }
    }
}

@inline(__always)
package func applyBiasActivation(_ row: UnsafeMutableBufferPointer<Float>, bias: Float, _ activation: Activation) {
    switch activation {
    case .identity:
        if bias != 0 { for i in row.indices { row[i] += bias } }
    case .relu:
        for i in row.indices { row[i] = max(row[i] + bias, 0) }
    case let .leakyReLU(slope):
        for i in row.indices {
            let v = row[i] + bias
            row[i] = v >= 0 ? v : v * slope
        }
    }
}
