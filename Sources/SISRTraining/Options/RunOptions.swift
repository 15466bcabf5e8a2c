/// `path:`: the generator to start from, and a state to resume.
public struct PathOptions: Sendable, Equatable {
    /// `pretrain_network_g`: a `net_g_*.pth` (or safetensors) to initialise the generator from.
    public var pretrainNetworkG: String?
    /// `strict_load_g` (default true).
    public var strictLoadG: Bool
    /// `param_key_g` (default `params`; `params_ema` to start from the EMA weights).
    public var paramKeyG: String
    /// `resume_state`: a `training_states/<iter>.state`.
    public var resumeState: String?

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: ["pretrain_network_g", "strict_load_g", "param_key_g", "resume_state"])
        pretrainNetworkG = try m.string("pretrain_network_g")
        strictLoadG = try m.bool("strict_load_g") ?? true
        paramKeyG = try m.choice("param_key_g", ["params", "params_ema"], default: "params")
        resumeState = try m.string("resume_state")
    }
}

/// `val:`: validation cadence and metrics.
public struct ValidationOptions: Sendable, Equatable {
    public struct Metric: Sendable, Equatable {
        public var name: String
        /// `calculate_psnr` or `calculate_ssim`.
        public var type: String
        public var cropBorder: Int
        public var testYChannel: Bool
    }

    public var valFreq: Int
    public var saveImg: Bool
    public var metrics: [Metric]

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: ["val_freq", "save_img", "metrics"])
        valFreq = try m.required("val_freq").int()
        guard valFreq > 0 else { throw m.fail("val_freq", "must be positive") }
        saveImg = try m.bool("save_img") ?? false
        metrics = try m["metrics"].map {
            try $0.entries().map { name, value in
                let mm = try value.map(allowed: ["type", "crop_border", "test_y_channel"])
                return Metric(
                    name: name, type: try mm.choice("type", ["calculate_psnr", "calculate_ssim"]),
                    cropBorder: try mm.required("crop_border").int(), testYChannel: try mm.bool("test_y_channel") ?? false)
            }
        } ?? []
    }
}

/// `logger:`: how often to print and to save checkpoints.
public struct LoggerOptions: Sendable, Equatable {
    public var printFreq: Int
    public var saveCheckpointFreq: Int
    public var useTBLogger: Bool

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: ["print_freq", "save_checkpoint_freq", "use_tb_logger"])
        printFreq = try m.required("print_freq").int()
        saveCheckpointFreq = try m.required("save_checkpoint_freq").int()
        useTBLogger = try m.required("use_tb_logger").bool()
        guard printFreq > 0 else { throw m.fail("print_freq", "must be positive") }
        guard saveCheckpointFreq > 0 else { throw m.fail("save_checkpoint_freq", "must be positive") }
    }
}
