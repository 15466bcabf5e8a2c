import Foundation
import SISRCore
import SISRTraining
import SRModels
import Testing

/// Fixtures of Scripts/make_training_fixtures.py: PyTorch (BasicSR's arch files) trained tiny networks
/// for 5 iterations; we replay the same iterations and compare.
enum TrainingFixtures {
    static var root: URL { fixtures.url("training") }

    struct Pixel: Decodable { let criterion: String, weight: Float }
    struct Perceptual: Decodable { let network: String, weights: String, layers: [String: Float], criterion: String, weight: Float }
    struct GAN: Decodable { let num_feat: Int, input_size: Int, weight: Float }
    struct Case: Decodable, CustomStringConvertible {
        let name: String, arch: String
        let config: JSONValue
        let batches: Int
        let pixel: Pixel?
        let perceptual: Perceptual?
        let gan: GAN?
        var description: String { name }
    }
    struct Manifest: Decodable {
        let iterations: Int, lr: Double, betas: [Double], milestones: [Int], gamma: Double, ema_decay: Double
        let cases: [Case]
    }

    static func manifest() throws -> Manifest { try fixtures.decode(Manifest.self, "training/manifest.json") }
}

/// `max |a - b| <= tol * max(max |b|, floor)` (relative to the tensor's scale).
func expectClose(_ a: [Float], _ b: [Float], relative tol: Float, floor: Float = 1e-12, _ what: String) {
    #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
    guard a.count == b.count else { return }
    let scale = max(b.map { abs($0) }.max() ?? 0, floor)
    let err = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    #expect(err <= tol * scale, "\(what): max error \(err), scale \(scale)")
}

func expectAbsClose(_ a: [Float], _ b: [Float], tol: Float, _ what: String) {
    #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
    let err = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    #expect(err <= tol, "\(what): max error \(err)")
}

@Suite struct TrainingParityTests {
    static func trainer(for c: TrainingFixtures.Case, dict: StateDict) throws -> SRTrainer {
        let m = try TrainingFixtures.manifest()
        let json = Data(try CanonicalJSON.encode(c.config))
        let arch = try Architecture(named: c.arch)
        let g = try makeTrainableGenerator(arch, configJSON: json, seed: 1)
        try g.parameters.load(prefixed: dict, prefix: "init.", source: c.name)
        let ema = try makeTrainableGenerator(arch, configJSON: json, seed: 1)
        var losses = LossSetup()
        if let p = c.pixel { losses.pixel = (p.criterion == "l1" ? .l1 : .l2, p.weight) }
        if let p = c.perceptual {
            let weights = try loadStateDict(TrainingFixtures.root.appendingPathComponent(p.weights))
            let net: FeatureNetwork = p.network == "vgg19"
                ? try VGG19Features(weights, layers: p.layers.keys.sorted(), source: p.weights)
                : try ResNet18Features(weights, layer: "layer3", source: p.weights)
            losses.perceptual = PerceptualLoss(network: net, layerWeights: p.layers, criterion: p.criterion == "l1" ? .l1 : .l2, weight: p.weight)
        }
        var d: VGGStyleDiscriminator?
        if let gan = c.gan {
            d = try VGGStyleDiscriminator(features: gan.num_feat, inputSize: gan.input_size, seed: 2)
            try d!.parameters.load(prefixed: dict, prefix: "init_d.", source: c.name)
            losses.ganWeight = gan.weight
        }
        return SRTrainer(
            generator: g, ema: ema, emaDecay: m.ema_decay, discriminator: d, losses: losses,
            optimizerG: Adam(g.parameters.parameters, learningRate: m.lr, betas: (m.betas[0], m.betas[1])),
            optimizerD: d.map { Adam($0.parameters.parameters, learningRate: m.lr, betas: (m.betas[0], m.betas[1])) },
            schedule: SchedulerOptions(milestones: m.milestones, gamma: m.gamma))
    }

    @Test(arguments: try TrainingFixtures.manifest().cases)
    func matchesPyTorch(_ c: TrainingFixtures.Case) throws {
        let dict = try loadStateDict(TrainingFixtures.root.appendingPathComponent("\(c.name).safetensors"))
        let t = try Self.trainer(for: c, dict: dict)
        for it in 1...(try TrainingFixtures.manifest().iterations) {
            let b = (it - 1) % c.batches + 1
            let log = t.iterate(it, lq: dict["lq.\(b)"]!, gt: dict["gt.\(b)"]!)
            let want = dict["loss.\(it)"]!.data[0]
            #expect(abs(log.generator! - want) <= 1e-5 * max(abs(want), 1e-3), "\(c.name) loss at iteration \(it): \(log.generator!) vs \(want)")
            if let d = dict["loss_d.\(it)"] {
                #expect(abs(log.discriminatorReal! - d.data[0]) <= 1e-4 * max(d.data[0], 1e-3), "D real loss \(it)")
                #expect(abs(log.discriminatorFake! - d.data[1]) <= 1e-4 * max(d.data[1], 1e-3), "D fake loss \(it)")
            }
            if it == 1 {
                for p in t.generator.parameters.parameters {
                    expectClose(p.grad, dict["grad.\(p.key)"]!.data, relative: 1e-5, "\(c.name) grad \(p.key)")
                }
                for p in t.discriminator?.parameters.parameters ?? [] {
                    expectClose(p.grad, dict["grad_d.\(p.key)"]!.data, relative: 1e-5, "\(c.name) D grad \(p.key)")
                }
            }
        }
        for p in t.generator.parameters.parameters {
            expectAbsClose(p.value.data, dict["final.\(p.key)"]!.data, tol: 1e-5, "\(c.name) final \(p.key)")
        }
        for p in t.ema!.parameters.parameters {
            expectAbsClose(p.value.data, dict["ema.\(p.key)"]!.data, tol: 1e-5, "\(c.name) ema \(p.key)")
        }
        if let d = t.discriminator {
            for (k, v) in d.parameters.stateDict {
                expectAbsClose(v.data, dict["final_d.\(k)"]!.data, tol: 1e-5, "\(c.name) final D \(k)")
            }
        }
    }

    /// The trained generator's forward pass equals the inference engine's on the same weights.
    @Test(arguments: try TrainingFixtures.manifest().cases.filter { $0.gan == nil })
    func forwardMatchesEngine(_ c: TrainingFixtures.Case) throws {
        let dict = try loadStateDict(TrainingFixtures.root.appendingPathComponent("\(c.name).safetensors"))
        let t = try Self.trainer(for: c, dict: dict)
        let lq = dict["lq.1"]!
        let y = t.generator.forward(Variable(lq)).value
        let net = try Architecture(named: c.arch).build(
            configJSON: Data(try CanonicalJSON.encode(c.config)), stateDict: t.generator.parameters.stateDict, name: c.name)
        let n = lq.shape[0]
        let per = lq.count / n
        for b in 0..<n {
            let one = Tensor(shape: [1] + Array(lq.shape.dropFirst()), data: Array(lq.data[(b * per)..<((b + 1) * per)]))
            let ref = net(one).data
            let outPer = y.count / n
            expectClose(Array(y.data[(b * outPer)..<((b + 1) * outPer)]), ref, relative: 1e-5, "\(c.name) forward image \(b)")
        }
    }
}
