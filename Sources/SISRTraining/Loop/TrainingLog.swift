import Foundation
import SISRCore

/// `train_log.json`: one record per logged iteration (every `print_freq`), losses as the loop computed
/// them (weighted), the learning rate, seconds since the run (or its resumption) started, and the
/// validation PSNRs where validation ran.
struct TrainingLog: Codable, Equatable {
    struct Record: Codable, Equatable {
        var iter: Int
        var lr: Double?
        var l_total: Float?
        var l_pix: Float?
        var l_percep: Float?
        var l_gan: Float?
        var l_d_real: Float?
        var l_d_fake: Float?
        var seconds: Double?
        var psnr: [String: Double]?
    }

    var records: [Record] = []

    mutating func append(iter: Int, lr: Double, losses l: IterationLosses, seconds: Double) {
        records.append(Record(
            iter: iter, lr: lr, l_total: l.generator, l_pix: l.pixel, l_percep: l.perceptual, l_gan: l.gan,
            l_d_real: l.discriminatorReal, l_d_fake: l.discriminatorFake, seconds: (seconds * 1000).rounded() / 1000))
    }

    mutating func addValidation(iter: Int, _ psnr: [String: Double]) {
        guard !psnr.isEmpty else { return }
        if let i = records.lastIndex(where: { $0.iter == iter }) { records[i].psnr = psnr } else {
            records.append(Record(iter: iter, psnr: psnr))
        }
    }

    func truncated(after iter: Int) -> TrainingLog { TrainingLog(records: records.filter { $0.iter <= iter }) }

    func write(_ url: URL) throws { try AtomicFile.write(CanonicalJSON.encode(self, pretty: true), to: url) }

    static func read(_ url: URL) throws -> TrainingLog {
        try CanonicalJSON.decode(TrainingLog.self, from: [UInt8](Data(contentsOf: url)), path: url.path)
    }

    /// The named loss series (iteration, value), for plotting.
    var series: [(name: String, points: [(Int, Float)])] {
        let fields: [(String, KeyPath<Record, Float?>)] = [
            ("l_total", \.l_total), ("l_pix", \.l_pix), ("l_percep", \.l_percep), ("l_gan", \.l_gan),
            ("l_d_real", \.l_d_real), ("l_d_fake", \.l_d_fake),
        ]
        return fields.compactMap { name, kp in
            let pts = records.compactMap { r in r[keyPath: kp].map { (r.iter, $0) } }
            return pts.isEmpty ? nil : (name, pts)
        }
    }
}

/// `loss_curves.png`: every loss series on a log10 y axis against the iteration, one colour each, on
/// a white 640x360 canvas with a grey frame (no text: the colours follow the order l_total, l_pix,
/// l_percep, l_gan, l_d_real, l_d_fake = black, blue, green, red, orange, purple).
enum LossPlot {
    static let colours: [[UInt8]] = [[0, 0, 0], [31, 119, 180], [44, 160, 44], [214, 39, 40], [255, 127, 14], [148, 103, 189]]
    static let order = ["l_total", "l_pix", "l_percep", "l_gan", "l_d_real", "l_d_fake"]

    static func write(_ log: TrainingLog, to url: URL) throws {
        let (w, h, m) = (640, 360, 20)
        var im = RGBImage(width: w, height: h, pixels: [UInt8](repeating: 255, count: w * h * 3))
        func set(_ x: Int, _ y: Int, _ c: [UInt8]) {
            guard x >= 0, x < w, y >= 0, y < h else { return }
            for k in 0..<3 { im.pixels[(y * w + x) * 3 + k] = c[k] }
        }
        for x in m...(w - m) { set(x, m, [180, 180, 180]); set(x, h - m, [180, 180, 180]) }
        for y in m...(h - m) { set(m, y, [180, 180, 180]); set(w - m, y, [180, 180, 180]) }
        let series = log.series
        let all = series.flatMap { $0.points }
        guard let i0 = all.map(\.0).min(), let i1 = all.map(\.0).max() else { return try PNG.write(im, to: url) }
        let logs = all.map { log10d(Double(max($0.1, 1e-12))) }
        let (lo, hi) = (logs.min()!, max(logs.max()!, logs.min()! + 1e-6))
        for s in series {
            let c = colours[order.firstIndex(of: s.name) ?? 0]
            var prev: (Int, Int)?
            for (it, v) in s.points {
                let x = m + Int(Double(it - i0) / Double(max(1, i1 - i0)) * Double(w - 2 * m))
                let y = h - m - Int((log10d(Double(max(v, 1e-12))) - lo) / (hi - lo) * Double(h - 2 * m))
                if let (px, py) = prev {
                    let steps = max(abs(x - px), abs(y - py), 1)
                    for k in 0...steps { set(px + (x - px) * k / steps, py + (y - py) * k / steps, c) }
                } else {
                    set(x, y, c)
                }
                prev = (x, y)
            }
        }
        try PNG.write(im, to: url)
    }
}
