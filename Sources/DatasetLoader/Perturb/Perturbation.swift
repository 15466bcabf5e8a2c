import Foundation
import SISRCore

/// Test-time image perturbations named by a protocol file (`"perturbation"`), as Yu et al.,
/// "Attributing Fake Images to GANs" (ICCV 2019, §5 "Robustness"), attack attribution: JPEG
/// compression, Gaussian blur, Gaussian noise, crop-and-resize and relighting, alone or in turn.
///
/// ```json
/// "perturbation": {"seed": 0, "splits": ["test"],
///                  "steps": [{"kind": "jpeg", "quality": {"uniform": [10, 75]}, "probability": 0.5}]}
/// ```
///
/// Every draw comes from `SeededRandom(seed, "perturb", key, "<step index>")` and nothing else: not the
/// epoch, the loader's seed, threads, workers or ranks, so a protocol's perturbed test set is one fixed
/// set of images. Per step, in order: when `probability` < 1, `u = nextDouble()` and the step is skipped
/// unless `u < probability`; then the strength (a number: no draw; `{"uniform": [lo, hi]}`: integers
/// `lo + nextInt(below: hi - lo + 1)` for `quality` and `kernel`, reals `lo + (hi - lo) * nextDouble()`
/// otherwise; `{"choice": [...]}`: `values[nextInt(below: count)]`); then the step's own draws (see
/// ``ImagePerturbations``). Pixels are integer or fixed-order float64 arithmetic with the engine's
/// `DMath`, and JPEG goes through libjpeg-turbo's integer DCT: the same bytes on every CPU.
public struct PerturbationSpec: Codable, Sendable, Equatable {
    /// A strength: fixed, uniform over a range, or one of a list.
    public enum Strength: Codable, Sendable, Equatable {
        case fixed(Double)
        case uniform(Double, Double)
        case choice([Double])

