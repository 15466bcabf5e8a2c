import SISRCore

/// 3x3 convolution with zero padding 1 by Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray 2016,
/// interpolation points 0, ±1, ±2, ∞): each 4x4 output tile is `A^T [ (G g G^T) ⊙ (B^T d B) ] A` for the
/// 6x6 input patch `d`, summed over input channels. The channel sum becomes 36 GEMMs
/// `M[ξ] = U[ξ] (Cout x Cin) x V[ξ] (Cin x tiles)`, 36/144 of the multiply-adds of direct convolution
/// (F(2x2, 3x3) needs 64/144). Results differ from direct convolution only by float rounding, about 5x
/// F(2x2)'s on random networks (README "Convolution algorithms" has the measured errors).
///
/// Bits: the weight transform runs in Float64 (fixed order) and rounds once; the input and output
/// transforms (``WinogradKernels``, in C) are fixed sequences of float additions and multiplications by
/// small exact constants, the same for every tile, vectorised across tiles only. Tiles are processed in
/// blocks of whole tile rows whose size depends only on the shapes (the driver F(2x2) shares); every
/// output element is one GEMM fma chain over the channels. So the output is byte-identical for any
/// thread count and instruction set.
public func conv2dWinogradF4(
    _ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation = .identity, cache: ConvWeightCache? = nil
) -> Tensor {
    ConvIO.run(x, outputChannels: weight.nchw.n) { winograd($0, tile: 4, weight: weight, bias: bias, activation: activation, cache: cache) }
}

/// The F(4x4) case of ``winograd(_:tile:weight:bias:activation:cache:)``.
func winogradF4(_ io: ConvIO, weight: Tensor, bias: Tensor?, activation: Activation, cache: ConvWeightCache?) {
    let cin = io.channels, cout = weight.nchw.n
    // About 2 MB of transformed input per block. V is written in the GEMM's packed panels per ξ and M
    // is [o][ξ][tile], so that the output transform reads one contiguous run per channel and ξ.
    winogradConvolution(
        io, weight: weight, bias: bias, tile: 4, targetTiles: max(128, (1 << 19) / (36 * cin)),
        transformedWeights: winogradF4Weights, cache: cache, operands: .packed,
        input: { xb, ty0, rows, tilesX, _, v, xiStride, _ in
            WinogradKernels.input(xb, channels: cin, height: io.h, width: io.w, firstTileRow: ty0, rows: rows,
                                  tilesX: tilesX, into: v, xiStride: xiStride)
        },
        output: { m, t, tilesX, firstRow, h, w, pb, out in
            WinogradKernels.output(
                m, channels: cout, tiles: t, tilesX: tilesX, firstRow: firstRow, height: h, width: w,
                bias: pb?.baseAddress, activation, into: out)
        })
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
                // G g: six rows of three values (one column of the kernel at a time), then (G g) G^T row by row.
                let c0 = gRows(Double(g[0]), Double(g[3]), Double(g[6]))
                let c1 = gRows(Double(g[1]), Double(g[4]), Double(g[7]))
                let c2 = gRows(Double(g[2]), Double(g[5]), Double(g[8]))
                @inline(__always) func store(_ i: Int, _ a: Double, _ b: Double, _ c: Double) {
                    let r = gRows(a, b, c), q = pu.baseAddress! + i * 6 * plane + oc
                    q[0] = Float(r.0); q[plane] = Float(r.1); q[2 * plane] = Float(r.2)
                    q[3 * plane] = Float(r.3); q[4 * plane] = Float(r.4); q[5 * plane] = Float(r.5)
                }
                store(0, c0.0, c1.0, c2.0); store(1, c0.1, c1.1, c2.1); store(2, c0.2, c1.2, c2.2)
                store(3, c0.3, c1.3, c2.3); store(4, c0.4, c1.4, c2.4); store(5, c0.5, c1.5, c2.5)
            }
        }
        count = 36 * plane
    }
}
