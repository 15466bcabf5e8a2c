import Foundation
import SISRCore
import SRModels
import Testing

@testable import SISRTraining
import TestSupport

/// A tiny experiment on procedural images: HR-only training folder, one validation image.
struct TinyExperiment {
    let dir: URL

    init(gan: Bool = false) throws {
        dir = try TempDir("sisr-train").url
        let size = gan ? 136 : 40
        for (folder, count) in [("hr", 3), ("val", 1)] {
            let d = dir.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            for i in 0..<count {
                try PNG.write(Procedural.image(seed: 5, index: i + (folder == "val" ? 10 : 0), width: size, height: size - 4),
                              to: d.appendingPathComponent(String(format: "img%02d.png", i)))
            }
        }
    }

    func yaml(gan: Bool = false, totalIter: Int = 6) -> String {
        let gt = gan ? 128 : 16
        let model = gan ? "SRGANModel" : "SRModel"
        let d = gan ? """
            network_d:
              type: VGGStyleDiscriminator
              num_in_ch: 3
              num_feat: 2
              input_size: 128

            """ : ""
        let ganTrain = gan ? """
              optim_d:
                type: Adam
                lr: !!float 2e-4
                weight_decay: 0
                betas: [0.9, 0.99]
              gan_opt:
                type: GANLoss
                gan_type: vanilla
                real_label_val: 1.0
                fake_label_val: 0.0
                loss_weight: !!float 5e-3
              net_d_iters: 1
              net_d_init_iters: 0

            """ : ""
        return """
            name: tiny
            model_type: \(model)
            scale: 2
            num_gpu: 1
            manual_seed: 7
            datasets:
              train:
                name: tiny_train
                type: PairedImageDataset
                dataroot_gt: \(dir.path)/hr
                io_backend:
                  type: disk
                gt_size: \(gt)
                use_hflip: true
                use_rot: true
                num_worker_per_gpu: 0
                batch_size_per_gpu: 2
                dataset_enlarge_ratio: 2
              val:
                name: tiny_val
                type: PairedImageDataset
                dataroot_gt: \(dir.path)/val
                io_backend:
                  type: disk
            network_g:
              type: EDSR
              num_in_ch: 3
              num_out_ch: 3
              num_feat: 8
              num_block: 1
              upscale: 2
            \(d)path:
              pretrain_network_g: ~
              strict_load_g: true
              resume_state: ~
            train:
              ema_decay: 0.9
              optim_g:
                type: Adam
                lr: !!float 2e-4
                weight_decay: 0
                betas: [0.9, 0.99]
              scheduler:
                type: MultiStepLR
                milestones: [4]
                gamma: 0.5
              total_iter: \(totalIter)
              warmup_iter: -1
              pixel_opt:
                type: L1Loss
                loss_weight: 1.0
                reduction: mean
            \(ganTrain)val:
              val_freq: 3
              save_img: false
              metrics:
                psnr:
                  type: calculate_psnr
                  crop_border: 2
                  test_y_channel: false
            logger:
              print_freq: 2
              save_checkpoint_freq: 3
              use_tb_logger: false
            """
    }

    /// Trains into `out` with `threads` workers, optionally stopping early and resuming in a new run.
    func train(_ yaml: String, out: String, threads: Int, isa: ISA? = nil, killAt: Int? = nil) throws -> ExperimentFolder {
        try EngineSettings.current.with(threads: threads, isa: isa).run { try trainRun(yaml, out: out, killAt: killAt) }
    }

    func trainRun(_ yaml: String, out: String, killAt: Int?) throws -> ExperimentFolder {
        let o = try TrainingOptions.parse(yaml: yaml, file: "tiny.yml")
        let outURL = dir.appendingPathComponent(out)
        var run = try TrainingRun(options: o, out: outURL, base: dir, resume: false, perceptual: nil)
        if let killAt {
            try run.run(stopAfter: killAt, progress: false)
            run = try TrainingRun(options: o, out: outURL, base: dir, resume: true, perceptual: nil)
            #expect(run.startIteration == killAt - killAt % o.logger.saveCheckpointFreq)
        }
        try run.run(progress: false)
        return run.folder
    }

