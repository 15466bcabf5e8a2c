/// The `train:` section: EMA, optimisers, schedule, iterations, losses, discriminator cadence.
public struct TrainOptions: Sendable, Equatable {
    /// `ema_decay` (BasicSR default 0 = no EMA; `params_ema` is saved when > 0).
    public var emaDecay: Double
    public var optimG: OptimizerOptions
    public var optimD: OptimizerOptions?
    public var scheduler: SchedulerOptions
    public var totalIter: Int
    /// `warmup_iter` (BasicSR default -1 = none): linear warm-up over that many iterations.
    public var warmupIter: Int
    public var pixelLoss: PixelLossOptions?
    public var perceptualLoss: PerceptualLossOptions?
    public var ganLoss: GANLossOptions?
    /// `net_d_iters` (default 1): the generator steps on iterations divisible by it.
    public var netDIters: Int
    /// `net_d_init_iters` (default 0): the generator does not step before this iteration.
    public var netDInitIters: Int
    var netDItersGiven = false
    var netDInitItersGiven = false

    static let keys = [
        "ema_decay", "optim_g", "optim_d", "scheduler", "total_iter", "warmup_iter", "pixel_opt", "perceptual_opt",
        "gan_opt", "net_d_iters", "net_d_init_iters",
    ]

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: Self.keys)
        emaDecay = try m.double("ema_decay") ?? 0
        guard emaDecay >= 0 && emaDecay < 1 else { throw m.fail("ema_decay", "must be in [0, 1)") }
        optimG = try OptimizerOptions(m.required("optim_g"))
        optimD = try m["optim_d"].map(OptimizerOptions.init)
        scheduler = try SchedulerOptions(m.required("scheduler"))
        totalIter = try m.required("total_iter").int()
        guard totalIter > 0 else { throw m.fail("total_iter", "must be positive") }
        warmupIter = try m.int("warmup_iter") ?? -1
        guard warmupIter == -1 || (warmupIter >= 0 && warmupIter <= totalIter) else {
            throw m.fail("warmup_iter", "must be -1 (none) or between 0 and total_iter")
        }
        pixelLoss = try m["pixel_opt"].map(PixelLossOptions.init)
        perceptualLoss = try m["perceptual_opt"].map(PerceptualLossOptions.init)
        ganLoss = try m["gan_opt"].map(GANLossOptions.init)
        netDItersGiven = m["net_d_iters"] != nil
        netDInitItersGiven = m["net_d_init_iters"] != nil
        netDIters = try m.int("net_d_iters") ?? 1
        netDInitIters = try m.int("net_d_init_iters") ?? 0
        guard netDIters >= 1 else { throw m.fail("net_d_iters", "must be >= 1") }
        guard netDInitIters >= 0 else { throw m.fail("net_d_init_iters", "must be >= 0") }
    }
}

/// `optim_g` / `optim_d`: `torch.optim.Adam(params, lr, betas, weight_decay)`.
public struct OptimizerOptions: Sendable, Equatable {
    public var type: String
    public var lr: Double
    public var weightDecay: Double
    /// torch's default (0.9, 0.999) when absent; BasicSR's reference files use [0.9, 0.99].
    public var betas: [Double]

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: ["type", "lr", "weight_decay", "betas"])
        type = try m.choice("type", ["Adam"])
        lr = try m.required("lr").double()
        weightDecay = try m.double("weight_decay") ?? 0
        betas = try m["betas"].map { try $0.list().map { try $0.double() } } ?? [0.9, 0.999]
        guard lr > 0 else { throw m.fail("lr", "must be positive") }
        guard weightDecay >= 0 else { throw m.fail("weight_decay", "must be >= 0") }
        guard betas.count == 2, betas.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
            throw m.fail("betas", "must be two numbers in [0, 1)")
        }
    }
}

/// `scheduler`: BasicSR's `MultiStepLR` (its `MultiStepRestartLR` without restarts): lr * gamma at
/// each milestone.
public struct SchedulerOptions: Sendable, Equatable {
    public var type: String
    public var milestones: [Int]
    public var gamma: Double

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: ["type", "milestones", "gamma"])
        type = try m.choice("type", ["MultiStepLR"])
        milestones = try m.required("milestones").list().map { try $0.int() }
        gamma = try m.double("gamma") ?? 0.1
        guard zip(milestones, milestones.dropFirst()).allSatisfy({ $0 <= $1 }), milestones.allSatisfy({ $0 > 0 }) else {
            throw m.fail("milestones", "must be positive and in increasing order")
        }
        guard gamma > 0 else { throw m.fail("gamma", "must be positive") }
    }

    /// The learning rate BasicSR uses at iteration `iter` (1-based), warm-up aside. The scheduler is
    /// stepped before every iteration but the first, so a milestone `k` first applies at iteration
    /// `k + 1`; at each milestone reached the rate is multiplied by gamma^count (count = how often the
    /// milestone is listed), in Double, in the same order as `MultiStepRestartLR`.
    public func learningRate(base: Double, atIteration iter: Int) -> Double {
        let epoch = max(iter - 1, 0)
        var lr = base
        var i = 0
        while i < milestones.count, milestones[i] <= epoch {
            var j = i
            var power = 1.0
            while j < milestones.count, milestones[j] == milestones[i] {
                power = j == i ? gamma : power * gamma
                j += 1
            }
            lr *= power
            i = j
        }
        return lr
    }
}
