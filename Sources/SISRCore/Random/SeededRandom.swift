/// A seeded, splittable pseudo-random generator whose streams are derived by name.
///
/// Specification (so that a short Python function reproduces every number):
///
/// - **Stream seed.** `state0 = int.from_bytes(sha256(("sisr-v1|" + "|".join([str(seed)] + names)).encode()).digest()[:8], "big")`.
///   For example `SeededRandom(seed: 7, "split", "img0001")` hashes the UTF-8 text `sisr-v1|7|split|img0001`.
/// - **Generator.** SplitMix64: `state = (state + 0x9E3779B97F4A7C15) mod 2^64`, then
///   `z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB; z ^ (z >> 31)`
///   (all mod 2^64); that value is `next()`.
/// - **Doubles.** `nextDouble() = (next() >> 11) * 2^-53`, in [0, 1).
/// - **Bounded integers.** `nextInt(below: n)`: draw `x = next()` until `x >= 2^64 mod n`, return `x mod n`.
/// - **Shuffle.** Fisher-Yates from the end: for `i` from `n-1` down to 1, `j = nextInt(below: i+1)`, swap `i`, `j`.
///
/// ```python
/// import hashlib
/// M = (1 << 64) - 1
/// class SeededRandom:
///     def __init__(self, seed, *names):
///         text = "|".join(["sisr-v1", str(seed), *names]).encode()
///         self.state = int.from_bytes(hashlib.sha256(text).digest()[:8], "big")
///     def next(self):
///         self.state = (self.state + 0x9E3779B97F4A7C15) & M
///         z = self.state
///         z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
///         z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
///         return z ^ (z >> 31)
///     def next_int(self, n):
///         t = (1 << 64) % n
///         while True:
///             x = self.next()
///             if x >= t: return x % n
/// ```
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    /// A stream derived from `seed` and the names, in order.
    public init(seed: UInt64, _ names: String...) {
        self.init(seed: seed, names: names)
    }

    /// A stream derived from `seed` and the names, in order.
    public init(seed: UInt64, names: [String]) {
        let text = (["sisr-v1", String(seed)] + names).joined(separator: "|")
        state = SeededRandom.hash64(text)
    }

    /// Starts directly from a raw SplitMix64 state.
    public init(rawState: UInt64) { state = rawState }

    /// First 8 bytes (big-endian) of SHA-256 of the UTF-8 text.
    public static func hash64(_ text: String) -> UInt64 {
        let d = SHA256Hasher.digest(Array(text.utf8))
        return d[0..<8].reduce(0) { ($0 << 8) | UInt64($1) }
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in `0..<n` without modulo bias.
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0, "nextInt(below:) needs a positive bound")
        let bound = UInt64(n)
        let threshold = (0 &- bound) % bound  // 2^64 mod n
        while true {
            let x = next()
            if x >= threshold { return Int(x % bound) }
        }
    }

    /// Fisher-Yates shuffle from the end, as specified above.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}
