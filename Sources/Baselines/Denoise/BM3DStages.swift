import SISRCore

/// The two BM3D stages on top of ``BM3DEngine``'s grid and matching.
extension BM3DEngine {
    /// Value range (max - min) of channel 0, which scales the matching thresholds.
    static func range(_ img: PlanarImage) -> Float {
        let n = img.width * img.height
        var lo = Float.infinity, hi = -Float.infinity
        for i in 0..<n { lo = min(lo, img.data[i]); hi = max(hi, img.data[i]) }
        return hi - lo
    }

    /// Kaiser window over an 8x8 block (outer product of two 1-D windows).
    static func window(beta: Double) -> [Float] {
        let k = BM3DTransforms.kaiser(block, beta: beta)
        return (0..<64).map { Float(k[$0 / 8] * k[$0 % 8]) }
    }

    /// Reference grid and groups matched on channel 0 of `source` (through `transform` if given), with
    /// the threshold `tau` (per pixel, for a 0-255 range) scaled to the channel's value range.
    func grouping(on source: PlanarImage, transform: [Float]?, step: Int, maxGroup: Int, searchHalf: Int, tau: Double)
        -> (refs: [Int32], groups: (counts: [Int32], positions: [Int32]))
    {
        let refs = referenceGrid(step: step)
        let vectors = source.data.withUnsafeBufferPointer { blockVectors(plane: $0.baseAddress!, transform: transform) }
        let r = Double(Self.range(source))
        let cap = Float(tau * 64 / (255 * 255) * r * r)
        return (refs, match(vectors: vectors, refs: refs, maxGroup: maxGroup, searchHalf: searchHalf, cap: cap))
    }

    /// Stage 1: collaborative hard thresholding; returns the basic estimate.
    func hardThresholding() -> PlanarImage {
        let t = BM3DTransforms.bior15
        let tf = t.map(Float.init), ti = BM3DTransforms.inverse(t, 8).map(Float.init)
        let rn = BM3DTransforms.rowNormsSquared(t, 8)
        // Noise variance of each 2-D coefficient per channel (the Haar transform along the group is
        // orthonormal, so it keeps these variances).
        let variances = sigmas.map { s in (0..<64).map { Float(Double(s * s) * rn[$0 / 8] * rn[$0 % 8]) } }
        let lambda2 = Float(profile.lambdaHT * profile.lambdaHT)
        let (refs, groups) = grouping(on: image, transform: tf, step: profile.stepHT, maxGroup: profile.maxGroupHT,
                                      searchHalf: profile.searchHalfHT, tau: profile.tauMatchHT)
        let win = Self.window(beta: profile.betaHT)
        return filterChannels(refs: refs, groups: groups, maxGroup: profile.maxGroupHT, window: win,
                              forward: tf, inverse: ti, pilot: nil) { group, _, n, c in
            let variance = variances[c]
            var sumVar: Float = 0
            for i in 0..<64 {
                let thr = lambda2 * variance[i]
                for k in 0..<n {
                    let c = group[k * 64 + i]
                    if c * c > thr { sumVar += variance[i] } else { group[k * 64 + i] = 0 }
                }
            }
            return sumVar > 0 ? Float(n) / sumVar : 1
        }
    }

    /// Stage 2: collaborative Wiener filtering with the basic estimate as pilot.
    func wiener(basic: PlanarImage) -> PlanarImage {
        let t = BM3DTransforms.dct(8)
        let tf = t.map(Float.init)
        let ti = (0..<64).map { Float(t[($0 % 8) * 8 + $0 / 8]) }  // orthonormal: inverse = transpose
        let (refs, groups) = grouping(on: basic, transform: nil, step: profile.stepWiener,
                                      maxGroup: profile.maxGroupWiener, searchHalf: profile.searchHalfWiener,
                                      tau: profile.tauMatchWiener)
        let win = Self.window(beta: profile.betaWiener)
        return filterChannels(refs: refs, groups: groups, maxGroup: profile.maxGroupWiener, window: win,
                              forward: tf, inverse: ti, pilot: basic) { group, pilotGroup, n, c in
            let s2 = sigmas[c] * sigmas[c]
            let mu2s2 = Float(profile.mu2) * s2
            var sumW2: Float = 0
            for j in 0..<(n * 64) {
                let b = pilotGroup![j]
                let b2 = b * b
                let w = b2 / (b2 + mu2s2)
                group[j] *= w
                sumW2 += w * w
            }
            return sumW2 > 0 ? Float(n) / (s2 * sumW2) : 1
        }
    }

    /// Shrinks a transformed group (`n` blocks of 64 coefficients) in place and returns its aggregation
    /// weight. Arguments: group, transformed pilot group (Wiener only), block count, channel.
    typealias Shrink = (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?, Int, Int) -> Float

