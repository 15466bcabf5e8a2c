/// One entry of `datasets:` (BasicSR `PairedImageDataset`, disk backend).
///
/// Without `dataroot_lq` the dataset is **HR-only** (a sisr feature BasicSR does not have): the LR
/// images are made from the GT ones with the builder's MATLAB bicubic at the file's `scale`.
public struct DatasetOptions: Sendable, Equatable {
    public enum Phase: String, Sendable { case train, val }

    public var phase: Phase
    public var name: String
    /// Always `PairedImageDataset`.
    public var type: String
    public var datarootGT: String
    /// nil = HR-only.
    public var datarootLQ: String?
    /// BasicSR `meta_info_file`: one GT file name per line (first word), the images used.
    public var metaInfoFile: String?
    /// `filename_tmpl` (BasicSR default `{}`): LQ name = template with the GT stem.
    public var filenameTemplate: String
    /// `dataset_enlarge_ratio` (default 1).
    public var enlargeRatio: Int
    /// Train only: `gt_size` (GT crop side), flips/rotations, batch and workers per GPU.
    public var gtSize: Int?
    public var useHFlip: Bool
    public var useRot: Bool
    public var batchSizePerGPU: Int?
    public var numWorkerPerGPU: Int?

    static let commonKeys = ["name", "type", "dataroot_gt", "dataroot_lq", "meta_info_file", "filename_tmpl", "io_backend"]
    static let trainKeys = ["gt_size", "use_hflip", "use_rot", "batch_size_per_gpu", "num_worker_per_gpu", "dataset_enlarge_ratio"]

    init(_ node: OptionNode, phase: Phase) throws {
        let m = try node.map(allowed: Self.commonKeys + (phase == .train ? Self.trainKeys : []))
        self.phase = phase
        name = try m.required("name").string()
        type = try m.choice("type", ["PairedImageDataset"])
        datarootGT = try m.required("dataroot_gt").string()
        datarootLQ = try m.string("dataroot_lq")
        metaInfoFile = try m.string("meta_info_file")
        filenameTemplate = try m.string("filename_tmpl") ?? "{}"
        guard filenameTemplate.components(separatedBy: "{}").count == 2 else {
            throw m.fail("filename_tmpl", "must contain '{}' exactly once")
        }
        let io = try m.required("io_backend").map(allowed: ["type"])
        _ = try io.choice("type", ["disk"])
        enlargeRatio = try m.int("dataset_enlarge_ratio") ?? 1
        guard enlargeRatio >= 1 else { throw m.fail("dataset_enlarge_ratio", "must be >= 1") }
        if phase == .train {
            let gt = try m.required("gt_size").int()
            let batch = try m.required("batch_size_per_gpu").int()
            let workers = try m.required("num_worker_per_gpu").int()
            guard gt > 0 else { throw m.fail("gt_size", "must be positive") }
            guard batch > 0 else { throw m.fail("batch_size_per_gpu", "must be positive") }
            guard workers >= 0 else { throw m.fail("num_worker_per_gpu", "must be >= 0") }
            gtSize = gt
            batchSizePerGPU = batch
            numWorkerPerGPU = workers
            useHFlip = try m.required("use_hflip").bool()
            useRot = try m.required("use_rot").bool()
        } else {
            gtSize = nil
            batchSizePerGPU = nil
            numWorkerPerGPU = nil
            useHFlip = false
            useRot = false
        }
    }
}
