import Foundation

/// Small fixed transforms used by BM3D: the 8-point 2-D block transforms (biorthogonal 1.5 wavelet
/// for hard thresholding, orthonormal DCT-II for Wiener filtering), the orthonormal Haar transform
/// along a group, and the Kaiser window used in aggregation.
enum BM3DTransforms {
    /// The 3-level periodic biorthogonal-1.5 decomposition of 8 samples, rows are basis functions
    /// (row 0 the DC, row 1 the coarsest detail, rows 2-3 level 2, rows 4-7 the finest Haar details).
    /// This is the table the MATLAB and Python BM3D references use for `bior1.5` with 8x8 blocks;
    /// it is deliberately not normalised, so coefficients have unequal noise variance (see
    /// ``rowNormsSquared(_:)``).
    static let bior15: [Double] = {
        let a = 0.343550200747110
        let (b1, b2) = (0.225454819240296, 0.461645582253923)
        let (c1, c2, c3) = (0.569359398342840, 0.402347308162280, 0.083506045090280)
        let h = 0.707106781186550
        return [
            a, a, a, a, a, a, a, a,
            -b1, -b2, -b2, -b1, b1, b2, b2, b1,
            c1, c2, -c2, -c1, -c3, c3, -c3, c3,
            -c3, c3, -c3, c3, c1, c2, -c2, -c1,
            h, -h, 0, 0, 0, 0, 0, 0,
            0, 0, h, -h, 0, 0, 0, 0,
            0, 0, 0, 0, h, -h, 0, 0,
            0, 0, 0, 0, 0, 0, h, -h,
        ]
    }()

    /// Orthonormal DCT-II matrix of size `n` (rows are basis functions).
    static func dct(_ n: Int) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            let s = k == 0 ? (1.0 / Double(n)).squareRoot() : (2.0 / Double(n)).squareRoot()
            for i in 0..<n { m[k * n + i] = s * cos(Double.pi * Double(k) * (2 * Double(i) + 1) / Double(2 * n)) }
        }
        return m
    }

    /// Inverse of an `n x n` row-major matrix by Gauss-Jordan elimination with partial pivoting.
    static func inverse(_ a: [Double], _ n: Int) -> [Double] {
        var m = a
        var inv = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inv[i * n + i] = 1 }
        for col in 0..<n {
            var piv = col
            for r in (col + 1)..<n where abs(m[r * n + col]) > abs(m[piv * n + col]) { piv = r }
            precondition(abs(m[piv * n + col]) > 1e-12, "singular transform")
            if piv != col {
                for j in 0..<n {
                    m.swapAt(col * n + j, piv * n + j)
                    inv.swapAt(col * n + j, piv * n + j)
                }
            }
            let d = m[col * n + col]
            for j in 0..<n { m[col * n + j] /= d; inv[col * n + j] /= d }
            for r in 0..<n where r != col {
                let f = m[r * n + col]
                if f == 0 { continue }
                for j in 0..<n { m[r * n + j] -= f * m[col * n + j]; inv[r * n + j] -= f * inv[col * n + j] }
            }
        }
        return inv
    }

    /// Squared L2 norm of each row: the noise variance (per unit input variance) of each coefficient.
    static func rowNormsSquared(_ m: [Double], _ n: Int) -> [Double] {
        (0..<n).map { r in (0..<n).reduce(0) { $0 + m[r * n + $1] * m[r * n + $1] } }
    }

    /// Kaiser window of length `n` and shape `beta` (as `numpy.kaiser`).
    static func kaiser(_ n: Int, beta: Double) -> [Double] {
        if n == 1 { return [1] }
        return (0..<n).map { i in
            let r = 2 * Double(i) / Double(n - 1) - 1
            return besselI0(beta * max(0, 1 - r * r).squareRoot()) / besselI0(beta)
        }
    }

    /// Modified Bessel function of the first kind, order 0 (power series; exact to double precision
    /// for the small arguments used here).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0
        let q = x * x / 4
        for k in 1..<60 {
            term *= q / Double(k * k)
            sum += term
            if term < sum * 1e-17 { break }
        }
        return sum
    }

    /// In-place orthonormal Haar transform (full decomposition) of `n` values spaced `stride` apart;
    /// `n` is a power of two. `scratch` holds at least `n` values.
    @inline(__always)
    static func haarForward(_ v: UnsafeMutablePointer<Float>, n: Int, stride: Int, scratch: UnsafeMutablePointer<Float>) {
        let s = Float(0.5).squareRoot()
        var len = n
        for i in 0..<n { scratch[i] = v[i * stride] }
        while len > 1 {
            let half = len / 2
            for i in 0..<half {
                let a = scratch[2 * i], b = scratch[2 * i + 1]
                v[i * stride] = (a + b) * s
                v[(half + i) * stride] = (a - b) * s
            }
            for i in 0..<half { scratch[i] = v[i * stride] }
            len = half
        }
        if n == 1 { v[0] = scratch[0] }
    }

    /// Inverse of ``haarForward(_:n:stride:scratch:)``.
    @inline(__always)
    static func haarInverse(_ v: UnsafeMutablePointer<Float>, n: Int, stride: Int, scratch: UnsafeMutablePointer<Float>) {
        let s = Float(0.5).squareRoot()
        var len = 1
        while len < n {
            for i in 0..<len {
                let a = v[i * stride], d = v[(len + i) * stride]
                scratch[2 * i] = (a + d) * s
                scratch[2 * i + 1] = (a - d) * s
            }
            for i in 0..<(2 * len) { v[i * stride] = scratch[i] }
            len *= 2
        }
    }
}
