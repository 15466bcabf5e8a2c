import SISRCore

/// The shared machinery of both BM3D stages: reference grid, block matching, group filtering
/// and aggregation. One engine serves one image.
struct BM3DEngine {
    static let block = 8
    static let blockArea = 64
    /// Reference blocks filtered between two aggregation passes (bounds the scratch memory).
    static let batch = 1024

    let image: PlanarImage
    /// Noise standard deviation of each channel.
    let sigmas: [Float]
    let profile: BM3D.Profile
    var width: Int { image.width }
    var height: Int { image.height }
    /// Number of block positions along x and y.
    var nx: Int { image.width - Self.block + 1 }
    var ny: Int { image.height - Self.block + 1 }

    /// Reference block positions (`y * nx + x`), in the order they are aggregated.
    ///
    /// Columns are `0, step, 2 step, ...` with the last one clamped to `width - 8`; row `r` of the grid
    /// for column `i` is `r * step - shifts[i % shifts.count]`, clamped to `0...height-8`, listed while
    /// the unclamped value stays below `height - 8 + step`.
    func referenceGrid(step: Int) -> [Int32] {
        let shifts = profile.referenceShifts.isEmpty ? [0] : profile.referenceShifts
        var xs: [Int] = []
        var x = 0
        while x <= nx - 1 + step - 1 { xs.append(min(x, nx - 1)); x += step }
        var refs: [Int32] = []
        var r = 0
        while true {
            var any = false
            for (i, x) in xs.enumerated() {
                let y = r * step - shifts[i % shifts.count]
                if y <= ny - 1 + step - 1 {
                    any = true
                    refs.append(Int32(min(max(y, 0), ny - 1) * nx + x))
                }
            }
            if !any { break }
            r += 1
        }
        return refs
    }

    /// Every 8x8 block of `plane` as a contiguous 64-vector (block `p` at `[p * 64, p * 64 + 64)`),
    /// optionally through the 2-D transform `t` (8x8 row-major, `t * B * t^T`).
    func blockVectors(plane: UnsafePointer<Float>, transform t: [Float]?) -> [Float] {
        let (nx, ny, w) = (self.nx, self.ny, self.width)
        var out = [Float](repeating: 0, count: nx * ny * Self.blockArea)
        out.withUnsafeMutableBufferPointer { ob in
            let o = UncheckedSendable(ob.baseAddress!)
            Parallel.forEach(ny) { y in
                var tmp = [Float](repeating: 0, count: 64)
                for x in 0..<nx {
                    let dst = o.value + (y * nx + x) * 64
                    let src = plane + y * w + x
                    if let t {
                        t.withUnsafeBufferPointer { tp in
                            tmp.withUnsafeMutableBufferPointer { tb in
                                Self.transform2D(tp.baseAddress!, src, stride: w, dst, tb.baseAddress!)
                            }
                        }
                    } else {
                        for r in 0..<8 { for c in 0..<8 { dst[r * 8 + c] = src[r * w + c] } }
                    }
                }
            }
        }
        return out
    }

    /// `dst = m * B * m^T` for the 8x8 block `B` at `src` (row stride `stride`); `tmp` holds 64 floats.
    @inline(__always)
    static func transform2D(
        _ m: UnsafePointer<Float>, _ src: UnsafePointer<Float>, stride: Int,
        _ dst: UnsafeMutablePointer<Float>, _ tmp: UnsafeMutablePointer<Float>
    ) {
        // tmp[a][j] = sum_b B[a][b] m[j][b]
        for a in 0..<8 {
            let row = src + a * stride
            for j in 0..<8 {
                var s: Float = 0
                for b in 0..<8 { s += row[b] * m[j * 8 + b] }
                tmp[a * 8 + j] = s
            }
        }
        // dst[i][j] = sum_a m[i][a] tmp[a][j]
        for i in 0..<8 {
            for j in 0..<8 {
                var s: Float = 0
                for a in 0..<8 { s += m[i * 8 + a] * tmp[a * 8 + j] }
                dst[i * 8 + j] = s
            }
        }
    }

    /// Groups for every reference: `counts[r]` blocks at `positions[r * maxGroup ..< + counts[r]]`,
    /// the reference first, then the others by increasing distance (ties by position).
    ///
    /// A block joins when its squared vector distance to the reference is at most `cap`; the group is
    /// cut to the largest power of two not above `maxGroup`, and holds at least two blocks (the
    /// nearest other block is taken even above `cap`) when the window has another block.
    func match(vectors: [Float], refs: [Int32], maxGroup: Int, searchHalf: Int, cap: Float)
        -> (counts: [Int32], positions: [Int32])
    {
        var counts = [Int32](repeating: 0, count: refs.count)
        var positions = [Int32](repeating: 0, count: refs.count * maxGroup)
        let chunk = 64
        let chunks = (refs.count + chunk - 1) / chunk
        let (nx, ny) = (self.nx, self.ny)
        vectors.withUnsafeBufferPointer { vb in
            counts.withUnsafeMutableBufferPointer { cb in
                positions.withUnsafeMutableBufferPointer { pb in
                    let v = vb.baseAddress!
                    let (cOut, pOut) = (UncheckedSendable(cb.baseAddress!), UncheckedSendable(pb.baseAddress!))
                    Parallel.forEach(chunks) { ci in
                        var cand: [(d: Float, p: Int32)] = []
                        cand.reserveCapacity((2 * searchHalf + 1) * (2 * searchHalf + 1))
                        for r in (ci * chunk)..<min(refs.count, (ci + 1) * chunk) {
                            let ref = Int(refs[r])
                            let (yr, xr) = (ref / nx, ref % nx)
                            let rv = v + ref * 64
                            cand.removeAll(keepingCapacity: true)
                            var nearest: (d: Float, p: Int32)? = nil
                            for y in max(0, yr - searchHalf)...min(ny - 1, yr + searchHalf) {
                                for x in max(0, xr - searchHalf)...min(nx - 1, xr + searchHalf) {
                                    let p = y * nx + x
                                    if p == ref { continue }
                                    let cv = v + p * 64
                                    var d: Float = 0
                                    for i in 0..<64 { let e = cv[i] - rv[i]; d += e * e }
                                    if d <= cap {
                                        cand.append((d, Int32(p)))
                                    } else if nearest == nil || d < nearest!.d {
                                        nearest = (d, Int32(p))
                                    }
                                }
                            }
                            cand.sort { $0.d < $1.d || ($0.d == $1.d && $0.p < $1.p) }
                            if cand.isEmpty, let nearest { cand.append(nearest) }
                            let available = min(cand.count + 1, maxGroup)
                            var n = 1
                            while n * 2 <= available { n *= 2 }
                            cOut.value[r] = Int32(n)
                            let base = pOut.value + r * maxGroup
                            base[0] = Int32(ref)
                            for k in 1..<max(n, 1) { base[k] = cand[k - 1].p }
                        }
                    }
                }
            }
        }
        return (counts, positions)
    }
}
