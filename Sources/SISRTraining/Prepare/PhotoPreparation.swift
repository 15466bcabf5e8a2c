import Foundation
import SISRCore

/// Turns a folder of photos into a corpus image folder the way the paper made Flickr1K: "Gaussian blur
/// followed by bicubic downsampling to 960 pixels in the largest dimension".
///
/// Per image, in float64 from x/255: Gaussian blur (``GaussianBlur``), then MATLAB bicubic (Keys
/// a = -0.5) **without** its own antialiasing, since the blur is the anti-aliasing filter, to exactly
/// `longestSide` on the longer axis and `round(short * longestSide / long)` on the other; one rounding
/// to uint8 at the end. The default sigma, `(f - 1) / 2` for the downscaling factor `f = long /
/// longestSide`, is scikit-image's anti-aliasing default for `resize(anti_aliasing=True)`, the
/// common Python reading of "blur, then downsample" (the paper's own sigma is unpublished). A photo
/// whose longest side is already <= `longestSide` is skipped and listed as such.
///
/// Input is PNG (convert JPEG photos first: JPEG decoders differ between libraries and versions, PNG
/// decoding is exact). The output folder gets `<stem>.png` per photo and `photos.json`, which records the
/// SHA-256 of every source and output file, the sizes and the sigma used.
public struct PhotoPreparation: Sendable {
    /// nil = the per-image default `(f - 1) / 2`.
    public var sigma: Double?
    public var longestSide: Int

    public init(sigma: Double? = nil, longestSide: Int = 960) {
        self.sigma = sigma
        self.longestSide = longestSide
    }

    public static func defaultSigma(factor: Double) -> Double { max(0, (factor - 1) / 2) }

    /// The output size for a `width x height` photo.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let long = max(width, height), short = min(width, height)
        let s = max(1, Int((Double(short) * Double(longestSide) / Double(long)).rounded(.toNearestOrAwayFromZero)))
        return width >= height ? (longestSide, s) : (s, longestSide)
    }

    /// The prepared image, and the sigma used.
    public func prepare(_ image: RGBImage) -> (image: RGBImage, sigma: Double) {
        let size = outputSize(width: image.width, height: image.height)
        let factor = Double(max(image.width, image.height)) / Double(longestSide)
        let s = sigma ?? Self.defaultSigma(factor: factor)
        let blurred = GaussianBlur.blur(image.planarDoubles, channels: 3, width: image.width, height: image.height, sigma: s)
        let r = MatlabResize.resize(
            planes: blurred, channels: 3, width: image.width, height: image.height, outWidth: size.width,
            outHeight: size.height, antialiasing: false)
        return (RGBImage.fromPlanarDoubles(r.data, width: r.width, height: r.height), s)
    }

    struct Entry: Sendable {
        var json: JSONValue
        var skipped: Bool
    }

    /// Prepares every PNG of `input` into `output`; returns (prepared, skipped) counts.
    @discardableResult
    public func run(input: URL, output: URL, threads: Int) throws -> (prepared: Int, skipped: Int) {
        guard longestSide > 0 else { throw SISRError.invalidArgument("--size must be positive") }
        if let sigma, !(sigma >= 0 && sigma.isFinite && sigma <= 100) {
            throw SISRError.invalidArgument("--sigma must be a number in [0, 100] or 'auto'")
        }
        guard output.standardizedFileURL.path != input.standardizedFileURL.path else {
            throw SISRError.invalidArgument("\(input.path): the output folder must differ from the input folder")
        }
        let files = try PNGFolder.files(in: input)
        let me = self
        let all = try PNGFolder.map(count: files.count, threads: threads, label: "prepare photos") { i -> Entry in
            let (bytes, image) = try PNGFolder.read(input.appendingPathComponent(files[i]))
            var fields: [String: JSONValue] = [
                "source": .string(files[i]), "source_sha256": .string(SHA256Hasher.hex(bytes)),
                "source_size": .array([.int(Int64(image.width)), .int(Int64(image.height))]),
            ]
            guard max(image.width, image.height) > me.longestSide else {
                fields["skipped"] = .string("longest side \(max(image.width, image.height)) <= \(me.longestSide)")
                return Entry(json: .object(fields), skipped: true)
            }
            let (out, s) = me.prepare(image)
            let png = PNG.encode(out)
            let name = (files[i] as NSString).deletingPathExtension + ".png"
            try AtomicFile.write(png, to: output.appendingPathComponent(name))
            fields["output"] = .string(name)
            fields["output_sha256"] = .string(SHA256Hasher.hex(png))
            fields["size"] = .array([.int(Int64(out.width)), .int(Int64(out.height))])
            fields["sigma"] = .double(s)
            return Entry(json: .object(fields), skipped: false)
        }
        let manifest: JSONValue = .object([
            "format": .string("sisr-photos"), "format_version": .int(1),
            "method": .string(
                "Gaussian blur (scipy reflect, truncate 4) then MATLAB bicubic without antialiasing to the longest side, float64, one uint8 rounding"),
            "longest_side": .int(Int64(longestSide)),
            "sigma": sigma.map { .double($0) } ?? .string("auto: (long / longest_side - 1) / 2"),
            "images": .array(all.map(\.json)),
        ])
        try AtomicFile.write(Array(CanonicalJSON.string(manifest, pretty: true).utf8), to: output.appendingPathComponent("photos.json"))
        let skipped = all.filter(\.skipped).count
        return (all.count - skipped, skipped)
    }
}
