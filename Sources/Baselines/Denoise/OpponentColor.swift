/// The opponent colour transform of the `bm3d` package's `bm3d_rgb` (colorspace 'opp').
///
/// Forward: `o = A rgb` with rows `(1/3, 1/3, 1/3)`, `(1/2, 0, -1/2)`, `(1/4, -1/2, 1/4)`; each
/// transformed channel is rescaled to [0, 1] by its own min and max over the image, and the noise
/// standard deviation of channel `c` becomes `sigma * |A_c| / (max_c - min_c)`. Inverse: undo the
/// scaling, then `rgb = B o` with `B` the exact inverse of `A`.
enum OpponentColor {
    static let a: [[Double]] = [[1.0 / 3, 1.0 / 3, 1.0 / 3], [0.5, 0, -0.5], [0.25, -0.5, 0.25]]
    static let b: [[Double]] = [[1, 1, 2.0 / 3], [1, 0, -4.0 / 3], [1, -1, 2.0 / 3]]

    /// Per-channel scaling of the transformed image and the matching noise level.
    struct Range { let min: Double; let max: Double; let sigma: Double }

    static func forward(_ img: PlanarImage, sigma: Double) -> (PlanarImage, [Range]) {
        precondition(img.channels == 3)
        let n = img.width * img.height
        var o = [Double](repeating: 0, count: 3 * n)
        for c in 0..<3 {
            for i in 0..<n {
                o[c * n + i] = a[c][0] * Double(img.data[i]) + a[c][1] * Double(img.data[n + i])
                    + a[c][2] * Double(img.data[2 * n + i])
            }
        }
        var ranges: [Range] = []
        var out = [Float](repeating: 0, count: 3 * n)
        for c in 0..<3 {
            let slice = o[(c * n)..<((c + 1) * n)]
            let lo = slice.min()!, hi = slice.max()!
            let span = hi > lo ? hi - lo : 1  // a constant channel stays constant
            let norm = (a[c].reduce(0) { $0 + $1 * $1 }).squareRoot()
            ranges.append(Range(min: lo, max: lo + span, sigma: sigma * norm / span))
            for i in 0..<n { out[c * n + i] = Float((o[c * n + i] - lo) / span) }
        }
        return (PlanarImage(width: img.width, height: img.height, channels: 3, data: out), ranges)
    }

    static func inverse(_ img: PlanarImage, _ ranges: [Range]) -> PlanarImage {
        let n = img.width * img.height
        var out = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            let o = (0..<3).map { c in Double(img.data[c * n + i]) * (ranges[c].max - ranges[c].min) + ranges[c].min }
            for c in 0..<3 { out[c * n + i] = Float(b[c][0] * o[0] + b[c][1] * o[1] + b[c][2] * o[2]) }
        }
        return PlanarImage(width: img.width, height: img.height, channels: 3, data: out)
    }
}