    func bytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }
}

@Suite(.serialized) struct TrainingRunTests {
    /// Same option file and seed: identical bytes for 1 and 2 threads, after a kill + resume, and (SR) on
    /// the generic kernels as on the CPU's best instruction set.
    @Test(arguments: [false, true])
    func deterministicAcrossThreadsAndResume(gan: Bool) throws {
        let e = try TinyExperiment(gan: gan)
        defer { try? FileManager.default.removeItem(at: e.dir) }
        let yaml = e.yaml(gan: gan)
        let a = try e.train(yaml, out: "a", threads: 1)
        let b = try e.train(yaml, out: "b", threads: 2)
        let c = try e.train(yaml, out: "c", threads: 2, killAt: 4)
        let g = gan ? nil : try e.train(yaml, out: "g", threads: 2, isa: .generic)
        var files = [a.generatorURL("latest"), a.generatorURL("6"), a.generatorURL("6", ext: "safetensors"), a.stateURL(6), a.generatorURL("3")]
        if gan { files.append(a.discriminatorURL("6")) }
        for f in files {
            let rel = f.path.replacingOccurrences(of: a.root.path, with: "")
            let ref = try e.bytes(f)
            #expect(try e.bytes(URL(fileURLWithPath: b.root.path + rel)) == ref, "threads 1 vs 2: \(rel)")
            #expect(try e.bytes(URL(fileURLWithPath: c.root.path + rel)) == ref, "uninterrupted vs resumed: \(rel)")
            if let g { #expect(try e.bytes(URL(fileURLWithPath: g.root.path + rel)) == ref, "best ISA vs generic: \(rel)") }
        }
        // The checkpoint holds both networks and the engine loads them; EMA differs from the weights.
        let params = try loadStateDict(a.generatorURL("latest"), options: WeightLoadOptions(rootKey: "params"))
        let ema = try loadStateDict(a.generatorURL("latest"), options: WeightLoadOptions(rootKey: "params_ema"))
        #expect(params.count == ema.count && params["conv_first.weight"] != ema["conv_first.weight"])
        _ = try Architecture.edsr.build(stateDict: ema, name: "net_g_latest")
        let log = try TrainingLog.read(a.log)
        #expect(log.records.map(\.iter) == [2, 3, 4, 6])
        #expect(log.records.first { $0.iter == 6 }?.psnr?["tiny_val/psnr"] != nil)
        #expect(FileManager.default.fileExists(atPath: a.plot.path))
    }

    /// Training lowers the L1 loss on a fixed batch (the loop actually optimises).
    @Test func trainingReducesLoss() throws {
        let e = try TinyExperiment()
        defer { try? FileManager.default.removeItem(at: e.dir) }
        let yaml = e.yaml(totalIter: 60).replacingOccurrences(of: "lr: !!float 2e-4", with: "lr: !!float 2e-3")
            .replacingOccurrences(of: "milestones: [4]", with: "milestones: [100]")
        let o = try TrainingOptions.parse(yaml: yaml, file: "tiny.yml")
        let run = try TrainingRun(options: o, out: e.dir.appendingPathComponent("o"), base: e.dir, resume: false, perceptual: nil)
        let (lq, gt) = run.sampler.batch(1)
        let first = run.trainer.iterate(1, lq: lq, gt: gt).generator!
        var last = first
        for i in 2...60 { last = run.trainer.iterate(i, lq: lq, gt: gt).generator! }
        #expect(last < 0.5 * first, "L1 \(first) -> \(last)")
    }

    /// The torch zip writer's output reads back through the project's own reader, keys in order.
    @Test func torchWriterRoundTrip() throws {
        let e = try TinyExperiment()
        defer { try? FileManager.default.removeItem(at: e.dir) }
        let d = try VGGStyleDiscriminator(features: 2, inputSize: 128, seed: 3)
        let url = e.dir.appendingPathComponent("d.pth")
        try TorchCheckpointWriter.write([(root: "params", entries: d.parameters.checkpointEntries)], to: url)
        let ck = try loadCheckpoint(url, options: WeightLoadOptions(includeIntegerTensors: true))
        #expect(ck.format == .torchZip && ck.unwrapPath == ["params"])
        #expect(ck.entries.map(\.name) == d.parameters.order)
        let dict = try loadStateDict(url)
        for p in d.parameters.parameters { #expect(dict[p.key] == p.value) }
        let bytes = [UInt8](try Data(contentsOf: url))
        // Every stored record's data starts at a multiple of 64 (torch's alignment, mmap-friendly).
        var i = 0, checked = 0
        while i + 30 <= bytes.count, bytes[i..<(i + 4)] == [0x50, 0x4B, 0x03, 0x04] {
            let n = Int(bytes[i + 26]) | Int(bytes[i + 27]) << 8, x = Int(bytes[i + 28]) | Int(bytes[i + 29]) << 8
            let size = Int(bytes[i + 18]) | Int(bytes[i + 19]) << 8 | Int(bytes[i + 20]) << 16 | Int(bytes[i + 21]) << 24
            #expect((i + 30 + n + x) % 64 == 0)
            i += 30 + n + x + size
            checked += 1
        }
        #expect(checked == d.parameters.order.count + 5)
    }

    @Test func unsupportedOptionsAreRefused() throws {
        let e = try TinyExperiment()
        defer { try? FileManager.default.removeItem(at: e.dir) }
        let yaml = e.yaml().replacingOccurrences(of: "reduction: mean", with: "reduction: sum")
        let o = try TrainingOptions.parse(yaml: yaml, file: "tiny.yml")
        #expect(throws: SISRError.self) { try TrainingRun(options: o, out: e.dir, base: e.dir, resume: false, perceptual: nil) }
    }
}

/// `pretrain_network_g` files are unwrapped as BasicSR's `load_network` does (the asked key, else
/// `params`, else a plain state dict), from one read of the file.
@Suite struct PretrainedStateDictTests {
    static func tensor(_ v: Float) -> Tensor { Tensor(shape: [2], data: [v, v + 1]) }

    @Test func picksTheAskedKeyThenParamsThenAPlainDict() throws {
        let t = try TempDir("pretrained")
        defer { t.cleanup() }
        let both = t.sub("both.pth"), paramsOnly = t.sub("params.pth"), plain = t.sub("plain.pth"), other = t.sub("other.pth")
        try TorchCheckpointWriter.write([("params", [CheckpointEntry(key: "w", float: Self.tensor(1))]),
                                         ("params_ema", [CheckpointEntry(key: "w", float: Self.tensor(2))])], to: both)
        try TorchCheckpointWriter.write([("params", [CheckpointEntry(key: "w", float: Self.tensor(3))])], to: paramsOnly)
        try TorchCheckpointWriter.write([("state_dict", [CheckpointEntry(key: "w", float: Self.tensor(5))])], to: other)
        try writeSafetensors(["w": Self.tensor(4)], to: plain)
        let st = t.sub("both.safetensors")
        try writeSafetensors(["params.w": Self.tensor(6), "params_ema.w": Self.tensor(7)], to: st)

        #expect(try TrainingRun.pretrainedStateDict(both, key: "params")["w"] == Self.tensor(1))
        #expect(try TrainingRun.pretrainedStateDict(both, key: "params_ema")["w"] == Self.tensor(2))
        #expect(try TrainingRun.pretrainedStateDict(paramsOnly, key: "params_ema")["w"] == Self.tensor(3))
        #expect(try TrainingRun.pretrainedStateDict(plain, key: "params_ema")["w"] == Self.tensor(4))
        #expect(try TrainingRun.pretrainedStateDict(st, key: "params")["w"] == Self.tensor(6))
        #expect(try TrainingRun.pretrainedStateDict(st, key: "params_ema")["w"] == Self.tensor(7))
        #expect { try TrainingRun.pretrainedStateDict(other, key: "params_ema") } throws: {
            "\($0)".contains("no 'params_ema' or 'params' state dict (root keys: state_dict)") && "\($0)".contains(other.path)
        }
        #expect { try TrainingRun.pretrainedStateDict(t.sub("missing.pth"), key: "params") } throws: { "\($0)".contains("missing.pth") }
    }
}
