import Foundation
import SISRCore
import SRModels

/// Where the perceptual network's weights come from.
public enum PerceptualWeights: Sendable, Equatable {
    /// A torchvision `vgg19` / `resnet18` state dict file.
    case file(String)
    /// Seeded random weights (demo runs without a download); results are labelled so.
    case random(seed: UInt64)
}

/// One `sisr train` run: an option file turned into a trainer, its data, and the loop with
/// checkpoints, resume, logs and validation.
public final class TrainingRun {
    public let options: TrainingOptions
    public let folder: ExperimentFolder
    public let trainer: SRTrainer
    public let sampler: BatchSampler
    public let validation: [PairedImages]
    public let seed: UInt64
    public private(set) var startIteration = 0
    var log = TrainingLog()

    /// - Parameters:
    ///   - out: the folder that receives `experiments/<name>/`.
    ///   - base: relative dataset paths in the option file are resolved against it.
    ///   - resume: continue from the latest `training_states/<iter>.state` (or `path.resume_state`).
    public init(options: TrainingOptions, out: URL, base: URL, resume: Bool, perceptual: PerceptualWeights?) throws {
        self.options = options
        folder = ExperimentFolder(out: out, name: options.name)
        seed = UInt64(options.manualSeed ?? 0)
        let ds = options.trainDataset
        let data = try PairedImages(ds, scale: options.scale, relativeTo: base)
        sampler = try BatchSampler(
            data: data, seed: seed, batchSize: ds.batchSizePerGPU ?? 1, gtSize: ds.gtSize ?? 0, enlargeRatio: ds.enlargeRatio,
            hflip: ds.useHFlip, rotation: ds.useRot)
        validation = try options.valDatasets.map { try PairedImages($0, scale: options.scale, relativeTo: base) }
        trainer = try Self.makeTrainer(options, seed: seed, perceptual: perceptual, base: base)
        try folder.create()
        if resume || options.path.resumeState != nil {
            let url = options.path.resumeState.map { URL(fileURLWithPath: $0, relativeTo: base) }
                ?? folder.latestState().map { folder.stateURL($0) }
            if let url {
                startIteration = try trainer.loadState(from: url)
                log = (try? TrainingLog.read(folder.log))?.truncated(after: startIteration) ?? TrainingLog()
            }
        }
    }

    static func makeTrainer(_ o: TrainingOptions, seed: UInt64, perceptual: PerceptualWeights?, base: URL) throws -> SRTrainer {
        let t = o.train
        guard t.pixelLoss?.reduction ?? "mean" == "mean" else {
            throw SISRError.invalidArgument("\(o.file): train.pixel_opt.reduction 'sum' is not supported by sisr train (use mean)")
        }
        guard t.optimG.weightDecay == 0, (t.optimD?.weightDecay ?? 0) == 0 else {
            throw SISRError.invalidArgument("\(o.file): Adam weight_decay other than 0 is not supported by sisr train")
        }
        if let gan = t.ganLoss, gan.realLabelVal != 1 || gan.fakeLabelVal != 0 {
            throw SISRError.invalidArgument("\(o.file): train.gan_opt labels other than 1 / 0 are not supported by sisr train")
        }
        let json = try o.networkG.configJSON
        let g = try makeTrainableGenerator(o.networkG.architecture, configJSON: json, seed: seed)
        if let pre = o.path.pretrainNetworkG {
            let url = URL(fileURLWithPath: pre, relativeTo: base)
            try g.parameters.load(try pretrainedStateDict(url, key: o.path.paramKeyG), source: pre)
        }
        let ema = t.emaDecay > 0 ? try makeTrainableGenerator(o.networkG.architecture, configJSON: json, seed: seed) : nil
        var losses = LossSetup()
        if let p = t.pixelLoss { losses.pixel = (p.kind == .l1 ? .l1 : .l2, Float(p.lossWeight)) }
        if let p = t.perceptualLoss { losses.perceptual = try perceptualLoss(p, weights: perceptual, file: o.file) }
        var d: VGGStyleDiscriminator?
        if let nd = o.networkD {
            d = try VGGStyleDiscriminator(inChannels: nd.numInCh, features: nd.numFeat, inputSize: nd.inputSize, seed: seed, name: "net_d")
            losses.ganWeight = Float(t.ganLoss?.lossWeight ?? 1)
        }
        let adam = { (list: ParameterList, opt: OptimizerOptions) in
            Adam(list.parameters, learningRate: opt.lr, betas: (opt.betas[0], opt.betas[1]))
        }
        let trainer = SRTrainer(
            generator: g, ema: ema, emaDecay: t.emaDecay, discriminator: d, losses: losses, optimizerG: adam(g.parameters, t.optimG),
            optimizerD: d.flatMap { d in t.optimD.map { adam(d.parameters, $0) } }, schedule: t.scheduler)
        if let pre = o.path.pretrainNetworkG, let ema {
            // BasicSR starts net_g_ema from the file's `params_ema` (its `params` when it has none).
            let url = URL(fileURLWithPath: pre, relativeTo: base)
            try ema.parameters.load(try pretrainedStateDict(url, key: "params_ema"), source: pre)
        }
        trainer.warmupIter = t.warmupIter
        trainer.netDIters = t.netDIters
        trainer.netDInitIters = t.netDInitIters
        return trainer
    }

