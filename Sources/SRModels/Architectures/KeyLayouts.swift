import SISREngine
/// The key layouts in which published checkpoints of the convolutional architectures are stored, and
/// their mapping to the BasicSR names the architecture code reads.
///
/// | layout | recognised by | example |
/// | --- | --- | --- |
/// | EDSR-PyTorch (EDSR) | `head.0.weight` | `body.3.body.2.weight` -> `body.3.conv2.weight` |
/// | RCAN official | `head.0.weight` | `body.1.body.4.body.3.conv_du.0.bias` -> `body.1.residual_group.4.rcab.3.attention.1.bias` |
/// | ESRGAN (2019) | `RRDB_trunk.0.RDB1.conv1.weight` | `RRDB_trunk.5.RDB2.conv3.weight` -> `body.5.rdb2.conv3.weight` |
/// | ESRGAN (old) | `model.0.weight` | `model.1.sub.5.RDB2.conv3.0.weight` -> `body.5.rdb2.conv3.weight` |
///
/// Keys a layout does not know are kept as they are, so strict loading reports them as unused.
/// EDSR-PyTorch `sub_mean` / `add_mean` keep their names; EDSR and RCAN read them when present.
public enum KeyLayout: String, Sendable {
    case basicSR = "BasicSR"
    case edsrPyTorch = "EDSR-PyTorch"
    case rcanOfficial = "RCAN official"
    case esrgan = "ESRGAN"
    case esrganOld = "ESRGAN (old)"

    /// The layout of `dict` for an architecture (`.basicSR` when no official layout is recognised).
    public static func detect(_ dict: StateDict, for arch: Architecture) -> KeyLayout {
        switch arch {
        case .edsr where dict["head.0.weight"] != nil: return .edsrPyTorch
        case .rcan where dict["head.0.weight"] != nil: return .rcanOfficial
        case .rrdbnet where dict["RRDB_trunk.0.RDB1.conv1.weight"] != nil || dict["trunk_conv.weight"] != nil:
            return .esrgan
        case .rrdbnet where dict["model.0.weight"] != nil: return .esrganOld
        default: return .basicSR
        }
    }

    /// `dict` with its keys renamed to BasicSR's.
    public func toBasicSR(_ dict: StateDict) -> StateDict {
        if self == .basicSR { return dict }
        var out = StateDict()
        for (key, value) in dict {
            let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            out[rename(parts, in: dict).map { $0.joined(separator: ".") } ?? key] = value
        }
        return out
    }

    /// Number of consecutive `prefix.{i}.<first module>` entries, i.e. the index of the trailing conv
    /// that follows a list of blocks.
    private static func blockCount(_ dict: StateDict, _ prefix: String, _ probe: String) -> Int {
        var i = 0
        while dict["\(prefix).\(i).\(probe)"] != nil { i += 1 }
        return i
    }

    private func rename(_ p: [String], in dict: StateDict) -> [String]? {
        switch self {
        case .basicSR: return p
        case .edsrPyTorch: return Self.renameEDSR(p, dict)
        case .rcanOfficial: return Self.renameRCAN(p, dict)
        case .esrgan: return Self.renameESRGAN(p)
        case .esrganOld: return Self.renameESRGANOld(p, dict)
        }
    }

    /// `head.0`, `tail.0.k`, `tail.1`: shared by EDSR and RCAN.
    private static func renameHeadTail(_ p: [String]) -> [String]? {
        switch p.count {
        case 3 where p[0] == "head" && p[1] == "0": return ["conv_first", p[2]]
        case 4 where p[0] == "tail" && p[1] == "0": return ["upsample", p[2], p[3]]
        case 3 where p[0] == "tail" && p[1] == "1": return ["conv_last", p[2]]
        default: return nil
        }
    }

    private static func renameEDSR(_ p: [String], _ dict: StateDict) -> [String]? {
        if let r = renameHeadTail(p) { return r }
        let blocks = blockCount(dict, "body", "body.0.weight")
        if p.count == 3, p[0] == "body", p[1] == String(blocks) { return ["conv_after_body", p[2]] }
        if p.count == 5, p[0] == "body", p[2] == "body" {
            switch p[3] {
            case "0": return ["body", p[1], "conv1", p[4]]
            case "2": return ["body", p[1], "conv2", p[4]]
            default: return nil
            }
        }
        return nil
    }

    private static func renameRCAN(_ p: [String], _ dict: StateDict) -> [String]? {
        if let r = renameHeadTail(p) { return r }
        guard p.first == "body" else { return nil }
        let groups = blockCount(dict, "body", "body.0.body.0.weight")
        if p.count == 3, p[1] == String(groups) { return ["conv_after_body", p[2]] }
        guard p.count >= 5, p[2] == "body" else { return nil }
        let blocks = blockCount(dict, "body.\(p[1]).body", "body.0.weight")
        if p.count == 5, p[3] == String(blocks) { return ["body", p[1], "conv", p[4]] }
        let rcab = ["body", p[1], "residual_group", p[3], "rcab"]
        if p.count == 7, p[4] == "body", p[5] == "0" || p[5] == "2" { return rcab + [p[5], p[6]] }
        if p.count == 9, p[4] == "body", p[5] == "3", p[6] == "conv_du" {
            switch p[7] {
            case "0": return rcab + ["3", "attention", "1", p[8]]
            case "2": return rcab + ["3", "attention", "3", p[8]]
            default: return nil
            }
        }
        return nil
    }

    private static let esrganTop = ["trunk_conv": "conv_body", "upconv1": "conv_up1", "upconv2": "conv_up2", "HRconv": "conv_hr"]

    private static func renameESRGAN(_ p: [String]) -> [String]? {
        if p.count == 2, let n = esrganTop[p[0]] { return [n, p[1]] }
        if p.count == 5, p[0] == "RRDB_trunk", p[2].hasPrefix("RDB") {
            return ["body", p[1], "rdb" + p[2].dropFirst(3), p[3], p[4]]
        }
        return nil
    }

    private static let esrganOldTop = ["0": "conv_first", "3": "conv_up1", "6": "conv_up2", "8": "conv_hr", "10": "conv_last"]

    private static func renameESRGANOld(_ p: [String], _ dict: StateDict) -> [String]? {
        guard p.first == "model" else { return nil }
        if p.count == 3, let n = esrganOldTop[p[1]] { return [n, p[2]] }
        guard p.count >= 5, p[1] == "1", p[2] == "sub" else { return nil }
        let blocks = blockCount(dict, "model.1.sub", "RDB1.conv1.0.weight")
        if p.count == 5, p[3] == String(blocks) { return ["conv_body", p[4]] }
        if p.count == 8, p[4].hasPrefix("RDB"), p[6] == "0" {
            return ["body", p[3], "rdb" + p[4].dropFirst(3), p[5], p[7]]
        }
        return nil
    }
}
