import Foundation
import SISRCore
import SISREngine
import Testing

/// A sweep over the float bit patterns (every 2147th), the same on every machine.
private let sweep: [Float] = stride(from: UInt64(0), to: 1 << 32, by: 2147).map { Float(bitPattern: UInt32($0)) }

private func ulps(_ got: Float, _ ref: Double) -> Double {
    let r = Float(ref)
    let spacing = Double(r.nextUp) - Double(r)
    guard spacing.isFinite, spacing > 0 else { return got == r ? 0 : .infinity }
    return abs(Double(got) - ref) / spacing
}

@Suite("Deterministic math")
struct DMathTests {
    @Test("exp and erf: vector paths equal the scalar function bit for bit on a sweep of all floats")
    func isaIdentity() {
        for isa in ISA.allCases where isa <= GEMM.detectedISA {
            var e = sweep, f = sweep
            EngineSettings.current.with(isa: isa).run {
                e.withUnsafeMutableBufferPointer { DMath.exp(inPlace: $0) }
                f.withUnsafeMutableBufferPointer { DMath.erf(inPlace: $0) }
            }
            let badExp = sweep.indices.first { !sweep[$0].isNaN && e[$0].bitPattern != DMath.exp(sweep[$0]).bitPattern }
            let badErf = sweep.indices.first { !sweep[$0].isNaN && f[$0].bitPattern != DMath.erf(sweep[$0]).bitPattern }
            #expect(badExp == nil, "exp(\(badExp.map { sweep[$0] } ?? 0)) differs on \(isa.rawValue)")
            #expect(badErf == nil, "erf(\(badErf.map { sweep[$0] } ?? 0)) differs on \(isa.rawValue)")
        }
    }

    @Test("accuracy against binary64: exp and erf within 1 ulp, special values")
    func accuracy() {
        var worstExp = 0.0, worstErf = 0.0
        for x in sweep where x.isFinite {
            worstExp = max(worstExp, ulps(DMath.exp(x), Foundation.exp(Double(x))))
            worstErf = max(worstErf, ulps(DMath.erf(x), Foundation.erf(Double(x))))
        }
        #expect(worstExp <= 1, "exp: \(worstExp) ulp")
        #expect(worstErf <= 1, "erf: \(worstErf) ulp")
        #expect(DMath.exp(0) == 1 && DMath.exp(-.infinity) == 0 && DMath.exp(.infinity) == .infinity)
        #expect(DMath.exp(100) == .infinity && DMath.exp(-110) == 0 && DMath.exp(.nan).isNaN)
        #expect(DMath.exp(-100) > 0, "subnormal results are kept")
        #expect(DMath.erf(0) == 0 && DMath.erf(5) == 1 && DMath.erf(-5) == -1 && DMath.erf(-0.3) == -DMath.erf(0.3))
        #expect(DMath.sigmoid(0) == 0.5)
    }

    @Test("binary64 log, sin and cos within 2 ulp of Foundation's")
    func binary64() {
        var rng = SeededRandom(seed: 3, "dmath")
        var worst = (log: 0.0, sin: 0.0, cos: 0.0)
        func ulp(_ a: Double, _ b: Double) -> Double { abs(a - b) / (b.nextUp - b) }
        for _ in 0..<200_000 {
            let v = rng.nextDouble() * Foundation.pow(2, -Double(rng.next() % 60)) + Double.leastNormalMagnitude
            worst.log = max(worst.log, ulp(DMath.log(v), Foundation.log(v)))
            let t = 2 * Double.pi * rng.nextDouble() * Double(1 + rng.next() % 8)
            if abs(Foundation.sin(t)) > 1e-3 { worst.sin = max(worst.sin, ulp(DMath.sin(t), Foundation.sin(t))) }
            if abs(Foundation.cos(t)) > 1e-3 { worst.cos = max(worst.cos, ulp(DMath.cos(t), Foundation.cos(t))) }
        }
        #expect(worst.log <= 2 && worst.sin <= 2 && worst.cos <= 2, "\(worst)")
        #expect(DMath.log(1.0) == 0 && DMath.log(0.0) == -Double.infinity && DMath.log(-1.0).isNaN)
    }

    /// The cross-machine check: these digests were computed on x86-64 (AVX-512); any other CPU, OS or
    /// compiler must reproduce them. A change here means release bytes change: regenerate CHECKSUMS.
    @Test("pinned digests of every function over the sweep")
    func pinnedDigests() {
        func digest(_ values: [UInt64]) -> String {
            var bytes: [UInt8] = []
            for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
            return SHA256Hasher.hex(bytes).prefix(16).description
        }
        let f = sweep.filter { !$0.isNaN }
        let doubles = f.map { Double($0) }
        let got = [
            "exp": digest(f.map { UInt64(DMath.exp($0).bitPattern) }),
            "erf": digest(f.map { UInt64(DMath.erf($0).bitPattern) }),
            "log": digest(doubles.filter { $0 > 0 }.map { DMath.log($0).bitPattern }),
            "sin": digest(doubles.filter { abs($0) < 1e6 }.map { DMath.sin($0).bitPattern }),
            "cos": digest(doubles.filter { abs($0) < 1e6 }.map { DMath.cos($0).bitPattern }),
        ]
        #expect(got == Self.pinned, "\(got)")
    }

    static let pinned: [String: String] = [
        "exp": "6bde299c1fbc1ddb", "erf": "ebc197fe8d21fae4", "log": "a79b3f91e79a7a01",
        "sin": "fffc62488020e3c2", "cos": "47316fa6510c3245",
    ]
}
