import Foundation
import SISRCore
import SISREngine
import Testing

/// Reference: the same product in binary64 (an independent computation, not the kernel's order).
private func reference(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], b: [Float], c0: [Float]?
) -> [Double] {
    var out = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = Double(c0?[i * n + j] ?? 0)
            for p in 0..<k { s += Double(transA ? a[p * m + i] : a[i * k + p]) * Double(transB ? b[j * k + p] : b[p * n + j]) }
            out[i * n + j] = s * Double(alpha)
        }
    }
    return out
}

private func random(_ count: Int, _ rng: inout SeededRandom) -> [Float] {
    (0..<count).map { _ in Float(rng.nextDouble() * 2 - 1) }
}

@Suite("Deterministic GEMM")
struct GEMMTests {
    @Test("every instruction set gives the same bits, close to a binary64 reference")
    func isaIdentityAndAccuracy() throws {
        var rng = SeededRandom(seed: 7, "gemm-tests")
        for trial in 0..<40 {
            let m = 1 + Int(rng.next() % 70), n = 1 + Int(rng.next() % 200), k = 1 + Int(rng.next() % 600)
            let transA = trial % 2 == 1, transB = trial % 4 >= 2, accumulate = trial % 3 == 0
            let alpha: Float = trial % 5 == 0 ? 0.375 : 1
            let a = random(m * k, &rng), b = random(k * n, &rng), c0 = random(m * n, &rng)
            var results: [[Float]] = []
            for isa in ISA.allCases where isa <= GEMM.detectedISA {
                var c = c0
                EngineSettings.current.with(isa: isa).run {
                    GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, b: b,
                               accumulate: accumulate, c: &c)
                }
                results.append(c)
            }
            for r in results.dropFirst() {
                #expect(r.withUnsafeBytes { Array($0) } == results[0].withUnsafeBytes { Array($0) },
                        "m \(m) n \(n) k \(k) transA \(transA) transB \(transB)")
            }
            let ref = reference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, b: b,
                                c0: accumulate ? c0 : nil)
            let err = zip(results[0], ref).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(err <= 1e-5 * Double(k).squareRoot() * 4, "max error \(err) for k \(k)")
        }
    }

    @Test("the AVX-512 kernel equals the generic one on edge-heavy shapes",
          .enabled(if: GEMM.detectedISA >= .avx512, "no AVX-512F on this CPU: its kernel is not exercised here"))
    func avx512() {
        var rng = SeededRandom(seed: 10, "gemm-avx512")
        for (m, n, k) in [(1, 1, 1), (8, 48, 256), (9, 49, 257), (17, 100, 700), (64, 300, 576)] {
            let a = random(m * k, &rng), b = random(k * n, &rng)
            var g = [Float](repeating: 0, count: m * n), v = g
            EngineSettings.current.with(isa: .generic).run { GEMM.sgemm(m: m, n: n, k: k, a: a, b: b, c: &g) }
            EngineSettings.current.with(isa: .avx512).run { GEMM.sgemm(m: m, n: n, k: k, a: a, b: b, c: &v) }
            #expect(g.withUnsafeBytes { Array($0) } == v.withUnsafeBytes { Array($0) }, "m \(m) n \(n) k \(k)")
        }
    }

    @Test("both drivers (few rows: A packed whole; many rows: BLIS blocks) give the generic path's bits")
    func bothDrivers() {
        var rng = SeededRandom(seed: 11, "gemm-drivers")
        // The first shapes pack A whole (M x K up to 48K floats), the last ones exceed it; edges everywhere.
        for (trial, (m, n, k)) in [(64, 300, 576), (3, 1000, 64), (37, 70, 1200), (150, 37, 400), (97, 130, 520), (300, 17, 200)]
            .enumerated()
        {
            let transA = trial % 2 == 1, transB = trial % 3 == 2
            let a = random(m * k, &rng), b = random(k * n, &rng), c0 = random(m * n, &rng)
            var outs: [[Float]] = []
            for isa in ISA.allCases where isa <= GEMM.detectedISA {
                var c = c0
                EngineSettings.current.with(isa: isa).run {
                    GEMM.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, b: b, accumulate: true, c: &c)
                }
                outs.append(c)
            }
            #expect(outs.count >= 2 || GEMM.detectedISA == .generic)
            for o in outs.dropFirst() {
                #expect(o.withUnsafeBytes { Array($0) } == outs[0].withUnsafeBytes { Array($0) }, "m \(m) n \(n) k \(k)")
            }
        }
    }

    @Test("pre-packed operands (packA, B in column panels) give sgemm's bits on every ISA, edge tiles and k blocks included")
    func prepacked() {
        var rng = SeededRandom(seed: 12, "gemm-prepacked")
        for (m, n, k) in [(1, 1, 1), (3, 180, 64), (8, 48, 256), (9, 49, 257), (13, 120, 96), (32, 17, 192), (64, 200, 600)] {
            let a = random(m * k, &rng), b = random(k * n, &rng)
            var want = [Float](repeating: 0, count: m * n)
            EngineSettings.current.with(isa: .generic).run { GEMM.sgemm(m: m, n: n, k: k, a: a, b: b, c: &want) }
            for isa in ISA.allCases where isa <= GEMM.detectedISA {
                EngineSettings.current.with(isa: isa).run {
                    let nr = GEMM.tile(isa).columns, panels = (n + nr - 1) / nr
                    // Columns past n hold a finite filler: they are computed and dropped.
                    var pb = [Float](repeating: 7, count: panels * k * nr)
                    for p in 0..<k { for j in 0..<n { pb[(j / nr) * k * nr + p * nr + j % nr] = b[p * n + j] } }
                    let pa = GEMM.packA(a, count: 1, m: m, k: k)
                    #expect(pa.count == GEMM.packedASize(m: m, k: k))
                    // Rows of C past n are guarded: sgemmPacked writes exactly m x n at ldc.
                    let ldc = n + 3
                    var c = [Float](repeating: -1, count: m * ldc)
                    pa.withUnsafeBufferPointer { ua in
                        pb.withUnsafeBufferPointer { ub in
                            c.withUnsafeMutableBufferPointer { uc in
                                GEMM.sgemmPacked(m: m, n: n, k: k, a: ua.baseAddress!, b: ub.baseAddress!, c: uc.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    let got = (0..<m).flatMap { i in c[(i * ldc)..<(i * ldc + n)] }
                    #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "\(isa) m \(m) n \(n) k \(k)")
                    #expect((0..<m).allSatisfy { i in c[(i * ldc + n)..<((i + 1) * ldc)].allSatisfy { $0 == -1 } })
                }
            }
        }
    }

    @Test("the sum is one sequential fma chain: equal to a scalar fma loop bit for bit")
    func sequentialChain() {
        var rng = SeededRandom(seed: 8, "gemm-chain")
        let m = 9, n = 50, k = 700  // several k blocks, edge tiles in both directions
        let a = random(m * k, &rng), b = random(k * n, &rng)
        var c = [Float](repeating: 0, count: m * n)
        EngineSettings.current.with(isa: .avx512).run { GEMM.sgemm(m: m, n: n, k: k, a: a, b: b, c: &c) }
        var chain = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s = s.addingProduct(a[i * k + p], b[p * n + j]) }
                chain[i * n + j] = s
            }
        }
        #expect(c == chain)
    }

    @Test("threads split outputs only: 1 and 2 threads give the same convolution bytes on every ISA")
    func threadsAndISA() {
        var rng = SeededRandom(seed: 9, "gemm-conv")
        let x = Tensor(shape: [1, 70, 23, 19], data: random(70 * 23 * 19, &rng))
        let w = Tensor(shape: [12, 70, 3, 3], data: random(12 * 70 * 9, &rng))
        var outs: [[Float]] = []
        for isa in ISA.allCases where isa <= GEMM.detectedISA {
            for t in [1, 2] {
                outs.append(EngineSettings.current.with(threads: t, isa: isa).run {
                    conv2d(x, weight: w, bias: nil, padding: 1).data
                })
            }
        }
        for o in outs.dropFirst() { #expect(o.withUnsafeBytes { Array($0) } == outs[0].withUnsafeBytes { Array($0) }) }
    }
}
