import Foundation
import SISRCore

/// Says how two build plans (`.sisr-build/plan.json` bytes) differ, in terms of the options a
/// user typed: `--samples-per-shard is 32 in the unfinished build, 64 now`.
enum PlanDifference {
    /// The differences, most specific first; empty when the plans are equal or cannot be read.
    static func describe(old: [UInt8], new: [UInt8]) -> [String] {
        guard let a = object(old), let b = object(new) else { return [] }
        var out = [String]()
        let oldOptions = options(a["command"]), newOptions = options(b["command"])
        for key in Set(oldOptions.keys).union(newOptions.keys).sorted() where oldOptions[key] != newOptions[key] {
            out.append("\(key) is \(oldOptions[key] ?? "not given") in the unfinished build, \(newOptions[key] ?? "not given") now")
        }
        let parts: [(String, String)] = [
            ("zoo", "the zoo's models or their settings"), ("images", "the images (list, sizes or pixels)"),
            ("splits", "the splits"), ("unavailable", "which models can run here (weights found or missing)"),
        ]
        for (key, what) in parts where !same(a[key], b[key]) { out.append("\(what) changed") }
        if out.isEmpty && !same(a["shards"], b["shards"]) { out.append("the planned shards differ") }
        return out
    }

    static func object(_ bytes: [UInt8]) -> [String: JSONValue]? {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)))?.objectValue
    }

    /// `--name value` pairs (and bare flags) of a recorded command.
    static func options(_ command: JSONValue?) -> [String: String] {
        let args = command?.arrayValue?.compactMap(\.stringValue) ?? []
        var out = [String: String]()
        var i = 0
        while i < args.count {
            if args[i].hasPrefix("--") {
                if i + 1 < args.count && !args[i + 1].hasPrefix("--") {
                    out[args[i]] = args[i + 1]
                    i += 2
                    continue
                }
                out[args[i]] = "set"
            }
            i += 1
        }
        return out
    }

    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool { a == b }
}
