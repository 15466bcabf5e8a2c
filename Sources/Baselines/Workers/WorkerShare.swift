import DatasetLoader
import Foundation
import SISRCore

/// One machine's part of a baseline run split over `workers` machines (`sisr baseline --worker I
/// --workers N`). The split depends only on the protocol's selection, never on threads:
///
/// - train samples, ordered by (class id, position in the selection), are cut into `workers`
///   contiguous chunks of equal size (±1); worker `I` takes chunk `I`. A worker so sees only a few
///   classes, which keeps PRNU's per-class sums small;
/// - test samples, in selection order, are cut the same way.
///
/// Chunk `I` of `n` items is `n*I/N ..< n*(I+1)/N`.
public struct WorkerShare: Sendable, Equatable {
    public let worker: Int
    public let workers: Int

    /// The whole run on one machine.
    public static let whole = WorkerShare(checked: 0, 1)

    /// - Throws: `SISRError.invalidArgument` unless `0 <= worker < workers`.
    public init(worker: Int, workers: Int) throws {
        guard workers >= 1, (0..<workers).contains(worker) else {
            throw SISRError.invalidArgument("worker index \(worker) is not in 0..<\(workers)")
        }
        self.init(checked: worker, workers)
    }

    private init(checked worker: Int, _ workers: Int) {
        self.worker = worker
        self.workers = workers
    }

    /// This worker's chunk of `order`.
    public func chunk<T>(_ order: [T]) -> [T] {
        let n = order.count
        return Array(order[(n * worker / workers)..<(n * (worker + 1) / workers)])
    }
}

extension ProtocolData {
    /// Positions (in `train.samples`) that `share` processes, ascending.
    public func trainPositions(_ share: WorkerShare) -> [Int] {
        let byClass = train.samples.indices.sorted { (train.classIds[$0], $0) < (train.classIds[$1], $1) }
        return share.chunk(byClass).sorted()
    }

    /// Positions (in `test.samples`) that `share` processes, ascending.
    public func testPositions(_ share: WorkerShare) -> [Int] {
        share.chunk(Array(test.samples.indices))
    }

    /// SHA-256 of the release's `manifest.json` (ties a partial result to its release).
    public func manifestSHA256() throws -> String {
        let url = release.url.appendingPathComponent("manifest.json")
        do { return try SHA256Hasher.hex(file: url) } catch {
            throw SISRError.io(path: url.path, problem: "cannot read (\(error))")
        }
    }
}
