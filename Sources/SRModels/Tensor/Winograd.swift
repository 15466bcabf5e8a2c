import SISRCore

/// 3x3 convolution with zero padding 1 by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016):
/// each 2x2 output tile is `A^T [ (G g G^T) ⊙ (B^T d B) ] A` for the 4x4 input patch `d`, summed over
/// input channels. The sum over channels becomes 16 GEMMs `M[ξ] = U[ξ] (Cout x Cin) x V[ξ] (Cin x tiles)`,
/// which need 16/36 of the multiply-adds of direct convolution. Results differ from direct convolution
/// only by float rounding.
///
/// Tiles are processed in blocks of whole tile rows whose size depends only on the shapes, one block per
/// work item, so the output is byte-identical for any thread count.
public func conv2dWinograd(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation = .identity) -> Tensor {
    let (n, cin, h, w) = x.nchw
    let (cout, wcin, kh, kw) = weight.nchw
    precondition(kh == 3 && kw == 3 && cin == wcin, "conv2dWinograd: needs a [Cout, \(cin), 3, 3] weight")
    if let bias { precondition(bias.count == cout, "conv2dWinograd: bias has \(bias.count) values for \(cout) channels") }
    _ = Compute.blasSingleThreaded
    Compute.flopCounter?.add(2 * Double(n) * Double(cout) * Double(cin * 9) * Double(h * w))
    let u = winogradWeights(weight)
    let tilesY = (h + 1) / 2, tilesX = (w + 1) / 2
    // About 8 MB of transformed input per block, and at least one tile row.
    let targetTiles = max(128, (1 << 21) / (16 * cin))
    let rowsPerBlock = max(1, min(tilesY, targetTiles / tilesX))
    let blocks = (tilesY + rowsPerBlock - 1) / rowsPerBlock
    let maxT = rowsPerBlock * tilesX
    let pw = 2 * tilesX + 2, phMax = 2 * rowsPerBlock + 2
    let scratch = 16 * cin * maxT + 16 * cout * maxT + cin * phMax * pw

    return Tensor.filled(shape: [n, cout, h, w]) { out in
        x.data.withUnsafeBufferPointer { px in
            u.withUnsafeBufferPointer { pu in
                let bias = bias?.data
                Compute.forEachWorker(items: n * blocks) { _, items in
                    ScratchPool.shared.with(count: scratch) { buf in
                        let v = buf.baseAddress!, m = v + 16 * cin * maxT, pad = m + 16 * cout * maxT
                        for item in items {
                            let b = item / blocks
                            let ty0 = (item % blocks) * rowsPerBlock, ty1 = min(tilesY, ty0 + rowsPerBlock)
                            let t = (ty1 - ty0) * tilesX, ph = 2 * (ty1 - ty0) + 2
                            let xb = px.baseAddress! + b * cin * h * w
                            // Zero-padded copy of input rows 2*ty0-1 ..< 2*ty1+1, columns -1 ..< 2*tilesX+1.
                            for c in 0..<cin {
                                for py in 0..<ph {
                                    let row = pad + (c * ph + py) * pw, sy = 2 * ty0 - 1 + py
                                    row.update(repeating: 0, count: pw)
                                    if sy >= 0 && sy < h { (row + 1).update(from: xb + (c * h + sy) * w, count: w) }
                                }
                            }
                            winogradInputTransform(pad, channels: cin, rows: ty1 - ty0, tilesX: tilesX, paddedWidth: pw, into: v, stride: t)
                            for xi in 0..<16 {
                                BLAS.sgemm(
                                    m: cout, n: t, k: cin, a: UnsafeBufferPointer(rebasing: pu[(xi * cout * cin)...]),
                                    b: UnsafeBufferPointer(start: v + xi * cin * t, count: cin * t),
                                    c: UnsafeMutableBufferPointer(start: m + xi * cout * t, count: cout * t))
                            }
                            let ob = out.baseAddress! + b * cout * h * w
                            for o in 0..<cout {
                                winogradOutputTransform(
                                    m + o * t, stride: cout * t, tiles: t, tilesX: tilesX, firstRow: 2 * ty0,
                                    height: h, width: w, bias: bias?[o] ?? 0, activation, into: ob + o * h * w)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `U[ξ][o][c] = (G g G^T)[ξ]` for every 3x3 kernel `g = weight[o, c]`, `G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]]`.
func winogradWeights(_ weight: Tensor) -> [Float] {
    let (cout, cin, _, _) = weight.nchw
    var u = [Float](repeating: 0, count: 16 * cout * cin)
    for o in 0..<cout {
        for c in 0..<cin {
            let g = Array(weight.data[((o * cin + c) * 9)..<((o * cin + c) * 9 + 9)])
            var gg = [Float](repeating: 0, count: 12)  // G g: 4 x 3
            for j in 0..<3 {
                let (a, b, d) = (g[j], g[3 + j], g[6 + j])
                gg[j] = a
                gg[3 + j] = (a + b + d) * 0.5
                gg[6 + j] = (a - b + d) * 0.5
                gg[9 + j] = d
            }
            for i in 0..<4 {
                let (a, b, d) = (gg[i * 3], gg[i * 3 + 1], gg[i * 3 + 2])
                let row = [a, (a + b + d) * 0.5, (a - b + d) * 0.5, d]
                for j in 0..<4 { u[((i * 4 + j) * cout + o) * cin + c] = row[j] }
            }
        }
    }
    return u
}

/// `V[ξ][c][tile] = (B^T d B)[ξ]` for the 4x4 patch `d` of every tile, `B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]`.
@inline(__always)
func winogradInputTransform(
    _ pad: UnsafeMutablePointer<Float>, channels: Int, rows: Int, tilesX: Int, paddedWidth pw: Int,
    into v: UnsafeMutablePointer<Float>, stride t: Int
) {
    let ph = 2 * rows + 2
    for c in 0..<channels {
        let base = pad + c * ph * pw
        let vc = v + c * t
        for r in 0..<rows {
            let r0 = base + 2 * r * pw, r1 = r0 + pw, r2 = r1 + pw, r3 = r2 + pw
            for tx in 0..<tilesX {
                let x0 = 2 * tx, idx = r * tilesX + tx
                let d0 = SIMD4(r0[x0], r0[x0 + 1], r0[x0 + 2], r0[x0 + 3])
                let d1 = SIMD4(r1[x0], r1[x0 + 1], r1[x0 + 2], r1[x0 + 3])
                let d2 = SIMD4(r2[x0], r2[x0 + 1], r2[x0 + 2], r2[x0 + 3])
                let d3 = SIMD4(r3[x0], r3[x0 + 1], r3[x0 + 2], r3[x0 + 3])
                // Rows (B^T d), then columns ((B^T d) B) of each row.
                let step = channels * t
                storeColumnTransform(d0 - d2, vc + idx, step)
                storeColumnTransform(d1 + d2, vc + 4 * step + idx, step)
                storeColumnTransform(d2 - d1, vc + 8 * step + idx, step)
                storeColumnTransform(d1 - d3, vc + 12 * step + idx, step)
            }
        }
    }
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
func winogradOutputTransform(
    _ m: UnsafeMutablePointer<Float>, stride s: Int, tiles t: Int, tilesX: Int, firstRow: Int, height h: Int,
    width w: Int, bias: Float, _ activation: Activation, into out: UnsafeMutablePointer<Float>
) {
    for idx in 0..<t {
        let p = m + idx
        let e0 = SIMD4(p[0], p[s], p[2 * s], p[3 * s])
        let e1 = SIMD4(p[4 * s], p[5 * s], p[6 * s], p[7 * s])
        let e2 = SIMD4(p[8 * s], p[9 * s], p[10 * s], p[11 * s])
        let e3 = SIMD4(p[12 * s], p[13 * s], p[14 * s], p[15 * s])
        // Rows: A^T M (2 x 4); then columns.
        let a0 = e0 + e1 + e2, a1 = e1 - e2 - e3
        let y0 = firstRow + 2 * (idx / tilesX), x0 = 2 * (idx % tilesX)
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
func activate(_ v: Float, _ activation: Activation) -> Float {
    switch activation {
    case .identity: return v
    case .relu: return max(v, 0)
    case let .leakyReLU(slope): return v >= 0 ? v : v * slope
    }
}
