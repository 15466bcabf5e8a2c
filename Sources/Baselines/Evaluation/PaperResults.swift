import Foundation
import SISRCore

/// One reference figure from the paper, read from `manifests/paper-results/<protocol>.json`.
///
/// File format: `{"protocol": NAME, "sources": {ID: "citation"}, "results": [{"metric": ..., "method": ...,
/// "value": percent, "std": percent or absent, "source": ID, "note": ...}]}`. Metric names:
/// `accuracy`, `by.<parameter>.<value>` (e.g. `by.scale.x2`), `class.<label>`, `seed-triplets`
/// (NLSN omitted, as in the paper), `seed-triplets.<loss> <scale>`, `vote1`, `vote10`.
public struct PaperResult: Codable, Sendable, Equatable {
    public var metric: String
    public var method: String
    public var value: Double
    public var std: Double?
    public var source: String
    /// Where in the paper (table, figure or section).
    public var table: String?
    public var note: String?

    public init(metric: String, method: String, value: Double, std: Double? = nil, source: String,
                table: String? = nil, note: String? = nil) {
        self.metric = metric
        self.method = method
        self.value = value
        self.std = std
        self.source = source
        self.table = table
        self.note = note
    }

    /// The file of reference figures for one protocol.
    public struct File: Codable, Sendable {
        public var `protocol`: String
        public var sources: [String: String]
        public var results: [PaperResult]
    }

    /// Reads `<directory>/<protocolName>.json`; no file means no reference figures.
    public static func load(directory: URL, protocolName: String) throws -> [PaperResult] {
        let url = directory.appendingPathComponent("\(protocolName).json")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        do {
            let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
            return file.results.map { r in
                var r = r
                r.source = file.sources[r.source] ?? r.source
                return r
            }
        } catch {
            throw SISRError.corrupt(path: url.path, problem: "not a paper-results file (\(error))")
        }
    }

    /// Our value (percent) of a metric, or nil when the report has no such figure.
    public static func ours(_ metric: String, in r: EvaluationReport) -> Double? {
        let tally: Tally?
        let parts = metric.split(separator: ".", maxSplits: 2).map(String.init)
        switch parts.first {
        case "accuracy": tally = r.overall
        case "vote1": tally = r.oneImage
        case "vote10": tally = r.majorityVote?.groups
        case "class" where parts.count >= 2: tally = r.perClass[parts.dropFirst().joined(separator: ".")]
        case "by" where parts.count == 3: tally = r.byParameter[parts[1]]?[parts[2]]
        case "seed-triplets":
            tally = parts.count == 1 ? r.seedTriplets?.withoutNLSN : r.seedTriplets?.byLossAndScale[parts[1]]
        default: tally = nil
        }
        return tally?.accuracy.map { $0 * 100 }
    }

    /// Pairs every reference figure with ours.
    public static func compare(_ results: [PaperResult], with report: EvaluationReport) -> [PaperComparison] {
        results.map {
            PaperComparison(metric: $0.metric, method: $0.method, paper: $0.value, paperStd: $0.std,
                            ours: ours($0.metric, in: report), source: $0.source, table: $0.table)
        }
    }
}
