import Foundation
import SISRCore
import SRModels
import Testing

@testable import SISRTraining

/// A complete SRGANModel file in the form of `manifests/training/` (EDSR x4, VGG19 relu5_4 + GAN).
let ganOptions = """
    name: EDSR-div2k-x4-VGG_GAN-s1
    model_type: SRGANModel
    scale: 4
    num_gpu: auto
    manual_seed: 1
    datasets:
      train:
        name: DIV2K
        type: PairedImageDataset
        dataroot_gt: datasets/DIV2K/DIV2K_train_HR
        dataroot_lq: datasets/DIV2K/DIV2K_train_LR_bicubic/X4
        meta_info_file: manifests/training/meta_info/div2k.txt
        filename_tmpl: '{}x4'
        io_backend:
          type: disk
        gt_size: 128
        use_hflip: true
        use_rot: true
        batch_size_per_gpu: 16
        num_worker_per_gpu: 6
        dataset_enlarge_ratio: 100
      val:
        name: DIV2K_val
        type: PairedImageDataset
        dataroot_gt: datasets/DIV2K/DIV2K_valid_HR
        dataroot_lq: datasets/DIV2K/DIV2K_valid_LR_bicubic/X4
        filename_tmpl: '{}x4'
        io_backend:
          type: disk
    network_g:
      type: EDSR
      num_in_ch: 3
      num_out_ch: 3
      num_feat: 64
      num_block: 16
      upscale: 4
      res_scale: 1
      img_range: 255.
      rgb_mean: [0.4488, 0.4371, 0.4040]
    network_d:
      type: VGGStyleDiscriminator
      num_in_ch: 3
      num_feat: 64
      input_size: 128
    path:
      pretrain_network_g: ~
      strict_load_g: true
      resume_state: ~
    train:
      ema_decay: 0.999
      optim_g:
        type: Adam
        lr: !!float 1e-4
        weight_decay: 0
        betas: [0.9, 0.99]
      optim_d:
        type: Adam
        lr: !!float 1e-4
        weight_decay: 0
        betas: [0.9, 0.99]
      scheduler:
        type: MultiStepLR
        milestones: [50000]
        gamma: 0.5
      total_iter: 50000
      warmup_iter: -1
      perceptual_opt:
        type: PerceptualLoss
        layer_weights:
          'relu5_4': 1.0
        vgg_type: vgg19
        use_input_norm: true
        range_norm: false
        perceptual_weight: 1.0
        style_weight: 0
        criterion: l2
      gan_opt:
        type: GANLoss
        gan_type: vanilla
        real_label_val: 1.0
        fake_label_val: 0.0
        loss_weight: !!float 1e-3
      net_d_iters: 1
      net_d_init_iters: 0
    val:
      val_freq: !!float 5e3
      save_img: false
      metrics:
        psnr:
          type: calculate_psnr
          crop_border: 4
          test_y_channel: false
    logger:
      print_freq: 100
      save_checkpoint_freq: !!float 5e3
      use_tb_logger: true

    """

func parse(_ yaml: String, file: String = "opts.yml") throws -> TrainingOptions {
    try TrainingOptions.parse(yaml: yaml, file: file)
}

/// The message of the error parsing `yaml` throws (fails the test if it parses).
func parseError(_ yaml: String, file: String = "opts.yml") -> String {
    do {
        _ = try parse(yaml, file: file)
        Issue.record("expected an error")
        return ""
    } catch { return "\(error)" }
}

/// `ganOptions` with the first occurrence of `old` replaced.
func edited(_ old: String, _ new: String, in yaml: String = ganOptions) -> String {
    guard let r = yaml.range(of: old) else {
        Issue.record("'\(old)' not in the options")
        return yaml
    }
    return yaml.replacingCharacters(in: r, with: new)
}

