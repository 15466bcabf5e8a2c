import Foundation
import SISRCore

/// What one worker of a split baseline run hands to the merge step (`<out>.part-I-of-N.json`, see
/// docs/FORMAT.md "Baseline partial results"): the per-sample work of its share, exactly (numbers as
/// their little-endian bytes, base64 in the JSON), so the merge gives the bytes of a one-machine run.
public struct BaselinePartial: Codable, Sendable, Equatable {
    public static let formatName = "sisr-baseline-partial"

    /// Per-class sums of PRNU training residuals.
    public struct ClassSum: Codable, Sendable, Equatable {
        public var label: Int
        public var count: Int
        /// `crop * crop * 3` Int64 sums, little-endian.
        public var sums: Data
    }

    public var format = formatName
    public var formatVersion = 1
    /// `acutance`, `spectral` or `prnu`.
    public var baseline: String
    /// Every option that changes the result (`crop`, `k`, `denoiser`, ...), as text.
    public var settings: [String: String]
    public var protocolName: String
    public var manifestSHA256: String
    public var worker: Int
    public var workers: Int
    /// Positions in the protocol's train and test selections this worker processed.
    public var trainPositions: [Int]
    public var testPositions: [Int]
    /// Feature baselines: one vector per position (float64, little-endian).
    public var trainFeatures: [Data]?
    public var testFeatures: [Data]?
    /// PRNU: per-class residual sums of the training positions, and the test residuals (Int8).
    public var classSums: [ClassSum]?
    public var testResiduals: [Data]?

    enum CodingKeys: String, CodingKey {
        case format, baseline, settings, worker, workers
        case formatVersion = "format_version", protocolName = "protocol", manifestSHA256 = "manifest_sha256"
        case trainPositions = "train_positions", testPositions = "test_positions"
        case trainFeatures = "train_features", testFeatures = "test_features"
        case classSums = "class_sums", testResiduals = "test_residuals"
    }

    public init(baseline: String, settings: [String: String], protocolName: String, manifestSHA256: String,
                share: WorkerShare, trainPositions: [Int], testPositions: [Int]) {
        self.baseline = baseline
        self.settings = settings
        self.protocolName = protocolName
        self.manifestSHA256 = manifestSHA256
        worker = share.worker
        workers = share.workers
        self.trainPositions = trainPositions
        self.testPositions = testPositions
    }

    /// The file worker `worker` of `workers` writes next to the predictions file `out`.
    public static func url(out: URL, worker: Int, workers: Int) -> URL {
        URL(fileURLWithPath: out.path + ".part-\(worker)-of-\(workers).json")
    }

    /// Writes the partial atomically (canonical JSON).
    public func write(to url: URL) throws {
        try AtomicFile.write(try CanonicalJSON.encode(self), to: url)
    }

