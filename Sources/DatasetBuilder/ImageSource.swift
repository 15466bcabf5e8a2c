import Foundation
import SISRCore

/// Where the HR images come from: the built-in procedural set, or a folder of PNG photos.
public enum ImageSource: Sendable, Equatable {
    /// `count` dead-leaves images of `width` x `height` from `Procedural.image(seed:index:...)`,
    /// ids `img000001`... (1-based).
    case procedural(seed: UInt64, count: Int, width: Int, height: Int)
    /// Every `*.png` file directly inside the folder; the id is the file name without `.png`.
    case folder(URL)

    /// The built-in default: 30 images of 128 x 96.
    public static let defaultProcedural = ImageSource.procedural(seed: 0, count: 30, width: 128, height: 96)

    /// Smallest side accepted for a source image (so x4 models still get a 4-pixel LR side).
    public static let minimumSide = 16
    /// Largest side accepted for a source image.
    public static let maximumSide = 8192

    /// The options that select this source, as recorded in the manifest's `command`.
    public var commandArguments: [String] {
        switch self {
        case let .procedural(seed, count, w, h):
            return ["--images", "procedural", "--image-seed", "\(seed)", "--count", "\(count)", "--size", "\(w)x\(h)"]
        case let .folder(url):
            return ["--images", url.lastPathComponent]
        }
    }

    /// Lists the images (loading each to check it and hash its pixels, on `threads` threads; the list
    /// and the error reported, that of the first bad file in name order, do not depend on it).
    /// Errors name the file.
    public func list(threads: Int = 1) throws -> ImageList {
        switch self {
        case let .procedural(seed, count, w, h):
            guard count >= 1, w >= Self.minimumSide, h >= Self.minimumSide, w <= Self.maximumSide, h <= Self.maximumSide else {
                throw SISRError.invalidArgument("procedural images need count >= 1 and sides in \(Self.minimumSide)...\(Self.maximumSide) (got \(count) of \(w)x\(h))")
            }
            let records = try Parallel.map(count, threads: threads) { i -> ImageRecord in
                let img = Procedural.image(seed: seed, index: i, width: w, height: h)
                return ImageRecord(id: Self.proceduralID(i), width: w, height: h, sha256: img.pixelSHA256,
                                   origin: "procedural:\(seed):\(i)")
            }
            return ImageList(source: "procedural", seed: seed, images: records)
        case let .folder(dir):
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
                throw SISRError.io(path: dir.path, problem: "cannot list image folder (\(error.localizedDescription))")
            }
            let records = try Self.records(names: names, folder: dir.path, threads: threads,
                                           path: { dir.appendingPathComponent($0).path }) {
                try PNG.read(dir.appendingPathComponent($0))
            }
            return ImageList(source: "folder", seed: nil, images: records)
        }
    }

    /// The records of the `*.png` among `names` (the contents of one folder, shown as `folder`; a
    /// file as `path(name)` in errors), each decoded by `read(name)` and checked.
    static func records(names: [String], folder: String, threads: Int = 1, path: (String) -> String,
                        read: (String) throws -> RGBImage) throws -> [ImageRecord] {
        let files = try pngFiles(names, folder: folder, path: path)
        return try Parallel.map(files.count, threads: threads) { i in
            let file = files[i]
            let img = try checked(try read(file), name: path(file))
            return ImageRecord(id: String(file.dropLast(4)), width: img.width, height: img.height,
                               sha256: img.pixelSHA256, origin: file)
        }
    }

    /// Loads one image of the list and checks it still has the recorded pixels.
    public func load(_ record: ImageRecord) throws -> RGBImage {
        let img: RGBImage
        let name: String
        switch self {
        case let .procedural(seed, _, w, h):
            let index = Int(record.origin.split(separator: ":").last ?? "") ?? -1
            img = Procedural.image(seed: seed, index: index, width: w, height: h)
            name = record.origin
        case let .folder(dir):
            let url = dir.appendingPathComponent(record.origin)
            img = try Self.checked(try PNG.read(url), name: url.path)
            name = url.path
        }
        return try Self.unchanged(img, record, name: name)
    }

    /// `img` if it still has the recorded pixels.
    static func unchanged(_ img: RGBImage, _ record: ImageRecord, name: String) throws -> RGBImage {
        guard img.pixelSHA256 == record.sha256 else {
            throw SISRError.corrupt(path: name, problem: "image changed since the build was planned (pixel SHA-256 differs)")
        }
        return img
    }

    /// The id of procedural image `index` (0-based): `img000001` for index 0.
    public static func proceduralID(_ index: Int) -> String {
        let s = String(index + 1)
        return "img" + String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    /// The `*.png` among `names` (one folder's contents), sorted byte-wise; ids must be valid key components.
    static func pngFiles(_ names: [String], folder: String, path: (String) -> String) throws -> [String] {
        let pngs = names.filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard !pngs.isEmpty else { throw SISRError.invalidArgument("\(folder): no .png images found") }
        var seen = Set<String>()
        for f in pngs {
            let id = String(f.dropLast(4))
            guard KeyRules.isValidComponent(id), !id.contains("__") else {
                throw SISRError.invalidArgument("\(path(f)): image names must use only [A-Za-z0-9_-] (no dots, no \"__\") because they become sample keys")
            }
            guard seen.insert(id).inserted else {
                throw SISRError.invalidArgument("\(path(f)): two images have the id \(id)")
            }
        }
        return pngs
    }

    /// `img` if its size is accepted; errors name the file (`name`).
    static func checked(_ img: RGBImage, name: String) throws -> RGBImage {
        guard img.width >= minimumSide, img.height >= minimumSide, img.width <= maximumSide, img.height <= maximumSide else {
            throw SISRError.invalidArgument("\(name): image is \(img.width)x\(img.height); sides must be \(minimumSide)...\(maximumSide) pixels")
        }
        return img
    }
}