    /// Filters every channel: per reference, gather the group (positions from channel 0's matching),
    /// apply the 2-D transform and the Haar transform along the group, `shrink`, invert, and aggregate
    /// in reference order. References are filtered in parallel in fixed batches; aggregation is
    /// sequential, so the result does not depend on the thread count.
    func filterChannels(
        refs: [Int32], groups: (counts: [Int32], positions: [Int32]), maxGroup: Int, window: [Float],
        forward tf: [Float], inverse ti: [Float], pilot: PlanarImage?, shrink: Shrink
    ) -> PlanarImage {
        let (w, h, nx) = (width, height, self.nx)
        let plane = w * h
        var out = [Float](repeating: 0, count: image.data.count)
        let slot = maxGroup * 64
        var estimates = [Float](repeating: 0, count: Self.batch * slot)
        var weights = [Float](repeating: 0, count: Self.batch)
        for c in 0..<image.channels {
            var num = [Double](repeating: 0, count: plane)
            var den = [Double](repeating: 0, count: plane)
            image.data.withUnsafeBufferPointer { ib in
              (pilot?.data ?? []).withUnsafeBufferPointer { pb in
                tf.withUnsafeBufferPointer { tfb in
                  ti.withUnsafeBufferPointer { tib in
                    let noisy = ib.baseAddress! + c * plane
                    let pil = pilot == nil ? nil : pb.baseAddress! + c * plane
                    var start = 0
                    while start < refs.count {
                        let end = min(refs.count, start + Self.batch)
                        estimates.withUnsafeMutableBufferPointer { eb in
                            weights.withUnsafeMutableBufferPointer { wb in
                                let (e, wt) = (UncheckedSendable(eb.baseAddress!), UncheckedSendable(wb.baseAddress!))
                                let chunk = 16
                                Parallel.forEach((end - start + chunk - 1) / chunk) { ci in
                                    var scratch = [Float](repeating: 0, count: slot + 64)
                                    var pilotGroup = [Float](repeating: 0, count: slot)
                                    scratch.withUnsafeMutableBufferPointer { sb in
                                      pilotGroup.withUnsafeMutableBufferPointer { pgb in
                                        let tmp = sb.baseAddress! + slot
                                        for r in (start + ci * chunk)..<min(end, start + (ci + 1) * chunk) {
                                            let n = Int(groups.counts[r])
                                            let group = e.value + (r - start) * slot
                                            for k in 0..<n {
                                                let p = Int(groups.positions[r * maxGroup + k])
                                                let off = (p / nx) * w + p % nx
                                                Self.transform2D(tfb.baseAddress!, noisy + off, stride: w, group + k * 64, tmp)
                                                if let pil {
                                                    Self.transform2D(tfb.baseAddress!, pil + off, stride: w,
                                                                     pgb.baseAddress! + k * 64, tmp)
                                                }
                                            }
                                            for i in 0..<64 {
                                                BM3DTransforms.haarForward(group + i, n: n, stride: 64, scratch: sb.baseAddress!)
                                                if pil != nil {
                                                    BM3DTransforms.haarForward(pgb.baseAddress! + i, n: n, stride: 64,
                                                                               scratch: sb.baseAddress!)
                                                }
                                            }
                                            wt.value[r - start] = shrink(group, pil == nil ? nil : pgb.baseAddress!, n, c)
                                            for i in 0..<64 {
                                                BM3DTransforms.haarInverse(group + i, n: n, stride: 64, scratch: sb.baseAddress!)
                                            }
                                            for k in 0..<n {
                                                let b = group + k * 64
                                                for q in 0..<64 { sb.baseAddress![q] = b[q] }
                                                Self.transform2D(tib.baseAddress!, sb.baseAddress!, stride: 8, b, tmp)
                                            }
                                        }
                                      }
                                    }
                                }
                            }
                        }
                        // Aggregate this batch in reference order.
                        for r in start..<end {
                            let n = Int(groups.counts[r])
                            let wgt = Double(weights[r - start])
                            for k in 0..<n {
                                let p = Int(groups.positions[r * maxGroup + k])
                                let off = (p / nx) * w + p % nx
                                let b = (r - start) * slot + k * 64
                                for yy in 0..<8 {
                                    for xx in 0..<8 {
                                        let ww = wgt * Double(window[yy * 8 + xx])
                                        num[off + yy * w + xx] += ww * Double(estimates[b + yy * 8 + xx])
                                        den[off + yy * w + xx] += ww
                                    }
                                }
                            }
                        }
                        start = end
                    }
                    for i in 0..<plane {
                        out[c * plane + i] = den[i] > 0 ? Float(num[i] / den[i]) : noisy[i]
                    }
                  }
                }
              }
            }
        }
        _ = h
        return PlanarImage(width: w, height: h, channels: image.channels, data: out)
    }
}
