import SISRCore

/// Renders a confusion matrix as an RGB heat map: cell colour is the row-normalised fraction (white = 0,
/// dark blue = 1), each cell shows its count in a 3x5 pixel font scaled by 2, and row (true class) and
/// column (predicted class) indices are printed along the left and top edges. The class names for the
/// indices are in the Markdown report. Above 60 classes counts are omitted and cells shrink to 6 px.
/// Small images are enlarged by an integer factor (nearest neighbour) to about 480 px wide.
public enum ConfusionImage {
    public static func render(_ confusion: [[Int]]) -> RGBImage {
        let k = confusion.count
        let maxCount = confusion.flatMap { $0 }.max() ?? 0
        let labelled = k <= 60
        let digits = max(String(maxCount).count, String(max(k - 1, 0)).count)
        let cellW = labelled ? digits * 8 + 4 : 6, cellH = labelled ? 14 : 6
        let margin = String(max(k - 1, 0)).count * 8 + 6
        let width = margin + k * cellW + 1, height = margin + k * cellH + 1
        var img = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 255, count: width * height * 3))
        for r in 0..<k {
            let total = confusion[r].reduce(0, +)
            for c in 0..<k {
                let f = total > 0 ? Double(confusion[r][c]) / Double(total) : 0
                let colour = heat(f)
                let x0 = margin + c * cellW, y0 = margin + r * cellH
                fill(&img, x: x0, y: y0, w: cellW, h: cellH, colour: (200, 200, 200))
                fill(&img, x: x0 + 1, y: y0 + 1, w: cellW - 1, h: cellH - 1, colour: colour)
                if labelled && confusion[r][c] > 0 {
                    let text = String(confusion[r][c])
                    let ink: (UInt8, UInt8, UInt8) = f > 0.45 ? (255, 255, 255) : (0, 0, 0)
                    draw(&img, text, x: x0 + cellW - 2 - text.count * 8 + 2, y: y0 + 2, ink: ink)
                }
            }
        }
        fill(&img, x: margin + k * cellW, y: margin, w: 1, h: k * cellH + 1, colour: (200, 200, 200))
        fill(&img, x: margin, y: margin + k * cellH, w: k * cellW + 1, h: 1, colour: (200, 200, 200))
        if labelled {
            for i in 0..<k {
                let t = String(i)
                draw(&img, t, x: margin - 4 - t.count * 8 + 2, y: margin + i * cellH + 2, ink: (0, 0, 0))
                draw(&img, t, x: margin + i * cellW + (cellW - t.count * 8 + 2) / 2, y: margin - 12, ink: (0, 0, 0))
            }
        }
        return upscaled(img, by: max(1, 480 / max(width, 1)))
    }

    /// Nearest-neighbour enlargement by an integer factor, so small matrices stay readable.
    static func upscaled(_ img: RGBImage, by f: Int) -> RGBImage {
        guard f > 1 else { return img }
        var out = RGBImage(width: img.width * f, height: img.height * f)
        for y in 0..<out.height { for x in 0..<out.width { for c in 0..<3 { out[x, y, c] = img[x / f, y / f, c] } } }
        return out
    }

    /// White (0) to dark blue (1), linear in each channel.
    static func heat(_ f: Double) -> (UInt8, UInt8, UInt8) {
        let t = min(max(f, 0), 1)
        func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * t).rounded()) }
        return (mix(255, 8), mix(255, 48), mix(255, 107))
    }

    static func fill(_ img: inout RGBImage, x: Int, y: Int, w: Int, h: Int, colour: (UInt8, UInt8, UInt8)) {
        for yy in max(y, 0)..<min(y + h, img.height) {
            for xx in max(x, 0)..<min(x + w, img.width) {
                img[xx, yy, 0] = colour.0
                img[xx, yy, 1] = colour.1
                img[xx, yy, 2] = colour.2
            }
        }
    }

    /// 3x5 glyphs of the digits, one 3-bit row each (top to bottom, bit 2 = left).
    static let glyphs: [[UInt8]] = [
        [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 7, 1, 7], [5, 5, 7, 1, 1],
        [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 1, 1, 1], [7, 5, 7, 5, 7], [7, 5, 7, 1, 7],
    ]

    /// Draws decimal digits at scale 2 (6x10 px per glyph, 8 px advance).
    static func draw(_ img: inout RGBImage, _ text: String, x: Int, y: Int, ink: (UInt8, UInt8, UInt8)) {
        for (n, ch) in text.enumerated() {
            guard let d = ch.wholeNumberValue else { continue }
            for row in 0..<5 {
                for col in 0..<3 where glyphs[d][row] & (4 >> col) != 0 {
                    fill(&img, x: x + n * 8 + col * 2, y: y + row * 2, w: 2, h: 2, colour: ink)
                }
            }
        }
    }
}
