import SISRCore

/// `count` standard normal deviates from `rng` by Box–Muller on pairs `(u1, u2)` of `nextDouble()`:
/// `r = sqrt(-2 ln(1 - u1))`, `t = 2 pi u2`, giving `r cos t` then `r sin t` (the last sine is
/// dropped when the count is odd), in double precision with the engine's deterministic `log`, `cos`
/// and sin. Used for NLSN's LSH rotations, NCSR's latents and the loader's Gaussian noise.
public func seededNormals(_ rng: inout SeededRandom, count: Int) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(count + 1)
    while out.count < count {
        let u1 = rng.nextDouble(), u2 = rng.nextDouble()
        let r = (-2 * DMath.log(1 - u1)).squareRoot(), t = 2 * Double.pi * u2
        out.append(r * DMath.cos(t))
        out.append(r * DMath.sin(t))
    }
    return Array(out.prefix(count))
}
