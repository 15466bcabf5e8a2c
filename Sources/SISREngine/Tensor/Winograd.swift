import SISRCore

/// 3x3 convolution with zero padding 1 by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016):
/// each 2x2 output tile is `A^T [ (G g G^T) ⊙ (B^T d B) ] A` for the 4x4 input patch `d`, summed over
/// input channels. The sum over channels becomes 16 GEMMs `M[ξ] = U[ξ] (Cout x Cin) x V[ξ] (Cin x tiles)`,
/// which need 16/36 of the multiply-adds of direct convolution. Results differ from direct convolution
/// only by float rounding.
///
/// Tiles are processed in blocks of whole tile rows whose size depends only on the shapes, one block per
/// work item, so the output is byte-identical for any thread count.
public func conv2dWinograd(
    _ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation = .identity, cache: ConvWeightCache? = nil
) -> Tensor {
    ConvIO.run(x, outputChannels: weight.nchw.n) { winograd($0, tile: 2, weight: weight, bias: bias, activation: activation, cache: cache) }
}

/// Winograd F(`tile` x `tile`, 3x3) (2 or 4) on raw storage: the body of
/// ``conv2dWinograd(_:weight:bias:activation:cache:)`` and ``conv2dWinogradF4(_:weight:bias:activation:cache:)``.
func winograd(_ io: ConvIO, tile: Int, weight: Tensor, bias: Tensor?, activation: Activation, cache: ConvWeightCache?) {
    if tile == 4 { return winogradF4(io, weight: weight, bias: bias, activation: activation, cache: cache) }
    let cin = io.channels, cout = weight.nchw.n
    // About 8 MB of transformed input per block; V and M are [ξ][channel][tile].
    winogradConvolution(
        io, weight: weight, bias: bias, tile: 2, targetTiles: max(128, (1 << 21) / (16 * cin)),
        transformedWeights: winogradWeights, cache: cache,
        operands: .strided { t in (xiStride: cin * t, ld: t, mXiStride: cout * t, mLd: t) },
        scratchPerBlock: { rows, tilesX in cin * (2 * rows + 2) * (2 * tilesX + 2) },
        input: { xb, ty0, rows, tilesX, t, v, _, pad in
            let pw = 2 * tilesX + 2
            winogradPaddedRows(xb, channels: cin, height: io.h, width: io.w, tile: 2, firstTileRow: ty0, rows: rows,
                               paddedWidth: pw, into: pad)
            winogradInputTransform(pad, channels: cin, rows: rows, tilesX: tilesX, paddedWidth: pw, into: v, stride: t)
        },
        output: { m, t, tilesX, firstRow, h, w, pb, out in
            for o in 0..<cout {
                winogradOutputTransform(
                    m + o * t, stride: cout * t, tiles: t, tilesX: tilesX, firstRow: firstRow,
                    height: h, width: w, bias: pb?[o] ?? 0, activation, into: out + o * h * w)
            }
        })
}

/// How a Winograd variant lays out its GEMM operands for a block of `t` tiles.
enum WinogradOperands {
    /// `U[ξ]` `Cout x Cin` dense; V and M at these strides (ξ stride, leading dimension), one
    /// ``GEMM/sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:accumulate:c:ldc:)`` per ξ.
    case strided((_ t: Int) -> (xiStride: Int, ld: Int, mXiStride: Int, mLd: Int))
    /// `U[ξ]` pre-packed once (``GEMM/packA(_:count:m:k:)``, cached per panel height) and V written by
    /// `input` in packed-B panels, `xiStride` floats per ξ (no packing copies); M is `[Cout][ξ][t]`;
    /// one ``GEMM/sgemmPacked(m:n:k:a:b:c:ldc:)`` per ξ.
    case packed
}

