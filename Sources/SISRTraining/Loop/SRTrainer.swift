import SRModels

/// The losses of one model, as BasicSR's `pixel_opt`, `perceptual_opt` and `gan_opt`.
public struct LossSetup {
    public enum PixelCriterion: String, Sendable { case l1, l2 }
    public var pixel: (criterion: PixelCriterion, weight: Float)?
    public var perceptual: PerceptualLoss?
    /// Vanilla GAN (BCE with logits, labels 1 / 0), its `loss_weight` for the generator.
    public var ganWeight: Float?

    public init(pixel: (criterion: PixelCriterion, weight: Float)? = nil, perceptual: PerceptualLoss? = nil, ganWeight: Float? = nil) {
        self.pixel = pixel
        self.perceptual = perceptual
        self.ganWeight = ganWeight
    }
}

/// The losses logged for one iteration.
public struct IterationLosses: Equatable, Sendable {
    public var generator: Float?
    public var pixel: Float?
    public var perceptual: Float?
    public var gan: Float?
    public var discriminatorReal: Float?
    public var discriminatorFake: Float?
}

/// One BasicSR model's `optimize_parameters`: `SRModel` (generator only) or `SRGANModel` (with a
/// discriminator): schedulers stepped before every iteration but the first, the generator step (when
/// `iteration % netDIters == 0 && iteration > netDInitIters` for GANs), then the discriminator step on
/// the real batch and the detached fake (gradients accumulated), then the EMA update.
public final class SRTrainer {
    public let generator: TrainableNetwork
    public let ema: TrainableNetwork?
    public let emaDecay: Double
    public let discriminator: VGGStyleDiscriminator?
    public let losses: LossSetup
    public let optimizerG: Adam
    public let optimizerD: Adam?
    public let schedule: SchedulerOptions
    public let baseLRG: Double, baseLRD: Double?
    public var warmupIter = -1
    public var netDIters = 1
    public var netDInitIters = 0

    public init(
        generator: TrainableNetwork, ema: TrainableNetwork?, emaDecay: Double, discriminator: VGGStyleDiscriminator?,
        losses: LossSetup, optimizerG: Adam, optimizerD: Adam? = nil, schedule: SchedulerOptions
    ) {
        self.generator = generator
        self.ema = ema
        self.emaDecay = emaDecay
        self.discriminator = discriminator
        self.losses = losses
        self.optimizerG = optimizerG
        self.optimizerD = optimizerD
        self.schedule = schedule
        baseLRG = optimizerG.learningRate
        baseLRD = optimizerD?.learningRate
        if let ema { ema.parameters.copyValues(from: generator.parameters) }
    }

    /// Runs iteration `iteration` (1-based) on one batch (`lq` `[N, 3, h, w]`, `gt` `[N, 3, sh, sw]`).
    @discardableResult
    public func iterate(_ iteration: Int, lq: Tensor, gt: Tensor) -> IterationLosses {
        optimizerG.learningRate = schedule.learningRate(base: baseLRG, atIteration: iteration, warmupIter: warmupIter)
        if let optimizerD, let baseLRD {
            optimizerD.learningRate = schedule.learningRate(base: baseLRD, atIteration: iteration, warmupIter: warmupIter)
        }
        var log = IterationLosses()
        let gtVar = Variable(gt)
        discriminator?.parameters.setRequiresGrad(false)
        generator.parameters.zeroGrad()
        let output = generator.forward(Variable(lq))
        if discriminator == nil || (iteration % netDIters == 0 && iteration > netDInitIters) {
            var terms: [(loss: Variable, weight: Float)] = []
            if let (criterion, weight) = losses.pixel {
                let l = criterion == .l1 ? l1Loss(output, gtVar) : mseLoss(output, gtVar)
                terms.append((l, weight))
                log.pixel = l.value.data[0] * weight
            }
            if let p = losses.perceptual {
                let l = p(output, gtVar)
                terms.append((l, 1))
                log.perceptual = l.value.data[0]
            }
            if let d = discriminator, let w = losses.ganWeight {
                let l = bceWithLogits(d.forward(output), target: 1)
                terms.append((l, w))
                log.gan = l.value.data[0] * w
            }
            let total = weightedSum(terms)
            log.generator = total.value.data[0]
            backward(total)
            optimizerG.step()
        }
        if let d = discriminator, let optimizerD {
            d.parameters.setRequiresGrad(true)
            d.parameters.zeroGrad()
            let real = bceWithLogits(d.forward(gtVar), target: 1)
            backward(real)
            let fake = bceWithLogits(d.forward(output.detached()), target: 0)
            backward(fake)
            optimizerD.step()
            (log.discriminatorReal, log.discriminatorFake) = (real.value.data[0], fake.value.data[0])
        }
        if let ema, emaDecay > 0 { updateEMA(ema.parameters, from: generator.parameters, decay: emaDecay) }
        return log
    }
}
