import Foundation
import SISRCore

/// Two-dimensional discrete Fourier transform of a real image of any size, by DFT matrices and BLAS:
/// `F = (C - iS) X (C - iS)` with `C[k,n] = cos(2πkn/N)`, `S[k,n] = sin(2πkn/N)` (twiddles taken at
/// `kn mod N` for accuracy), so `Re F = C_H X C_W - S_H X S_W` and `Im F = -(S_H X C_W + C_H X S_W)`.
/// The same convention as `numpy.fft.fft2` (no scaling, `exp(-2πi kn/N)`). Cost `O(HW(H+W))`, fine for
/// classifier crops (224 px: a few milliseconds).
public enum DFT2D {
    /// `(cos, sin)` DFT matrices of size `n x n`, row-major.
    static func matrices(_ n: Int) -> (cos: [Double], sin: [Double]) {
        var c = [Double](repeating: 0, count: n * n), s = c
        for k in 0..<n {
            for j in 0..<n {
                let angle = 2 * Double.pi * Double((k * j) % n) / Double(n)
                c[k * n + j] = Foundation.cos(angle)
                s[k * n + j] = Foundation.sin(angle)
            }
        }
        return (c, s)
    }

    /// Real and imaginary parts of the DFT of `x` (row-major `height x width`), row-major.
    public static func transform(_ x: [Double], width w: Int, height h: Int) -> (re: [Double], im: [Double]) {
        precondition(x.count == w * h && w > 0 && h > 0, "DFT2D: size mismatch")
        let (cw, sw) = matrices(w)
        let (ch, sh) = h == w ? (cw, sw) : matrices(h)
        var a = [Double](repeating: 0, count: h * w), b = a
        BLAS.dgemm(m: h, n: w, k: w, a: x, b: cw, c: &a)  // X C_W
        BLAS.dgemm(m: h, n: w, k: w, a: x, b: sw, c: &b)  // X S_W
        var re = [Double](repeating: 0, count: h * w), im = re
        BLAS.dgemm(m: h, n: w, k: h, a: ch, b: a, c: &re)
        BLAS.dgemm(m: h, n: w, k: h, alpha: -1, a: sh, b: b, beta: 1, c: &re)
        BLAS.dgemm(m: h, n: w, k: h, alpha: -1, a: sh, b: a, c: &im)
        BLAS.dgemm(m: h, n: w, k: h, alpha: -1, a: ch, b: b, beta: 1, c: &im)
        return (re, im)
    }
}