        public init(from decoder: Decoder) throws {
            if let single = try? decoder.singleValueContainer(), let v = try? single.decode(Double.self) {
                self = .fixed(v)
                return
            }
            let c = try decoder.container(keyedBy: Keys.self)
            if let r = try c.decodeIfPresent([Double].self, forKey: .uniform) {
                guard r.count == 2 else {
                    throw DecodingError.dataCorruptedError(forKey: .uniform, in: c, debugDescription: "\"uniform\" needs [low, high]")
                }
                self = .uniform(r[0], r[1])
            } else if let v = try c.decodeIfPresent([Double].self, forKey: .choice) {
                self = .choice(v)
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "a strength is a number, {\"uniform\": [low, high]} or {\"choice\": [values]}"))
            }
        }

        public func encode(to encoder: Encoder) throws {
            switch self {
            case let .fixed(v): var c = encoder.singleValueContainer(); try c.encode(v)
            case let .uniform(a, b): var c = encoder.container(keyedBy: Keys.self); try c.encode([a, b], forKey: .uniform)
            case let .choice(v): var c = encoder.container(keyedBy: Keys.self); try c.encode(v, forKey: .choice)
            }
        }

        enum Keys: String, CodingKey { case uniform, choice }

        /// Every value the strength can take (the range's ends for `uniform`).
        var extremes: [Double] {
            switch self {
            case let .fixed(v): return [v]
            case let .uniform(a, b): return [a, b]
            case let .choice(v): return v
            }
        }

        /// Draws the value (see the type's documentation); `integer` for quality and kernel.
        func draw(_ rng: inout SeededRandom, integer: Bool) -> Double {
            switch self {
            case let .fixed(v): return v
            case let .uniform(a, b):
                if integer { return a + Double(rng.nextInt(below: Int(b - a) + 1)) }
                return a + (b - a) * rng.nextDouble()
            case let .choice(v): return v[rng.nextInt(below: v.count)]
            }
        }
    }

    /// The perturbations and the name of each one's strength.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// JPEG round trip at `quality` (1...100).
        case jpeg
        /// OpenCV `GaussianBlur(ksize=(kernel, kernel), sigma 0)`; `kernel` odd, 1...15.
        case blur
        /// Additive Gaussian noise of `variance` (8-bit units; standard deviation its square root).
        case noise
        /// Crop away `fraction` of each side's length at a random place, resize back (Pillow bicubic).
        case crop
        /// Directional relighting of `strength` (0...1): a light gradient and a light colour.
        case relight

        /// The JSON key of the step's strength.
        public var parameter: String {
            switch self {
            case .jpeg: return "quality"
            case .blur: return "kernel"
            case .noise: return "variance"
            case .crop: return "fraction"
            case .relight: return "strength"
            }
        }

        var integer: Bool { self == .jpeg || self == .blur }

        /// Refuses values outside the kind's range (`problem` names the step).
        func check(_ v: Double, step: String) throws -> String? {
            switch self {
            case .jpeg: return v == v.rounded() && (1...100).contains(v) ? nil : "\(step) \"quality\" must be an integer 1...100 (got \(v))"
            case .blur:
                return ImagePerturbations.blurKernels[Int(exactly: v) ?? -1] != nil ? nil
                    : "\(step) \"kernel\" must be an odd integer 1...15 (got \(v))"
            case .noise: return v.isFinite && v >= 0 && v <= 65_025 ? nil : "\(step) \"variance\" must be 0...65025 (got \(v))"
            case .crop: return v.isFinite && v >= 0 && v <= 0.5 ? nil : "\(step) \"fraction\" must be 0...0.5 (got \(v))"
            case .relight: return v.isFinite && v >= 0 && v <= 1 ? nil : "\(step) \"strength\" must be 0...1 (got \(v))"
            }
        }
    }

    /// One step: a kind, its strength, and how often it applies.
    public struct Step: Codable, Sendable, Equatable {
        public var kind: Kind
        public var strength: Strength
        /// Chance of applying the step (1 = always, no draw).
        public var probability: Double

        public init(kind: Kind, strength: Strength, probability: Double = 1) {
            self.kind = kind
            self.strength = strength
            self.probability = probability
        }

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            kind = try c.decode(Kind.self, forKey: AnyKey("kind"))
            let allowed: Set = ["kind", "probability", kind.parameter]
            if let extra = c.allKeys.map(\.stringValue).first(where: { !allowed.contains($0) }) {
                throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                    debugDescription: "unknown key \"\(extra)\" in a \(kind.rawValue) step; its keys are kind, \(kind.parameter), probability"))
            }
            guard c.contains(AnyKey(kind.parameter)) else {
                throw DecodingError.keyNotFound(AnyKey(kind.parameter), .init(codingPath: c.codingPath,
                    debugDescription: "a \(kind.rawValue) step needs \"\(kind.parameter)\""))
            }
            strength = try c.decode(Strength.self, forKey: AnyKey(kind.parameter))
            probability = try c.decodeIfPresent(Double.self, forKey: AnyKey("probability")) ?? 1
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(kind, forKey: AnyKey("kind"))
            try c.encode(strength, forKey: AnyKey(kind.parameter))
            if probability != 1 { try c.encode(probability, forKey: AnyKey("probability")) }
        }
    }

    /// Seed of every draw.
    public var seed: UInt64
    /// Splits whose images are perturbed (default: `test`).
    public var splits: [String]
    /// Applied in order.
    public var steps: [Step]

    public init(seed: UInt64 = 0, splits: [String] = ["test"], steps: [Step]) {
        self.seed = seed
        self.splits = splits
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey { case seed, splits, steps }

    public init(from decoder: Decoder) throws {
        let keys = try decoder.container(keyedBy: Step.AnyKey.self).allKeys.map(\.stringValue)
        if let extra = keys.first(where: { CodingKeys(rawValue: $0) == nil }) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "unknown key \"\(extra)\" in \"perturbation\"; its keys are seed, splits, steps"))
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        splits = try c.decodeIfPresent([String].self, forKey: .splits) ?? ["test"]
        steps = try c.decode([Step].self, forKey: .steps)
    }

    /// Checks strengths, probabilities and splits; `path` names the file in errors.
    public func validate(path: String) throws {
        func fail(_ p: String) -> LoaderError { .protocolFile(path: path, problem: "\"perturbation\": \(p)") }
        guard !steps.isEmpty else { throw fail("\"steps\" is empty") }
        guard !splits.isEmpty, splits.allSatisfy(Splits.names.contains) else {
            throw fail("\"splits\" is \(splits); expected some of \(Splits.names.joined(separator: ", "))")
        }
        for (i, step) in steps.enumerated() {
            let name = "step \(i) (\(step.kind.rawValue))"
            guard step.probability > 0, step.probability <= 1 else { throw fail("\(name) \"probability\" must be in (0, 1] (got \(step.probability))") }
            let values = step.strength.extremes
            guard !values.isEmpty else { throw fail("\(name) \"choice\" lists no value") }
            if case let .uniform(a, b) = step.strength, !(a <= b) { throw fail("\(name) \"uniform\" needs low <= high (got [\(a), \(b)])") }
            for v in values { if let p = try step.kind.check(v, step: name) { throw fail(p) } }
            if case let .uniform(a, b) = step.strength, step.kind == .blur, a != b {
                throw fail("\(name) \"kernel\" must be a number or {\"choice\": [...]}: kernel sizes are odd")
            }
        }
    }

    /// True when samples of `split` are perturbed.
    public func applies(to split: String) -> Bool { splits.contains(split) }

    /// The steps drawn for one sample: each applied step with its strength and the generator of its
    /// own draws (positioned after the strength).
    public func draw(key: String) -> [(kind: Kind, value: Double, rng: SeededRandom)] {
        var out: [(Kind, Double, SeededRandom)] = []
        for (i, step) in steps.enumerated() {
            var rng = SeededRandom(seed: seed, "perturb", key, String(i))
            if step.probability < 1 && !(rng.nextDouble() < step.probability) { continue }
            let v = step.strength.draw(&rng, integer: step.kind.integer)
            out.append((step.kind, v, rng))
        }
        return out
    }

    /// `image` of sample `key` after every drawn step.
    public func apply(to image: RGBImage, key: String) throws -> RGBImage {
        var img = image
        for (kind, value, rng) in draw(key: key) {
            var r = rng
            img = try ImagePerturbations.apply(kind, value: value, to: img, rng: &r)
        }
        return img
    }

    /// `image` of `sample` perturbed when its split is one of ``splits``, else unchanged.
    public func apply(to image: RGBImage, sample: SampleRecord) throws -> RGBImage {
        applies(to: sample.split) ? try apply(to: image, key: sample.key) : image
    }

    /// A one-line description, e.g. `jpeg quality 75; noise variance uniform 5...20 (p 0.5)`.
    public var summary: String {
        steps.map { s in
            let v: String
            switch s.strength {
            case let .fixed(x): v = Self.format(x)
            case let .uniform(a, b): v = "uniform \(Self.format(a))...\(Self.format(b))"
            case let .choice(xs): v = "one of \(xs.map(Self.format).joined(separator: ", "))"
            }
            return "\(s.kind.rawValue) \(s.kind.parameter) \(v)" + (s.probability < 1 ? " (p \(Self.format(s.probability)))" : "")
        }.joined(separator: "; ") + " on \(splits.joined(separator: ", ")), seed \(seed)"
    }

    static func format(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}