@Suite("BasicSR option files")
struct OptionsTests {
    @Test("a complete SRGANModel file reads into typed values")
    func complete() throws {
        let o = try parse(ganOptions)
        #expect(o.name == "EDSR-div2k-x4-VGG_GAN-s1")
        #expect(o.modelType == .srganModel && o.scale == 4 && o.numGPU == .auto && o.manualSeed == 1)
        #expect(o.trainDataset.gtSize == 128 && o.trainDataset.batchSizePerGPU == 16 && o.trainDataset.enlargeRatio == 100)
        #expect(o.trainDataset.filenameTemplate == "{}x4" && o.trainDataset.useHFlip && o.trainDataset.useRot)
        #expect(o.trainDataset.metaInfoFile == "manifests/training/meta_info/div2k.txt")
        #expect(o.valDatasets.map(\.name) == ["DIV2K_val"])
        #expect(o.networkG.architecture == .edsr)
        let edsr = try #require(o.networkG.config as? EDSRConfig)
        #expect(edsr.numFeat == 64 && edsr.numBlock == 16 && edsr.upscale == 4 && edsr.imgRange == 255)
        #expect(o.networkD?.type == "VGGStyleDiscriminator" && o.networkD?.numFeat == 64 && o.networkD?.inputSize == 128)
        #expect(o.path.pretrainNetworkG == nil && o.path.strictLoadG && o.path.paramKeyG == "params")
        #expect(o.train.emaDecay == 0.999 && o.train.totalIter == 50000 && o.train.warmupIter == -1)
        #expect(o.train.optimG.lr == 1e-4 && o.train.optimG.weightDecay == 0 && o.train.optimG.betas == [0.9, 0.99])
        #expect(o.train.optimD == o.train.optimG)
        #expect(o.train.scheduler.milestones == [50000] && o.train.scheduler.gamma == 0.5)
        guard case .vgg(let vgg) = o.train.perceptualLoss else { Issue.record("not a VGG loss"); return }
        #expect(vgg.layerWeights == [LayerWeight(layer: "relu5_4", weight: 1)] && vgg.criterion == .l2)
        let gan = try #require(o.train.ganLoss)
        #expect(gan.ganType == "vanilla" && gan.realLabelVal == 1 && gan.fakeLabelVal == 0 && gan.lossWeight == 1e-3)
        #expect(o.train.pixelLoss == nil && o.train.netDIters == 1 && o.train.netDInitIters == 0)
        #expect(o.val?.valFreq == 5000 && o.val?.metrics.first?.cropBorder == 4)
        #expect(o.logger.printFreq == 100 && o.logger.saveCheckpointFreq == 5000 && o.logger.useTBLogger)
        #expect(!o.needsSISRBasicSR && o.basicSRIncompatibilities.isEmpty)
    }

    @Test("an unknown key is refused with its key path and the file", arguments: [
        ("num_gpu: auto\n", "num_gpu: auto\nfoo: 1\n", "foo"),
        ("  warmup_iter: -1\n", "  warmup_iter: -1\n  use_grad_clip: true\n", "train.use_grad_clip"),
        ("    weight_decay: 0\n", "    weight_decay: 0\n    amsgrad: true\n", "train.optim_g.amsgrad"),
        ("    use_rot: true\n", "    use_rot: true\n    use_shuffle: true\n", "datasets.train.use_shuffle"),
        ("  num_block: 16\n", "  num_block: 16\n  num_blocks: 16\n", "network_g.num_blocks"),
        ("  input_size: 128\n", "  input_size: 128\n  depth: 5\n", "network_d.depth"),
        ("      type: calculate_psnr\n", "      type: calculate_psnr\n      better: higher\n", "val.metrics.psnr.better"),
    ])
    func unknownKey(old: String, new: String, path: String) {
        let message = parseError(edited(old, new), file: "runs/x.yml")
        #expect(message.hasPrefix("runs/x.yml: \(path): unknown key"), "\(message)")
    }