    /// Reads and checks every worker's partial of the run whose predictions go to `out`: all
    /// `<out>.part-I-of-N.json` files, one per worker, of the same baseline, settings, protocol and
    /// release, covering every train and test position exactly once. Errors name the file.
    public static func readAll(out: URL, baseline: String, settings: [String: String], protocolName: String,
                               manifestSHA256: String, trainCount: Int, testCount: Int) throws -> [BaselinePartial] {
        let dir = out.deletingLastPathComponent(), stem = out.lastPathComponent + ".part-"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasPrefix(stem) && $0.hasSuffix(".json") }.sorted()
        let counts = Set(names.compactMap { name -> Int? in
            let core = name.dropFirst(stem.count).dropLast(5)
            guard let r = core.range(of: "-of-") else { return nil }
            return Int(core[r.upperBound...])
        })
        guard let workers = counts.first else {
            throw SISRError.invalidArgument("no partial results \(out.path).part-I-of-N.json to merge (run the workers first: sisr baseline \(baseline) --worker I --workers N --out \(out.path))")
        }
        guard counts.count == 1 else {
            throw SISRError.invalidArgument("partial results of different worker counts next to \(out.path): \(counts.sorted().map { "of-\($0)" }.joined(separator: ", ")); remove the stale ones")
        }
        let missing = (0..<workers).filter { !FileManager.default.fileExists(atPath: url(out: out, worker: $0, workers: workers).path) }
        guard missing.isEmpty else {
            throw SISRError.invalidArgument("cannot merge: \(missing.count) of \(workers) workers have not finished (missing \(missing.prefix(10).map { url(out: out, worker: $0, workers: workers).lastPathComponent }.joined(separator: ", ")))")
        }
        var train = [Bool](repeating: false, count: trainCount), test = [Bool](repeating: false, count: testCount)
        let parts = try (0..<workers).map { w in
            let u = url(out: out, worker: w, workers: workers)
            guard let bytes = FileManager.default.contents(atPath: u.path) else {
                throw SISRError.io(path: u.path, problem: "cannot read the partial result")
            }
            let p = try CanonicalJSON.decode(BaselinePartial.self, from: [UInt8](bytes), path: u.path)
            func fail(_ problem: String) -> SISRError { .corrupt(path: u.path, problem: problem) }
            guard p.format == formatName, p.formatVersion == 1 else { throw fail("not a baseline partial result of format version 1") }
            guard p.baseline == baseline else { throw fail("is a \(p.baseline) result, merging \(baseline)") }
            guard p.protocolName == protocolName else { throw fail("was made for protocol \(p.protocolName), merging \(protocolName)") }
            guard p.manifestSHA256 == manifestSHA256 else { throw fail("was made from another release (manifest.json SHA-256 \(p.manifestSHA256))") }
            guard p.worker == w, p.workers == workers else { throw fail("says worker \(p.worker) of \(p.workers)") }
            for key in Set(settings.keys).union(p.settings.keys).sorted() where settings[key] != p.settings[key] {
                throw fail("was made with \(key) = \(p.settings[key] ?? "none"), the merge asks for \(settings[key] ?? "none"); give the workers' options")
            }
            func cover(_ positions: [Int], _ seen: inout [Bool], _ split: String) throws {
                for i in positions {
                    guard seen.indices.contains(i) else { throw fail("\(split) position \(i) is outside the selection (\(seen.count) samples)") }
                    guard !seen[i] else { throw fail("\(split) position \(i) appears twice") }
                    seen[i] = true
                }
            }
            try cover(p.trainPositions, &train, "train")
            try cover(p.testPositions, &test, "test")
            return p
        }
        if let i = train.firstIndex(of: false) {
            throw SISRError.invalidArgument("the partial results next to \(out.path) do not cover train position \(i): were they made from this release and protocol?")
        }
        if let i = test.firstIndex(of: false) {
            throw SISRError.invalidArgument("the partial results next to \(out.path) do not cover test position \(i): were they made from this release and protocol?")
        }
        return parts
    }
}

/// Exact little-endian byte images of numeric arrays (the payloads of ``BaselinePartial``).
enum RawBytes {
    static func data<T: FixedWidthInteger>(_ v: [T]) -> Data {
        var out = Data(capacity: v.count * MemoryLayout<T>.size)
        for x in v { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    static func data(_ v: [Double]) -> Data { data(v.map(\.bitPattern)) }

    static func integers<T: FixedWidthInteger>(_ d: Data, as _: T.Type, path: String) throws -> [T] {
        let size = MemoryLayout<T>.size
        guard d.count % size == 0 else { throw SISRError.corrupt(path: path, problem: "a numeric array has \(d.count) bytes, not a multiple of \(size)") }
        let bytes = [UInt8](d)
        return (0..<(d.count / size)).map { i in
            var x: T = 0
            for b in 0..<size { x |= T(truncatingIfNeeded: bytes[i * size + b]) << (8 * b) }
            return x
        }
    }

    static func doubles(_ d: Data, path: String) throws -> [Double] {
        try integers(d, as: UInt64.self, path: path).map(Double.init(bitPattern:))
    }
}
