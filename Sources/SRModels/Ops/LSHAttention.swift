import Foundation
import SISRCore
import SISREngine

/// The LSH rotations of NLSN, drawn from a seed instead of `torch.randn` on every call.
///
/// Specification (reproduced by `Scripts/transformer_reference.py::nlsn_rotations`): for the attention
/// module at `body.<i>` and `nb` hash buckets, the stream is
/// `SeededRandom(seed: hash_seed, "nlsn", "body.<i>", "buckets.<nb>")`. Standard normals come from
/// Box–Muller on pairs `(u1, u2)` of `nextDouble()`: `r = sqrt(-2 ln(1 - u1))`, `t = 2 pi u2`, giving
/// `r cos t` then `r sin t` (the last sine is dropped when the count is odd), in double precision and
/// rounded to float32. They fill `[Cm, n_hashes, nb/2]` in row-major order.
/// The rotations therefore depend only on the seed, the module and the input's bucket count: the same
/// image gives the same output whatever was processed before.
public enum NLSNRotations {
    public static func make(seed: UInt64, bodyIndex: Int, channels cm: Int, hashes: Int, buckets nb: Int) -> [Float] {
        var rng = SeededRandom(seed: seed, "nlsn", "body.\(bodyIndex)", "buckets.\(nb)")
        return seededNormals(&rng, count: cm * hashes * (nb / 2)).map { Float($0) }
    }
}

/// Non-local sparse attention (NLSA, Mei et al. 2021) on token matrices, given the two embeddings.
///
/// - `match`: `L x Cm` (conv_match output), `assembly`: `L x C` (conv_assembly output).
/// - `rotations`: `[Cm, hashes, nb/2]` (see ``NLSNRotations``).
/// - Returns `L x C`: for each hash round, tokens are sorted stably by bucket code (ties by position),
///   each run is padded by repeating its last `chunk - L % chunk` entries, split into chunks, and each
///   chunk attends (scores = un-normalised queries x L2-normalised keys, eps 5e-5) to keys from itself,
///   the previous and the next chunk (cyclic, in that order); rounds are combined per position with
///   weights `softmax_r(logsumexp_r)`.
/// - Inputs with `L < chunk` make the reference fail (zero buckets). Here they use 2 buckets and the
///   run is padded cyclically (padded entry `j` repeats sorted entry `(j - pad) mod L`), which is the
///   reference rule whenever `pad <= L`; the single chunk then attends to itself three times.
struct LSHAttention: Sendable {
    let chunk: Int, hashes: Int

    /// `min(L / chunk + (L / chunk) % 2, 128)`, at least 2 (see above for `L < chunk`).
    static func buckets(tokens l: Int, chunk: Int) -> Int {
        let k = l / chunk
        return max(2, min(k + k % 2, 128))
    }