    /// The state dict of a `pretrain_network_g` file under `key` (`params` / `params_ema`), as BasicSR's
    /// `load_network` picks it: `key`, else `params`; a plain state dict (no such keys) is used as is.
    /// The file is read once; it is unwrapped a second time only when the automatic choice
    /// (`params_ema` before `params`) is not the root asked for.
    static func pretrainedStateDict(_ url: URL, key: String) throws -> StateDict {
        let bytes = try readCheckpointFile(url)
        let checkpoint = try loadCheckpoint(bytes: bytes, path: url.path)
        for k in [key, "params"] where hasRoot(checkpoint, k) {
            if checkpoint.unwrapPath == [k] { return checkpoint.stateDict() }
            if let c = try? loadCheckpoint(bytes: bytes, path: url.path, options: WeightLoadOptions(rootKey: k)) { return c.stateDict() }
        }
        if checkpoint.unwrapPath.isEmpty { return checkpoint.stateDict() }
        throw SISRError.invalidArgument("\(url.path): no '\(key)' or 'params' state dict (root keys: \(checkpoint.rootKeys.joined(separator: ", ")))")
    }

    /// Whether `checkpoint`'s root has the key `k` (a pickled dict's key; for safetensors, a tensor
    /// name prefix `k.`; TensorFlow files have no wrapper keys).
    static func hasRoot(_ checkpoint: Checkpoint, _ k: String) -> Bool {
        switch checkpoint.format {
        case .safetensors: return checkpoint.rootKeys.contains { $0.hasPrefix(k + ".") }
        case .torchZip, .torchLegacy: return checkpoint.rootKeys.contains(String(k.split(separator: ".").first ?? Substring(k)))
        case .tensorflowV1: return false
        }
    }

    static func perceptualLoss(_ p: PerceptualLossOptions, weights: PerceptualWeights?, file: String) throws -> PerceptualLoss {
        let layers = p.layerWeights.map(\.layer)
        let net: FeatureNetwork
        switch (p, weights) {
        case (_, nil):
            throw SISRError.invalidArgument(
                "\(file): train.perceptual_opt needs the feature network's weights: pass --perceptual-weights FILE (torchvision "
                    + "vgg19 / resnet18 .pth) or --random-perceptual SEED")
        case let (.vgg(v), .file(path)?):
            net = try VGG19Features(loadStateDict(URL(fileURLWithPath: path)), layers: layers, useInputNorm: v.useInputNorm, rangeNorm: v.rangeNorm, source: path)
        case let (.vgg(v), .random(s)?):
            net = try VGG19Features(VGG19Features.randomWeights(seed: s), layers: layers, useInputNorm: v.useInputNorm, rangeNorm: v.rangeNorm, source: "random VGG19")
        case let (.resnet, .file(path)?):
            guard layers.count == 1, layers[0].hasPrefix("layer") else {
                throw SISRError.invalidArgument("\(file): sisr train supports one ResNetPerceptualLoss layer, layer1 ... layer4")
            }
            net = try ResNet18Features(loadStateDict(URL(fileURLWithPath: path)), layer: layers[0], source: path)
        case (.resnet, .random?):
            throw SISRError.invalidArgument("\(file): --random-perceptual supports VGG19 only")
        }
        let w = Dictionary(uniqueKeysWithValues: p.layerWeights.map { ($0.layer, Float($0.weight)) })
        return PerceptualLoss(network: net, layerWeights: w, criterion: p.criterion == .l1 ? .l1 : .l2, weight: Float(p.perceptualWeight))
    }