    @Test("an unknown dataset phase and an unknown loss type are refused")
    func unknownPhaseAndType() {
        #expect(parseError(edited("  val:\n    name: DIV2K_val", "  test:\n    name: DIV2K_val")).contains("datasets.test: unknown dataset phase"))
        #expect(parseError(edited("type: PerceptualLoss", "type: LPIPSLoss")).contains("train.perceptual_opt: type 'LPIPSLoss' is not supported"))
        #expect(parseError(edited("type: MultiStepLR", "type: CosineAnnealingRestartLR")).contains("train.scheduler.type: 'CosineAnnealingRestartLR' is not supported"))
        #expect(parseError(edited("type: EDSR", "type: HAT")).contains("network_g.type: 'HAT' is not supported"))
        #expect(parseError(edited("type: disk", "type: lmdb")).contains("datasets.train.io_backend.type: 'lmdb' is not supported"))
    }

    @Test("a plain 1e-4 is a string to PyYAML and refused with the !!float hint")
    func plainExponent() {
        let message = parseError(edited("lr: !!float 1e-4", "lr: 1e-4"))
        #expect(message == "opts.yml: train.optim_g.lr: '1e-4' is a string to BasicSR's YAML reader (PyYAML); write !!float 1e-4")
    }

    @Test("a duplicate key is refused (PyYAML would keep the last silently)")
    func duplicate() {
        #expect(parseError(edited("  total_iter: 50000\n", "  total_iter: 50000\n  total_iter: 100\n")).contains("train.total_iter: duplicate key"))
    }

    @Test("keys BasicSR indexes directly are required")
    func required() {
        #expect(parseError(edited("  print_freq: 100\n", "")).contains("logger: missing key 'print_freq'"))
        #expect(parseError(edited("  type: EDSR\n  num_in_ch: 3\n", "  type: EDSR\n")).contains("network_g: missing key 'num_in_ch'"))
        #expect(parseError(edited("    io_backend:\n      type: disk\n", "")).contains("datasets.train: missing key 'io_backend'"))
    }

    @Test("the discriminator's input size must equal gt_size, and be 128 or 256")
    func discriminatorSize() {
        let m = parseError(edited("gt_size: 128", "gt_size: 256"))
        #expect(m.contains("network_d.input_size: 128 must equal datasets.train.gt_size 256"), "\(m)")
        #expect(parseError(edited("input_size: 128", "input_size: 96")).contains("network_d.input_size: must be 128 or 256, not 96"))
    }

    @Test("GAN parts are refused in an SRModel file, and required in an SRGANModel file")
    func modelTypeConsistency() {
        #expect(parseError(edited("model_type: SRGANModel", "model_type: SRModel")).contains("network_d: only SRGANModel trains a discriminator"))
        let noD = edited("network_d:\n  type: VGGStyleDiscriminator\n  num_in_ch: 3\n  num_feat: 64\n  input_size: 128\n", "")
        #expect(parseError(noD).contains("network_d: SRGANModel needs a discriminator"))
        #expect(parseError(edited("model_type: SRGANModel", "model_type: ESRGANModel")).contains("model_type: 'ESRGANModel' is not supported"))
    }

    @Test("network_g is checked by the engine's configuration and against scale")
    func generatorChecks() {
        #expect(parseError(edited("  upscale: 4\n", "  upscale: 2\n")).contains("network_g: upscales x2, but scale is 4"))
        #expect(parseError(edited("  num_out_ch: 3\n", "  num_out_ch: 1\n")).contains("network_g: "))
        #expect(parseError(edited("gt_size: 128", "gt_size: 126")) == "opts.yml: datasets.train.gt_size: 126 is not a multiple of scale 4")
    }