/// The block loop both Winograd variants share, for output tiles of `tile x tile` (input patches of
/// `tile + 2`): tiles are processed in blocks of whole tile rows (about `targetTiles` tiles, at least one
/// row; a size that depends only on the shapes), one block per work item. Per block: `input` (writes V
/// from the image's tile rows `ty0 ..< ty0 + rows`, with `scratchPerBlock(rows, tilesX)` floats of
/// scratch of its own; given V's ξ stride when `operands` is `.packed`), one single-threaded GEMM per ξ
/// over the channels (`M[ξ] = U[ξ] V[ξ]`, laid out as `operands` says), then `output` (writes the image
/// rows of the block). `transformedWeights` gives `U` as `[ξ][Cout][Cin]`. M has 16 floats of slack past
/// its end. `U` comes from `cache` when given (made by `transformedWeights` once).
func winogradConvolution(
    _ io: ConvIO, weight: Tensor, bias: Tensor?, tile: Int, targetTiles: Int, transformedWeights: (Tensor) -> [Float],
    cache: ConvWeightCache?,
    operands: WinogradOperands,
    scratchPerBlock: (_ rows: Int, _ tilesX: Int) -> Int = { _, _ in 0 },
    input: (_ image: UnsafePointer<Float>, _ ty0: Int, _ rows: Int, _ tilesX: Int, _ t: Int, _ v: UnsafeMutablePointer<Float>,
            _ vXiStride: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void,
    output: (_ m: UnsafeMutablePointer<Float>, _ t: Int, _ tilesX: Int, _ firstRow: Int, _ h: Int, _ w: Int,
             _ bias: UnsafeBufferPointer<Float>?, _ out: UnsafeMutablePointer<Float>) -> Void
) {
    let (n, cin, h, w) = (io.n, io.channels, io.h, io.w)
    let (cout, wcin, kh, kw) = weight.nchw
    let name = "Winograd F(\(tile)x\(tile),3x3)"
    precondition(kh == 3 && kw == 3 && cin == wcin, "\(name): needs a [Cout, \(cin), 3, 3] weight")
    if let bias { precondition(bias.count == cout, "\(name): bias has \(bias.count) values for \(cout) channels") }
    Compute.flopCounter?.add(2 * Double(n) * Double(cout) * Double(cin * 9) * Double(h * w))
    let xis = (tile + 2) * (tile + 2)
    let tilesY = (h + tile - 1) / tile, tilesX = (w + tile - 1) / tile
    let rowsPerBlock = max(1, min(tilesY, targetTiles / tilesX))
    let blocks = (tilesY + rowsPerBlock - 1) / rowsPerBlock
    let maxT = rowsPerBlock * tilesX
    let (panelRows, panelColumns) = GEMM.tile(EngineSettings.current.isa)
    let packed = operands.isPacked
    let uXiStride = packed ? GEMM.packedASize(m: cout, k: cin) : cout * cin
    // Plus one cache line, so that the 36 runs the input transform writes per channel (one per ξ) do
    // not all map to the same cache sets (the panels' size is often a multiple of 4 KB).
    let vXiStride = packed ? (maxT + panelColumns - 1) / panelColumns * panelColumns * cin + 16 : 0
    func make() -> [Float] {
        packed ? GEMM.packA(transformedWeights(weight), count: xis, m: cout, k: cin) : transformedWeights(weight)
    }
    let u = cache?.winograd(ConvWeightCache.Key(tile: tile, panelRows: packed ? panelRows : 0), make) ?? make()
    let vSize = packed ? xis * vXiStride : xis * cin * maxT
    let mSize = xis * cout * maxT + 16
    let scratch = 16 + vSize + mSize + scratchPerBlock(rowsPerBlock, tilesX)

    u.withUnsafeBufferPointer { pu in
        (bias?.data ?? []).withUnsafeBufferPointer { pbAll in
            let pb = bias == nil ? nil : pbAll
            Compute.forEachWorker(items: n * blocks) { _, items in
                ScratchPool.shared.with(count: scratch) { buf in
                    // V starts on a 64-byte boundary, so that the packed GEMM's loads of B never split cache lines.
                    let base = buf.baseAddress!, skip = (16 - Int(bitPattern: base) / 4 % 16) % 16
                    let v = base + skip, m = v + vSize, pad = m + mSize
                    for item in items {
                        let b = item / blocks
                        let ty0 = (item % blocks) * rowsPerBlock, ty1 = min(tilesY, ty0 + rowsPerBlock)
                        let t = (ty1 - ty0) * tilesX
                        input(io.input + b * io.inputStride, ty0, ty1 - ty0, tilesX, t, v, vXiStride, pad)
                        switch operands {
                        case let .strided(layout):
                            let l = layout(t)
                            for xi in 0..<xis {
                                GEMM.sgemm(
                                    m: cout, n: t, k: cin, a: UnsafeBufferPointer(rebasing: pu[(xi * uXiStride)...]),
                                    b: UnsafeBufferPointer(start: v + xi * l.xiStride, count: (cin - 1) * l.ld + t), ldb: l.ld,
                                    c: UnsafeMutableBufferPointer(start: m + xi * l.mXiStride, count: (cout - 1) * l.mLd + t),
                                    ldc: l.mLd)
                            }
                        case .packed:
                            for xi in 0..<xis {
                                GEMM.sgemmPacked(m: cout, n: t, k: cin, a: pu.baseAddress! + xi * uXiStride,
                                                 b: v + xi * vXiStride, c: m + xi * t, ldc: xis * t)
                            }
                        }
                        output(m, t, tilesX, tile * ty0, h, w, pb, io.output + b * io.outputStride)
                    }
                }
            }
        }
    }
}

extension WinogradOperands {
    var isPacked: Bool { if case .packed = self { true } else { false } }
}

/// The images a convolution reads and writes, as raw storage: image `b`'s `channels` input planes of
/// `h x w` start at `input + b * inputStride`, its output planes at `output + b * outputStride` (so a
/// convolution can read a prefix of a tensor's channels and write into a slice of another's, or of
/// the same one's).
struct ConvIO {
    let input: UnsafePointer<Float>, inputStride: Int
    let output: UnsafeMutablePointer<Float>, outputStride: Int
    let n: Int, channels: Int, h: Int, w: Int

    /// A fresh `[N, outputChannels, H, W]` tensor filled by `body` from `x`.
    static func run(_ x: Tensor, outputChannels cout: Int, _ body: (ConvIO) -> Void) -> Tensor {
        let (n, cin, h, w) = x.nchw
        return Tensor.filled(shape: [n, cout, h, w]) { out in
            x.data.withUnsafeBufferPointer { px in
                body(ConvIO(input: px.baseAddress!, inputStride: cin * h * w, output: out.baseAddress!,
                            outputStride: cout * h * w, n: n, channels: cin, h: h, w: w))
            }
        }
    }
}

/// Zero-padded copy of image rows `tile * ty0 - 1 ..< tile * (ty0 + rows) + 1`, columns `-1 ..< pw - 1`,
/// as `pad[channels][tile * rows + 2][pw]` (the input of F(2x2)'s transform).
func winogradPaddedRows(
    _ xb: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int, tile: Int, firstTileRow ty0: Int, rows: Int,
    paddedWidth pw: Int, into pad: UnsafeMutablePointer<Float>
) {
    let ph = tile * rows + 2
    for c in 0..<channels {
        for py in 0..<ph {
            let row = pad + (c * ph + py) * pw, sy = tile * ty0 - 1 + py
            row.update(repeating: 0, count: pw)
            if sy >= 0 && sy < h { (row + 1).update(from: xb + (c * h + sy) * w, count: w) }
        }
    }
}

/// `U[ξ][o][c] = (G g G^T)[ξ]` for every 3x3 kernel `g = weight[o, c]`, `G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]]`.
package func winogradWeights(_ weight: Tensor) -> [Float] {
    let (cout, cin, _, _) = weight.nchw
    var u = [Float](repeating: 0, count: 16 * cout * cin)
    let plane = cout * cin
    weight.data.withUnsafeBufferPointer { pw in
        u.withUnsafeMutableBufferPointer { pu in
            for oc in 0..<plane {
                let g = pw.baseAddress! + oc * 9
                // G g (4 x 3), as four rows.
                let k0 = SIMD4(g[0], g[1], g[2], 0), k1 = SIMD4(g[3], g[4], g[5], 0), k2 = SIMD4(g[6], g[7], g[8], 0)
                // (G g) G^T, row by row.
                @inline(__always) func store(_ i: Int, _ r: SIMD4<Float>) {
                    pu[(i * 4 + 0) * plane + oc] = r[0]
                    pu[(i * 4 + 1) * plane + oc] = (r[0] + r[1] + r[2]) * 0.5
                    pu[(i * 4 + 2) * plane + oc] = (r[0] - r[1] + r[2]) * 0.5
                    pu[(i * 4 + 3) * plane + oc] = r[2]
                }
                store(0, k0)
                store(1, (k0 + k1 + k2) * 0.5)
                store(2, (k0 - k1 + k2) * 0.5)
                store(3, k2)
            }
        }
    }
    return u
}

/// `V[ξ][c][tile] = (B^T d B)[ξ]` for the 4x4 patch `d` of every tile, `B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]`.
@inline(__always)
package func winogradInputTransform(
    _ pad: UnsafeMutablePointer<Float>, channels: Int, rows: Int, tilesX: Int, paddedWidth pw: Int,
    into v: UnsafeMutablePointer<Float>, stride t: Int
) {
    let ph = 2 * rows + 2
    for c in 0..<channels {
        let base = pad + c * ph * pw
        let vc = v + c * t
        for r in 0..<rows {
            let r0 = base + 2 * r * pw, r1 = r0 + pw, r2 = r1 + pw, r3 = r2 + pw
            var tx = 0
            let step = channels * t
            while tx + 8 <= tilesX {
                // Eight tiles at once: lane l is tile tx + l, whose patch column k is 2 * (tx + l) + k.
                let idx = r * tilesX + tx
                @inline(__always) func ld(_ row: UnsafeMutablePointer<Float>, _ k: Int) -> SIMD8<Float> {
                    let p = row + 2 * tx + k
                    return SIMD8(p[0], p[2], p[4], p[6], p[8], p[10], p[12], p[14])
                }
                let d00 = ld(r0, 0), d01 = ld(r0, 1), d02 = ld(r0, 2), d03 = ld(r0, 3)
                let d10 = ld(r1, 0), d11 = ld(r1, 1), d12 = ld(r1, 2), d13 = ld(r1, 3)
                let d20 = ld(r2, 0), d21 = ld(r2, 1), d22 = ld(r2, 2), d23 = ld(r2, 3)
                let d30 = ld(r3, 0), d31 = ld(r3, 1), d32 = ld(r3, 2), d33 = ld(r3, 3)
                // Rows (B^T d), then the column transform of each row.
                let o = vc + idx
                storeColumns8(d00 - d20, d01 - d21, d02 - d22, d03 - d23, o, step)
                storeColumns8(d10 + d20, d11 + d21, d12 + d22, d13 + d23, o + 4 * step, step)
                storeColumns8(d20 - d10, d21 - d11, d22 - d12, d23 - d13, o + 8 * step, step)
                storeColumns8(d10 - d30, d11 - d31, d12 - d32, d13 - d33, o + 12 * step, step)
                tx += 8
            }
            for tx in tx..<tilesX {
                let x0 = 2 * tx, idx = r * tilesX + tx
                let d0 = SIMD4(r0[x0], r0[x0 + 1], r0[x0 + 2], r0[x0 + 3])
                let d1 = SIMD4(r1[x0], r1[x0 + 1], r1[x0 + 2], r1[x0 + 3])
                let d2 = SIMD4(r2[x0], r2[x0 + 1], r2[x0 + 2], r2[x0 + 3])
                let d3 = SIMD4(r3[x0], r3[x0 + 1], r3[x0 + 2], r3[x0 + 3])
                // Rows (B^T d), then columns ((B^T d) B) of each row.
                storeColumnTransform(d0 - d2, vc + idx, step)
                storeColumnTransform(d1 + d2, vc + 4 * step + idx, step)
                storeColumnTransform(d2 - d1, vc + 8 * step + idx, step)
                storeColumnTransform(d1 - d3, vc + 12 * step + idx, step)
            }
        }
    }
}

@inline(__always)
private func storeColumns8(
    _ s0: SIMD8<Float>, _ s1: SIMD8<Float>, _ s2: SIMD8<Float>, _ s3: SIMD8<Float>, _ o: UnsafeMutablePointer<Float>,
    _ step: Int
) {
    UnsafeMutableRawPointer(o).storeBytes(of: s0 - s2, as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(o + step).storeBytes(of: s1 + s2, as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(o + 2 * step).storeBytes(of: s2 - s1, as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(o + 3 * step).storeBytes(of: s1 - s3, as: SIMD8<Float>.self)
}

@inline(__always)
private func storeColumnTransform(_ s: SIMD4<Float>, _ o: UnsafeMutablePointer<Float>, _ step: Int) {
    o[0] = s[0] - s[2]
    o[step] = s[1] + s[2]
    o[2 * step] = s[2] - s[1]
    o[3 * step] = s[1] - s[3]
}

/// `Y = A^T M A` for each tile of one output channel, `A^T = [[1,1,1,0],[0,1,-1,-1]]`, then bias and
/// activation; writes the 2x2 outputs that fall inside the image.
@inline(__always)
package func winogradOutputTransform(
    _ m: UnsafeMutablePointer<Float>, stride s: Int, tiles t: Int, tilesX: Int, firstRow: Int, height h: Int,
    width w: Int, bias: Float, _ activation: Activation, into out: UnsafeMutablePointer<Float>
) {
    var idx = 0
    while idx < t {
        let tx = idx % tilesX, y0 = firstRow + 2 * (idx / tilesX)
        if tx + 8 <= tilesX && 2 * (tx + 8) <= w {
            // Eight tiles of one tile row at once.
            @inline(__always) func ld(_ xi: Int) -> SIMD8<Float> {
                UnsafeRawPointer(m + xi * s + idx).loadUnaligned(as: SIMD8<Float>.self)
            }
            let c0 = ld(0) + ld(4) + ld(8), c1 = ld(1) + ld(5) + ld(9), c2 = ld(2) + ld(6) + ld(10), c3 = ld(3) + ld(7) + ld(11)
            let e0 = ld(4) - ld(8) - ld(12), e1 = ld(5) - ld(9) - ld(13), e2 = ld(6) - ld(10) - ld(14), e3 = ld(7) - ld(11) - ld(15)
            let b = SIMD8<Float>(repeating: bias)
            storeInterleaved(activate8(c0 + c1 + c2 + b, activation), activate8(c1 - c2 - c3 + b, activation), out + y0 * w + 2 * tx)
            if y0 + 1 < h {
                storeInterleaved(activate8(e0 + e1 + e2 + b, activation), activate8(e1 - e2 - e3 + b, activation), out + (y0 + 1) * w + 2 * tx)
            }
            idx += 8
            continue
        }
        defer { idx += 1 }
        let p = m + idx
        let e0 = SIMD4(p[0], p[s], p[2 * s], p[3 * s])
        let e1 = SIMD4(p[4 * s], p[5 * s], p[6 * s], p[7 * s])
        let e2 = SIMD4(p[8 * s], p[9 * s], p[10 * s], p[11 * s])
        let e3 = SIMD4(p[12 * s], p[13 * s], p[14 * s], p[15 * s])
        // Rows: A^T M (2 x 4); then columns.
        let a0 = e0 + e1 + e2, a1 = e1 - e2 - e3
        let x0 = 2 * tx
        let pair = x0 + 1 < w
        storeRowTransform(a0, out + y0 * w + x0, pair, bias, activation)
        if y0 + 1 < h { storeRowTransform(a1, out + (y0 + 1) * w + x0, pair, bias, activation) }
    }
}

@inline(__always)
private func storeRowTransform(
    _ a: SIMD4<Float>, _ row: UnsafeMutablePointer<Float>, _ pair: Bool, _ bias: Float, _ activation: Activation
) {
    row[0] = activate(a[0] + a[1] + a[2] + bias, activation)
    if pair { row[1] = activate(a[1] - a[2] - a[3] + bias, activation) }
}

@inline(__always)
private func storeInterleaved(_ even: SIMD8<Float>, _ odd: SIMD8<Float>, _ row: UnsafeMutablePointer<Float>) {
    for l in 0..<8 {
        row[2 * l] = even[l]
        row[2 * l + 1] = odd[l]
    }
}

@inline(__always)
func activate8(_ v: SIMD8<Float>, _ activation: Activation) -> SIMD8<Float> {
    switch activation {
    case .identity: return v
    case .relu: return v.replacing(with: 0, where: v .<= 0)
    case let .leakyReLU(slope): return v.replacing(with: v * slope, where: .!(v .>= 0))
    }
}

@inline(__always)
package func activate(_ v: Float, _ activation: Activation) -> Float {
    switch activation {
    case .identity: return v
    case .relu: return max(v, 0)
    case let .leakyReLU(slope): return v >= 0 ? v : v * slope
    }
}
