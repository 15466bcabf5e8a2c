import Foundation
import SISRCore

/// Makes the folders BasicSR's `PairedImageDataset` reads from a folder of HR PNGs, in the layout of
/// the DIV2K/Flickr2K downloads: `<name>_HR/<stem>.png` and `<name>_LR_bicubic/X<s>/<stem>x<s>.png`
/// (`filename_tmpl: '{}x<s>'`).
///
/// HR images are cropped to a multiple of the least common multiple of the scales (BasicSR refuses a
/// pair whose sizes are not exactly `scale` apart); an image that needs no crop is copied byte for
/// byte. LR images are the builder's ``degrade(_:scale:)`` (MATLAB bicubic, antialiased, uint8).
public struct LRFolders: Sendable {
    public var name: String
    public var scales: [Int]

    public init(name: String, scales: [Int]) {
        self.name = name
        self.scales = scales
    }

    public var hrFolder: String { "\(name)_HR" }
    public func lrFolder(scale: Int) -> String { "\(name)_LR_bicubic/X\(scale)" }
    public static func lrName(_ hrName: String, scale: Int) -> String {
        (hrName as NSString).deletingPathExtension + "x\(scale).png"
    }

    /// The crop multiple: lcm of the scales.
    public var modulus: Int {
        scales.reduce(1) { a, b in
            var (x, y) = (a, b)
            while y != 0 { (x, y) = (y, x % y) }
            return a / x * b
        }
    }

    /// Writes the folders under `out`; returns the number of images.
    @discardableResult
    public func run(hrDir: URL, out: URL, threads: Int) throws -> Int {
        guard !scales.isEmpty, scales.allSatisfy({ $0 >= 2 }) else {
            throw SISRError.invalidArgument("--scales must be integers >= 2, e.g. 2,4")
        }
        let hrOut = out.appendingPathComponent(hrFolder)
        guard hrOut.standardizedFileURL.path != hrDir.standardizedFileURL.path else {
            throw SISRError.invalidArgument("\(hrDir.path): the HR source cannot also be the output \(hrFolder) folder")
        }
        let files = try PNGFolder.files(in: hrDir)
        let m = modulus
        let me = self
        try PNGFolder.forEach(count: files.count, threads: threads, label: "prepare \(name)") { i in
            let (bytes, image) = try PNGFolder.read(hrDir.appendingPathComponent(files[i]))
            guard image.width >= m, image.height >= m else {
                throw SISRError.corrupt(path: files[i], problem: "\(image.width)x\(image.height) is smaller than \(m) px")
            }
            let hr = image.modcropped(to: m)
            let target = hrOut.appendingPathComponent(files[i])
            try AtomicFile.write(hr == image ? bytes : PNG.encode(hr), to: target)
            for s in me.scales {
                let lr = degrade(hr, scale: s)
                try AtomicFile.write(
                    PNG.encode(lr), to: out.appendingPathComponent(me.lrFolder(scale: s)).appendingPathComponent(Self.lrName(files[i], scale: s)))
            }
        }
        return files.count
    }
}