    @Test("SwinIR: engine keys pass through, PyTorch-only keys must hold the implemented value")
    func swinIR() throws {
        let swin = """
            network_g:
              type: SwinIR
              upscale: 4
              in_chans: 3
              img_size: 64
              window_size: 8
              img_range: 1.
              depths: [6, 6, 6, 6, 6, 6]
              embed_dim: 180
              num_heads: [6, 6, 6, 6, 6, 6]
              mlp_ratio: 2
              upsampler: 'pixelshuffle'
              resi_connection: '1conv'
              drop_path_rate: 0.1
            network_d:
            """
        let yaml = ganOptions.replacingOccurrences(
            of: #"network_g:\n(  .*\n)+network_d:"#, with: swin, options: .regularExpression)
        let o = try parse(yaml)
        let c = try #require(o.networkG.config as? SwinIRConfig)
        #expect(c.imgSize == 64 && c.embedDim == 180 && c.depths.count == 6 && c.upscale == 4)
        #expect(o.networkG.trainingOnly == ["drop_path_rate": 0.1])
        #expect(parseError(edited("in_chans: 3", "in_chans: 1", in: yaml)).contains("network_g.in_chans: the engine implements only the integer 3"))
        #expect(parseError(edited("embed_dim: 180", "embed_dim: 100", in: yaml)).contains("not divisible by 6 heads"))
    }

    @Test("RDN and NLSN and the ResNet loss need sisr_basicsr; an HR-only dataset is sisr-only")
    func sisrOnly() throws {
        let resnet = """
              perceptual_opt:
                type: ResNetPerceptualLoss
                layer_weights:
                  layer3: 1.0
                resnet_type: resnet18
                criterion: l2
              gan_opt:
            """
        let yaml = ganOptions.replacingOccurrences(
            of: #"  perceptual_opt:\n(    .*\n)+  gan_opt:"#, with: resnet, options: .regularExpression)
        let o = try parse(yaml)
        guard case .resnet(let r) = o.train.perceptualLoss else { Issue.record("not a ResNet loss"); return }
        #expect(r.layerWeights == [LayerWeight(layer: "layer3", weight: 1)] && r.criterion == .l2 && r.useInputNorm)
        #expect(o.needsSISRBasicSR)
        #expect(parseError(edited("layer3: 1.0", "layer5: 1.0", in: yaml)).contains("layer_weights.layer5: unknown layer"))
        let hrOnly = try parse(edited("    dataroot_lq: datasets/DIV2K/DIV2K_train_LR_bicubic/X4\n", ""))
        #expect(hrOnly.trainDataset.datarootLQ == nil)
        #expect(hrOnly.basicSRIncompatibilities == ["datasets: 'DIV2K' has no dataroot_lq (HR-only folders are a sisr feature)"])
    }

    @Test("MultiStepLR as BasicSR steps it: milestone k applies from iteration k + 1, repeats compound")
    func schedule() throws {
        let s = try parse(edited("milestones: [50000]", "milestones: [10, 20, 20]")).train.scheduler
        #expect(s.learningRate(base: 1e-4, atIteration: 1) == 1e-4)
        #expect(s.learningRate(base: 1e-4, atIteration: 10) == 1e-4)
        #expect(s.learningRate(base: 1e-4, atIteration: 11) == 1e-4 * 0.5)
        #expect(s.learningRate(base: 1e-4, atIteration: 21) == 1e-4 * 0.5 * (0.5 * 0.5))
        #expect(parseError(edited("milestones: [50000]", "milestones: [20, 10]")).contains("increasing order"))
    }

    @Test("scalars are typed as PyYAML types them (fixture from PyYAML)")
    func scalarsMatchPyYAML() throws {
        struct Case: Decodable { let yaml: String, type: String, value: JSONValue? }
        struct Fixture: Decodable { let scalars: [Case] }
        let cases = try fixtures.decode(Fixture.self, "pyyaml_scalars.json").scalars
        #expect(cases.count > 40)
        for c in cases {
            let text = c.yaml
            let node = try OptionNode.root(yaml: "k: \(text)", file: "f")
            let value = try #require(try node.map(allowed: ["k"]).entries.first?.value.scalar())
            let type = c.type
            switch (type, value) {
            case ("null", .null): break
            case ("bool", .bool(let b)): #expect(b == c.value?.boolValue, "\(text)")
            case ("int", .int(let i)): #expect(i == c.value?.intValue, "\(text)")
            case ("float", .float(let d)):
                if let s = c.value?.stringValue { #expect("\(d)" == s, "\(text)") } else { #expect(d == c.value?.doubleValue, "\(text)") }
            case ("str", .string(let s)): #expect(s == c.value?.stringValue, "\(text)")
            default: Issue.record("'\(text)': PyYAML reads \(type), we read \(value)")
            }
        }
    }
}
