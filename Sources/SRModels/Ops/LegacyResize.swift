import SISRCore
import SISREngine

// The bicubic resizes that published test scripts add to their network outputs, reproduced exactly:
// Pillow's 8-bit `Image.resize(BICUBIC)` (ProSR) and TensorFlow 1's legacy `resize_bicubic`
// (`align_corners=False`, `half_pixel_centers=False`; EnhanceNet).

/// Pillow's `Image.resize((width, height), Image.BICUBIC)` of an 8-bit RGB image given as planar
/// floats `u8 / 255` (`[1, 3, H, W]`); returns the resized 8-bit image as `u8 / 255` floats.
///
/// The taps and fixed-point passes are SISRCore's ``PillowBicubicTaps`` (see ``PillowResize``).
public func pilBicubicUpscale(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    let bytes = x.data.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
    let cols = PillowBicubicTaps(inSize: w, outSize: ow), rows = PillowBicubicTaps(inSize: h, outSize: oh)
    var out = [Float](repeating: 0, count: n * c * oh * ow)
    var tmp = [UInt8](repeating: 0, count: h * ow)
    for plane in 0..<(n * c) {
        let src = plane * h * w
        for y in 0..<h {
            for xx in 0..<ow {
                tmp[y * ow + xx] = cols.apply(xx) { bytes[src + y * w + $0] }
            }
        }
        let dst = plane * oh * ow
        for y in 0..<oh {
            for xx in 0..<ow { out[dst + y * ow + xx] = Float(rows.apply(y) { tmp[$0 * ow + xx] }) / 255 }
        }
    }
    return Tensor(shape: [n, c, oh, ow], data: out)
}

/// TensorFlow 1's `tf.image.resize_images(method=BICUBIC)` = `resize_bicubic(align_corners=False,
/// half_pixel_centers=False)` on float32 NCHW data.
///
/// TensorFlow (`resize_bicubic_op.cc`, legacy path): source coordinate `float(out) * (in / out)`,
/// Keys cubic with a = -0.75 from a 1025-entry float table indexed by `lrintf(frac * 1024)`, the four
/// taps `floor - 1 ... floor + 2` clamped to the image (edge pixels repeat); each output is the
/// horizontal combination of four vertical interpolations, summed left to right in float.
public func tfLegacyBicubicResize(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    let ys = TFCubicTaps(inSize: h, outSize: oh), xs = TFCubicTaps(inSize: w, outSize: ow)
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        x.data.withUnsafeBufferPointer { src in
            for plane in 0..<(n * c) {
                let base = plane * h * w
                for y in 0..<oh {
                    let (yi, yw) = ys.taps[y]
                    for xx in 0..<ow {
                        let (xi, xw) = xs.taps[xx]
                        var col = [Float](repeating: 0, count: 4)
                        for k in 0..<4 {
                            let at = base + xi[k]
                            col[k] = src[at + yi[0] * w] * yw[0] + src[at + yi[1] * w] * yw[1]
                                + src[at + yi[2] * w] * yw[2] + src[at + yi[3] * w] * yw[3]
                        }
                        out[(plane * oh + y) * ow + xx] = col[0] * xw[0] + col[1] * xw[1] + col[2] * xw[2] + col[3] * xw[3]
                    }
                }
            }
        }
    }
}

/// TensorFlow's legacy bicubic taps (indices and weights) along one axis.
private struct TFCubicTaps {
    static let tableSize = 1024
    /// `coeffs_table` of `resize_bicubic_op.cc` for a = -0.75: entry `2i` is the weight at distance
    /// `i / 1024`, entry `2i + 1` the weight at distance `1 + i / 1024`, each computed in double from
    /// the float distance and stored as float.
    static let table: [Float] = {
        let a = -0.75
        var t = [Float](repeating: 0, count: 2 * (tableSize + 1))
        for i in 0...tableSize {
            var x = Float(Double(i) * 1.0 / Double(tableSize))
            let d0 = Double(x)
            t[2 * i] = Float(((a + 2) * d0 - (a + 3)) * d0 * d0 + 1)
            x = Float(Double(x) + 1.0)
            let d1 = Double(x)
            t[2 * i + 1] = Float(((a * d1 - 5 * a) * d1 + 8 * a) * d1 - 4 * a)
        }
        return t
    }()

    let taps: [(indices: [Int], weights: [Float])]

    init(inSize: Int, outSize: Int) {
        let scale = Float(inSize) / Float(outSize)
        let t = Self.table, size = Self.tableSize
        taps = (0..<outSize).map { o in
            let pos = Float(o) * scale
            let loc = Int(pos.rounded(.down))
            let delta = pos - Float(loc)
            let off = Int((delta * Float(size)).rounded(.toNearestOrEven))
            let weights = [t[off * 2 + 1], t[off * 2], t[(size - off) * 2], t[(size - off) * 2 + 1]]
            let indices = (-1...2).map { min(max(loc + $0, 0), inSize - 1) }
            return (indices, weights)
        }
    }
}
