import Foundation
import SISRCore

/// The PNG files of a folder, sorted by name (the one order every preparation step uses).
enum PNGFolder {
    static func files(in dir: URL) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
            throw SISRError.io(path: dir.path, problem: "cannot list the folder (\(error.localizedDescription))")
        }
        let pngs = names.filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }.sorted()
        guard !pngs.isEmpty else { throw SISRError.invalidArgument("\(dir.path): no PNG files") }
        return pngs
    }

    static func read(_ url: URL) throws -> (bytes: [UInt8], image: RGBImage) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SISRError.io(path: url.path, problem: "cannot read file (\(error.localizedDescription))")
        }
        let bytes = [UInt8](data)
        return (bytes, try PNG.decode(bytes, name: url.path))
    }

    /// Runs `body` for every index on `threads` workers with a progress line; the results in index
    /// order, or the error of the lowest index.
    static func map<T>(count: Int, threads: Int, label: String, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        let progress = ProgressReporter(total: count, label: label)
        defer { progress.finish() }
        return try Parallel.map(count, threads: max(1, threads)) { i in
            defer { progress.advance() }
            return try body(i)
        }
    }

    /// ``map(count:threads:label:_:)`` for work that returns nothing.
    static func forEach(count: Int, threads: Int, label: String, _ body: @Sendable (Int) throws -> Void) throws {
        _ = try map(count: count, threads: threads, label: label, body)
    }
}

extension RGBImage {
    /// Planar float64 in [0, 1] (`[3, height, width]`).
    var planarDoubles: [Double] {
        let n = width * height
        var out = [Double](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 { out[c * n + i] = Double(pixels[i * 3 + c]) / 255 }
        }
        return out
    }

    /// From planar float64 with the project's quantisation (clamp, x255, round half away from zero).
    static func fromPlanarDoubles(_ planes: [Double], width: Int, height: Int) -> RGBImage {
        let n = width * height
        var px = [UInt8](repeating: 0, count: 3 * n)
        for c in 0..<3 {
            for i in 0..<n { px[i * 3 + c] = quantizeUnit(planes[c * n + i]) }
        }
        return RGBImage(width: width, height: height, pixels: px)
    }
}