    /// Trains from the current iteration to `total_iter` (or `stopAfter`, for tests of resume), saving
    /// checkpoints every `save_checkpoint_freq` iterations and at the end (`net_g_latest`).
    public func run(stopAfter: Int? = nil, progress: Bool = true) throws {
        let total = options.train.totalIter, last = min(total, stopAfter ?? total)
        guard startIteration < last else { return }
        let reporter = ProgressReporter(total: last - startIteration, label: "train \(options.name)", force: progress ? nil : false)
        let started = Date()
        for iter in (startIteration + 1)...last {
            let (lq, gt) = sampler.batch(iter)
            let losses = trainer.iterate(iter, lq: lq, gt: gt)
            reporter.advance()
            if iter % options.logger.printFreq == 0 || iter == last {
                log.append(iter: iter, lr: trainer.optimizerG.learningRate, losses: losses, seconds: Date().timeIntervalSince(started))
            }
            if let v = options.val, iter % v.valFreq == 0 || (iter == total && !validation.isEmpty) {
                log.addValidation(iter: iter, validate())
            }
            if iter % options.logger.saveCheckpointFreq == 0 {
                try trainer.saveNetworks(folder, tag: String(iter))
                try trainer.saveState(to: folder.stateURL(iter), iteration: iter)
            }
            if iter % options.logger.printFreq == 0 || iter == last {
                try log.write(folder.log)
                try LossPlot.write(log, to: folder.plot)
            }
        }
        reporter.finish()
        if last == total { try trainer.saveNetworks(folder, tag: "latest") }
        startIteration = last
    }

    /// PSNR (dB) of every validation set with the EMA generator if any (as BasicSR validates
    /// `net_g_ema`), by metric name.
    func validate() -> [String: Double] {
        guard let metrics = options.val?.metrics, !metrics.isEmpty else { return [:] }
        let net = trainer.ema ?? trainer.generator
        var out: [String: Double] = [:]
        for (set, data) in zip(options.valDatasets, validation) {
            var sums = [Double](repeating: 0, count: metrics.count)
            for (lqImage, gtImage) in zip(data.lq, data.gt) {
                let x = Tensor(shape: [1, 3, lqImage.height, lqImage.width], data: lqImage.planarFloats())
                let y = net.forward(Variable(x)).value
                let sr = RGBImage.fromPlanar(y.data, width: y.nchw.w, height: y.nchw.h)
                for (i, m) in metrics.enumerated() where m.type == "calculate_psnr" {
                    sums[i] += basicSRPSNR(sr, gtImage, cropBorder: m.cropBorder, yChannel: m.testYChannel)
                }
            }
            for (i, m) in metrics.enumerated() where m.type == "calculate_psnr" {
                out["\(set.name)/\(m.name)"] = sums[i] / Double(max(1, data.gt.count))
            }
        }
        return out
    }
}

/// BasicSR `calculate_psnr` on 8-bit images: crop `cropBorder` pixels from each side, optionally the Y
/// channel of ITU-R BT.601 (`16 + (65.481 R + 128.553 G + 24.966 B) / 255` on [0, 255]), then
/// `10 log10d(255^2 / MSE)` (infinite when equal).
public func basicSRPSNR(_ a: RGBImage, _ b: RGBImage, cropBorder c: Int, yChannel: Bool) -> Double {
    precondition(a.width == b.width && a.height == b.height, "PSNR of different sizes")
    var se = 0.0, n = 0
    for y in c..<max(c, a.height - c) {
        for x in c..<max(c, a.width - c) {
            if yChannel {
                func luma(_ im: RGBImage) -> Double {
                    (65.481 * Double(im[x, y, 0]) + 128.553 * Double(im[x, y, 1]) + 24.966 * Double(im[x, y, 2])) / 255 + 16
                }
                let d = luma(a) - luma(b)
                se += d * d
                n += 1
            } else {
                for ch in 0..<3 {
                    let d = Double(a[x, y, ch]) - Double(b[x, y, ch])
                    se += d * d
                    n += 1
                }
            }
        }
    }
    let mse = se / Double(max(1, n))
    return mse == 0 ? .infinity : 10 * log10d(255 * 255 / mse)
}
