import SISREngine
/// The DIV2K RGB mean used by every EDSR-family model.
public enum DIV2K {
    public static let rgbMean: [Float] = [0.4488, 0.4371, 0.4040]
}

extension KeyedDecodingContainer {
    /// The value under `key`, or `fallback` when the key is absent.
    func value<T: Decodable>(_ key: Key, _ fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

func requirePositive(_ values: KeyValuePairs<String, Int>) throws {
    for (name, v) in values where v <= 0 {
        throw ModelError.invalidConfig("\(name) must be positive, got \(v)")
    }
}

func requireMeanShiftable(inCh: Int, outCh: Int, mean: [Float], range: Float) throws {
    guard inCh == 3, outCh == 3 else {
        throw ModelError.invalidConfig("only RGB networks (num_in_ch = num_out_ch = 3) are supported, got \(inCh) -> \(outCh)")
    }
    guard mean.count == 3 else { throw ModelError.invalidConfig("rgb_mean needs 3 values, got \(mean.count)") }
    guard range > 0 else { throw ModelError.invalidConfig("img_range must be positive, got \(range)") }
}

/// The input and output mean shifts of an EDSR-family network. BasicSR's fixed
/// `(x - mean) * img_range` / `x / img_range + mean`, unless the checkpoint carries the official
/// EDSR-PyTorch `sub_mean` / `add_mean` 1x1 convolutions (applied to `x * img_range`), which are then
/// read from the file.
struct MeanShiftPair: Sendable {
    let sub: MeanShift
    let add: MeanShift

    init(_ w: WeightScope, mean: [Float], range: Float) {
        if w.store.contains(w.key("sub_mean.weight")) || w.store.contains(w.key("add_mean.weight")) {
            let sw = w["sub_mean"].tensor("weight", shape: [3, 3, 1, 1], fanIn: 3)
            let sb = w["sub_mean"].tensor("bias", shape: [3], fanIn: 3)
            let aw = w["add_mean"].tensor("weight", shape: [3, 3, 1, 1], fanIn: 3)
            let ab = w["add_mean"].tensor("bias", shape: [3], fanIn: 3)
            sub = MeanShift(.affine(matrix: sw.data, bias: sb.data, inScale: range, outScale: 1))
            add = MeanShift(.affine(matrix: aw.data, bias: ab.data, inScale: 1, outScale: 1 / range))
        } else {
            sub = MeanShift(.subtract(mean: mean, range: range))
            add = MeanShift(.add(mean: mean, range: range))
        }
    }
}