    func callAsFunction(match: [Float], matchChannels cm: Int, assembly: [Float], channels c: Int,
                        rotations: [Float], buckets nb: Int) -> [Float] {
        let l = match.count / cm
        let half = nb / 2
        precondition(rotations.count == cm * hashes * half && nb >= 2, "LSH rotations do not fit")
        let pad = (chunk - l % chunk) % chunk, lp = l + pad, chunks = lp / chunk
        // L2-normalised keys
        var keys = match
        for t in 0..<l {
            var s: Float = 0
            for i in 0..<cm { s += match[t * cm + i] * match[t * cm + i] }
            let inv = 1 / max(s.squareRoot(), 5e-5)
            for i in 0..<cm { keys[t * cm + i] *= inv }
        }
        var outs = [Float](repeating: 0, count: hashes * l * c)
        var lses = [Float](repeating: 0, count: hashes * l)
        for r in 0..<hashes {
            let perm = sortedPositions(match: match, cm: cm, rotations: rotations, round: r, buckets: nb)
            // sorted index j (0..<lp) -> token; padded entries repeat the last `pad` ones
            let src = (0..<lp).map { perm[$0 < l ? $0 : (($0 - pad) % l + l) % l] }
            outs.withUnsafeMutableBufferPointer { po in
                lses.withUnsafeMutableBufferPointer { pl in
                    let outBox = UncheckedSendable(po), lseBox = UncheckedSendable(pl)
                    Compute.forEachWorker(items: chunks) { _, items in
                        var q = [Float](repeating: 0, count: chunk * cm)
                        var k = [Float](repeating: 0, count: 3 * chunk * cm)
                        var v = [Float](repeating: 0, count: 3 * chunk * c)
                        var score = [Float](repeating: 0, count: chunk * 3 * chunk)
                        var o = [Float](repeating: 0, count: chunk * c)
                        for ck in items {
                            for i in 0..<chunk {
                                let t = src[ck * chunk + i]
                                for e in 0..<cm { q[i * cm + e] = match[t * cm + e] }
                            }
                            for (slot, other) in [ck, (ck + chunks - 1) % chunks, (ck + 1) % chunks].enumerated() {
                                for i in 0..<chunk {
                                    let t = src[other * chunk + i], row = slot * chunk + i
                                    for e in 0..<cm { k[row * cm + e] = keys[t * cm + e] }
                                    for e in 0..<c { v[row * c + e] = assembly[t * c + e] }
                                }
                            }
                            GEMM.sgemm(transB: true, m: chunk, n: 3 * chunk, k: cm, a: q, b: k, c: &score)
                            var lse = [Float](repeating: 0, count: chunk)
                            score.withUnsafeMutableBufferPointer { ps in
                                for i in 0..<chunk {
                                    let m = TokenOps.logSumExp(UnsafeBufferPointer(ps), cols: 3 * chunk, row: i)
                                    lse[i] = m
                                    for j in 0..<(3 * chunk) { ps[i * 3 * chunk + j] = DMath.exp(ps[i * 3 * chunk + j] - m) }
                                }
                            }
                            GEMM.sgemm(m: chunk, n: c, k: 3 * chunk, a: score, b: v, c: &o)
                            for i in 0..<chunk where ck * chunk + i < l {
                                let t = src[ck * chunk + i]
                                lseBox.value[r * l + t] = lse[i]
                                let base = (r * l + t) * c
                                for e in 0..<c { outBox.value[base + e] = o[i * c + e] }
                            }
                        }
                    }
                }
            }
        }
        Compute.flopCounter?.add(2 * Double(hashes) * Double(lp) * Double(3 * chunk) * Double(cm + c))
        // combine the rounds: softmax over rounds of the logsumexp
        var result = [Float](repeating: 0, count: l * c)
        for t in 0..<l {
            var m = -Float.infinity
            for r in 0..<hashes { m = max(m, lses[r * l + t]) }
            var w = [Float](repeating: 0, count: hashes)
            var sum: Float = 0
            for r in 0..<hashes {
                w[r] = DMath.exp(lses[r * l + t] - m)
                sum += w[r]
            }
            for r in 0..<hashes {
                let wr = w[r] / sum, base = (r * l + t) * c
                for e in 0..<c { result[t * c + e] += outs[base + e] * wr }
            }
        }
        return result
    }

    /// Token positions of hash round `r` sorted stably by bucket code: the code of token `t` is the
    /// first argmax over `concat(v, -v)` with `v = match[t] x rotations[:, r, :]`.
    func sortedPositions(match: [Float], cm: Int, rotations: [Float], round r: Int, buckets nb: Int) -> [Int] {
        let l = match.count / cm, half = nb / 2
        var v = [Float](repeating: 0, count: l * half)
        match.withUnsafeBufferPointer { pa in
            rotations.withUnsafeBufferPointer { pr in
                v.withUnsafeMutableBufferPointer { pv in
                    GEMM.sgemm(m: l, n: half, k: cm, a: pa, b: UnsafeBufferPointer(rebasing: pr[(r * half)...]),
                               ldb: hashes * half, c: pv)
                }
            }
        }
        var codes = [Int](repeating: 0, count: l)
        var counts = [Int](repeating: 0, count: nb + 1)
        for t in 0..<l {
            var best = -Float.infinity, arg = 0
            for j in 0..<nb {
                let val = j < half ? v[t * half + j] : -v[t * half + j - half]
                if val > best { best = val; arg = j }
            }
            codes[t] = arg
            counts[arg + 1] += 1
        }
        for b in 0..<nb { counts[b + 1] += counts[b] }
        var perm = [Int](repeating: 0, count: l)
        for t in 0..<l {
            perm[counts[codes[t]]] = t
            counts[codes[t]] += 1
        }
        return perm
    }
}
