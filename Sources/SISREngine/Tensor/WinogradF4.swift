import SISRCore

/// 3x3 convolution with zero padding 1 by Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray 2016,
/// interpolation points 0, ±1, ±2, ∞): each 4x4 output tile is `A^T [ (G g G^T) ⊙ (B^T d B) ] A` for the
/// 6x6 input patch `d`, summed over input channels. The channel sum becomes 36 GEMMs
/// `M[ξ] = U[ξ] (Cout x Cin) x V[ξ] (Cin x tiles)`, 36/144 of the multiply-adds of direct convolution
/// (F(2x2, 3x3) needs 64/144). Results differ from direct convolution only by float rounding, about 5x
/// F(2x2)'s on random networks (README "Convolution algorithms" has the measured errors).
///
/// Bits: the weight transform runs in Float64 (fixed order) and rounds once; the input and output
/// transforms are fixed sequences of float additions and multiplications by powers of two and small
/// integers, written once for eight tiles at a time (`SIMD8`, lanes independent), and a partial group of
/// tiles runs the same code with its unused lanes discarded, so every tile gets the same operations
/// whatever its position. Tiles are processed in blocks of whole tile rows whose size depends only on
/// the shapes; every output element is one GEMM fma chain over the channels. So the output is
/// byte-identical for any thread count and instruction set.
public func conv2dWinogradF4(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation = .identity) -> Tensor {
    let (n, cin, h, w) = x.nchw
    let (cout, wcin, kh, kw) = weight.nchw
    precondition(kh == 3 && kw == 3 && cin == wcin, "conv2dWinogradF4: needs a [Cout, \(cin), 3, 3] weight")
    if let bias { precondition(bias.count == cout, "conv2dWinogradF4: bias has \(bias.count) values for \(cout) channels") }
    Compute.flopCounter?.add(2 * Double(n) * Double(cout) * Double(cin * 9) * Double(h * w))
    let u = winogradF4Weights(weight)
    let tilesY = (h + 3) / 4, tilesX = (w + 3) / 4
    // About 2 MB of transformed input per block, and at least one tile row.
    let targetTiles = max(128, (1 << 19) / (36 * cin))
    let rowsPerBlock = max(1, min(tilesY, targetTiles / tilesX))
    let blocks = (tilesY + rowsPerBlock - 1) / rowsPerBlock
    let maxT = rowsPerBlock * tilesX
    let pw = 4 * tilesX + 2, phMax = 4 * rowsPerBlock + 2
    // V, then M (with one vector of slack for the last partial group of tiles), then the padded input.
    let mSize = 36 * cout * maxT + 8
    let scratch = 36 * cin * maxT + mSize + cin * phMax * pw

    return Tensor.filled(shape: [n, cout, h, w]) { out in
        x.data.withUnsafeBufferPointer { px in
            u.withUnsafeBufferPointer { pu in
                let bias = bias?.data
                Compute.forEachWorker(items: n * blocks) { _, items in
                    ScratchPool.shared.with(count: scratch) { buf in
                        let v = buf.baseAddress!, m = v + 36 * cin * maxT, pad = m + mSize
                        for item in items {
                            let b = item / blocks
                            let ty0 = (item % blocks) * rowsPerBlock, ty1 = min(tilesY, ty0 + rowsPerBlock)
                            let t = (ty1 - ty0) * tilesX, ph = 4 * (ty1 - ty0) + 2
                            let xb = px.baseAddress! + b * cin * h * w
                            // Zero-padded copy of input rows 4*ty0-1 ..< 4*ty1+1, columns -1 ..< 4*tilesX+1.
                            for c in 0..<cin {
                                for py in 0..<ph {
                                    let row = pad + (c * ph + py) * pw, sy = 4 * ty0 - 1 + py
                                    row.update(repeating: 0, count: pw)
                                    if sy >= 0 && sy < h { (row + 1).update(from: xb + (c * h + sy) * w, count: w) }
                                }
                            }
                            winogradF4InputTransform(pad, channels: cin, rows: ty1 - ty0, tilesX: tilesX, paddedWidth: pw, into: v, stride: t)
                            for xi in 0..<36 {
                                GEMM.sgemm(
                                    m: cout, n: t, k: cin, a: UnsafeBufferPointer(rebasing: pu[(xi * cout * cin)...]),
                                    b: UnsafeBufferPointer(start: v + xi * cin * t, count: cin * t),
                                    c: UnsafeMutableBufferPointer(start: m + xi * cout * t, count: cout * t))
                            }
                            let ob = out.baseAddress! + b * cout * h * w
                            for o in 0..<cout {
                                winogradF4OutputTransform(
                                    m + o * t, stride: cout * t, tiles: t, tilesX: tilesX, firstRow: 4 * ty0,
                                    height: h, width: w, bias: bias?[o] ?? 0, activation, into: ob + o * h * w)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `U[ξ][o][c] = (G g G^T)[ξ]` (ξ = 6 i + j) for every 3x3 kernel `g = weight[o, c]`, with
/// `G = [[1/4,0,0], [-1/6,-1/6,-1/6], [-1/6,1/6,-1/6], [1/24,1/12,1/6], [1/24,-1/12,1/6], [0,0,1]]`,
/// computed in Float64 in a fixed order and rounded once to Float32.
package func winogradF4Weights(_ weight: Tensor) -> [Float] {
    let (cout, cin, _, _) = weight.nchw
    let plane = cout * cin
    return [Float](unsafeUninitializedCapacity: 36 * plane) { pu, count in
        weight.data.withUnsafeBufferPointer { pw in
            for oc in 0..<plane {
                let g = pw.baseAddress! + oc * 9
                // Row i of G applied to three values (a column or a row of the kernel).
                @inline(__always) func gRows(_ a: Double, _ b: Double, _ c: Double) -> (Double, Double, Double, Double, Double, Double) {
                    let s = (a + c) * (-1.0 / 6.0), d = b * (1.0 / 6.0)
                    let q = a * (1.0 / 24.0) + c * (1.0 / 6.0), e = b * (1.0 / 12.0)
                    return (a * 0.25, s - d, s + d, q + e, q - e, c)
                }
                // G g: six rows of three values (one column of the kernel at a time).
                var gg = [[Double]](repeating: [0, 0, 0], count: 6)
                for col in 0..<3 {
                    let r = gRows(Double(g[col]), Double(g[3 + col]), Double(g[6 + col]))
                    gg[0][col] = r.0; gg[1][col] = r.1; gg[2][col] = r.2
                    gg[3][col] = r.3; gg[4][col] = r.4; gg[5][col] = r.5
                }
                // (G g) G^T, row by row.
                for i in 0..<6 {
                    let r = gRows(gg[i][0], gg[i][1], gg[i][2])
                    let vals = [r.0, r.1, r.2, r.3, r.4, r.5]
                    for j in 0..<6 { pu[(i * 6 + j) * plane + oc] = Float(vals[j]) }
                }
            }
        }
        count = 36 * plane
    }
}

/// `B^T` applied to six values: `B^T = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0],
/// [0,-2,-1,2,1,0], [0,2,-1,-2,1,0], [0,4,0,-5,0,1]]`.
@inline(__always)
private func inputRows(
    _ d0: SIMD8<Float>, _ d1: SIMD8<Float>, _ d2: SIMD8<Float>, _ d3: SIMD8<Float>, _ d4: SIMD8<Float>, _ d5: SIMD8<Float>
) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let four: Float = 4, five: Float = 5, two: Float = 2
    let a = d3 + d4, b = d1 + d2, c = d4 - d3, e = d1 - d2, f = d4 - d2, k = d3 - d1
    return (
        (four * d0 - five * d2) + d4,
        a - four * b,
        c + four * e,
        f + two * k,
        f - two * k,
        (four * d1 - five * d3) + d5
    )
}

/// `V[ξ][c][tile] = (B^T d B)[ξ]` for the 6x6 patch `d` of every tile of `rows` tile rows, eight tiles at a time.
package func winogradF4InputTransform(
    _ pad: UnsafeMutablePointer<Float>, channels: Int, rows: Int, tilesX: Int, paddedWidth pw: Int,
    into v: UnsafeMutablePointer<Float>, stride t: Int
) {
    let ph = 4 * rows + 2
    let step = channels * t
    var offsets = SIMD8<Int>()
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 36) { s in
    for c in 0..<channels {
        let base = pad + c * ph * pw
        var idx = 0
        while idx < t {
            let lanes = min(8, t - idx)
            // Lane l is tile idx + l (the last tile again past the end); its patch starts at offsets[l].
            for l in 0..<8 {
                let tile = min(idx + l, t - 1)
                offsets[l] = 4 * (tile / tilesX) * pw + 4 * (tile % tilesX)
            }
            @inline(__always) func ld(_ i: Int, _ j: Int) -> SIMD8<Float> {
                let p = base + i * pw + j
                return SIMD8(p[offsets[0]], p[offsets[1]], p[offsets[2]], p[offsets[3]],
                             p[offsets[4]], p[offsets[5]], p[offsets[6]], p[offsets[7]])
            }
            // Columns: B^T d, one patch column j at a time -> s[i][j].
            for j in 0..<6 {
                let r = inputRows(ld(0, j), ld(1, j), ld(2, j), ld(3, j), ld(4, j), ld(5, j))
                s[j] = r.0; s[6 + j] = r.1; s[12 + j] = r.2; s[18 + j] = r.3; s[24 + j] = r.4; s[30 + j] = r.5
            }
            // Rows: (B^T d) B, one row i at a time -> V[6 i + k].
            let o = v + c * t + idx
            for i in 0..<6 {
                let r = inputRows(s[6 * i], s[6 * i + 1], s[6 * i + 2], s[6 * i + 3], s[6 * i + 4], s[6 * i + 5])
                let q = o + 6 * i * step
                store(r.0, q, lanes); store(r.1, q + step, lanes); store(r.2, q + 2 * step, lanes)
                store(r.3, q + 3 * step, lanes); store(r.4, q + 4 * step, lanes); store(r.5, q + 5 * step, lanes)
            }
            idx += 8
        }
    }
    }
}

@inline(__always)
private func store(_ x: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 8 {
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD8<Float>.self)
    } else {
        for l in 0..<lanes { p[l] = x[l] }
    }
}

/// `A^T` applied to six values: `A^T = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]]`.
@inline(__always)
private func outputRows(
    _ m0: SIMD8<Float>, _ m1: SIMD8<Float>, _ m2: SIMD8<Float>, _ m3: SIMD8<Float>, _ m4: SIMD8<Float>, _ m5: SIMD8<Float>
) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let two: Float = 2, four: Float = 4, eight: Float = 8
    let p = m1 + m2, q = m1 - m2, r = m3 + m4, s = m3 - m4
    return ((m0 + p) + r, q + two * s, p + four * r, (q + eight * s) + m5)
}

/// `Y = A^T M A` for each tile of one output channel, then bias and activation; writes the 4x4 outputs
/// that fall inside the image. `m` may be read up to 7 values past tile `t - 1` (unused lanes).
package func winogradF4OutputTransform(
    _ m: UnsafeMutablePointer<Float>, stride s: Int, tiles t: Int, tilesX: Int, firstRow: Int, height h: Int,
    width w: Int, bias: Float, _ activation: Activation, into out: UnsafeMutablePointer<Float>
) {
    let b = SIMD8<Float>(repeating: bias)
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 40) { a in
    let y = a.baseAddress! + 24
    var idx = 0
    while idx < t {
        @inline(__always) func ld(_ xi: Int) -> SIMD8<Float> {
            UnsafeRawPointer(m + xi * s + idx).loadUnaligned(as: SIMD8<Float>.self)
        }
        // Columns: A^T M, one column j at a time -> a[row][j].
        for j in 0..<6 {
            let r = outputRows(ld(j), ld(6 + j), ld(12 + j), ld(18 + j), ld(24 + j), ld(30 + j))
            a[j] = r.0; a[6 + j] = r.1; a[12 + j] = r.2; a[18 + j] = r.3
        }
        // Rows: (A^T M) A, bias, activation -> y[4 row + col].
        for row in 0..<4 {
            let r = outputRows(a[6 * row], a[6 * row + 1], a[6 * row + 2], a[6 * row + 3], a[6 * row + 4], a[6 * row + 5])
            y[4 * row] = activate8(r.0 + b, activation); y[4 * row + 1] = activate8(r.1 + b, activation)
            y[4 * row + 2] = activate8(r.2 + b, activation); y[4 * row + 3] = activate8(r.3 + b, activation)
        }
        for l in 0..<min(8, t - idx) {
            let tile = idx + l, y0 = firstRow + 4 * (tile / tilesX), x0 = 4 * (tile % tilesX)
            let cols = min(4, w - x0)
            for row in 0..<min(4, h - y0) {
                let o = out + (y0 + row) * w + x0
                for col in 0..<cols { o[col] = y[4 * row + col][l] }
            }
        }
        idx += 8
    }
    }
}
