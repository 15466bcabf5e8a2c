import DatasetLoader
import Foundation
import SISRCore

extension COptions {
    /// Every key the options JSON may hold (sisr_loader.h), in the header's order.
    static let keys = ["split", "protocol", "protocol_dirs", "seed", "shuffle", "window", "batch_size", "rank", "world",
                       "tail", "patch", "crop", "hflip", "layout", "normalize", "threads", "prefetch", "cache_bytes", "verify",
                       "verify_sha256", "shared_memory"]

    /// The valid values of options that take one of a list.
    static let choices: [String: [String]] = [
        "split": Splits.names, "tail": TailPolicy.allCases.map(\.rawValue), "crop": CropMode.allCases.map(\.rawValue),
        "layout": PixelLayout.allCases.map(\.rawValue),
    ]

    /// Parses the options JSON of `sisr_loader_open`. Unknown keys, wrong types and values outside a
    /// list are refused with a message naming the option and the valid keys or values.
    static func parse(_ json: String) throws -> COptions {
        let object: JSONValue
        do { object = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) } catch {
            throw LoaderError.argument("options are not valid JSON: \(json.prefix(80))")
        }
        guard let dict = object.objectValue else { throw LoaderError.argument("options must be a JSON object, e.g. {\"patch\": 64}") }
        for key in dict.keys.sorted() where !keys.contains(key) {
            let close = keys.filter { normalized($0) == normalized(key) || normalized($0).hasPrefix(normalized(key)) }
            throw LoaderError.argument("unknown option \"\(key)\"" + (close.isEmpty ? "" : " (did you mean \(close.joined(separator: " or "))?)")
                                       + "; valid options: \(keys.joined(separator: ", "))")
        }
        for (key, valid) in choices {
            if let value = dict[key]?.stringValue, !valid.contains(value) {
                throw LoaderError.argument("option \(key): \"\(value)\" is not one of \(valid.joined(separator: ", "))")
            }
        }
        do { return try JSONDecoder().decode(COptions.self, from: Data(json.utf8)) } catch let error as DecodingError {
            throw LoaderError.argument(describe(error, in: dict))
        }
    }

    static func normalized(_ s: String) -> String { s.lowercased().filter { $0.isLetter } }

    /// `option batch_size must be an integer (got "8")`.
    static func describe(_ error: DecodingError, in dict: [String: JSONValue]) -> String {
        let context: DecodingError.Context
        switch error {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): context = c
        case let .keyNotFound(_, c): context = c
        @unknown default: return "invalid options: \(error)"
        }
        guard let key = context.codingPath.first?.stringValue else { return "invalid options: \(context.debugDescription)" }
        let got = dict[key].map { $0.stringValue ?? "\($0)" } ?? "null"
        let kind: String
        switch key {
        case "protocol": kind = "a protocol name or path (string) or null"
        case "protocol_dirs": kind = "a list of folder paths"
        case "shuffle", "hflip", "normalize", "verify", "verify_sha256", "shared_memory": kind = "true or false"
        case "seed": kind = "an integer from 0 to 2^64-1"
        default: kind = choices[key].map { "one of \($0.joined(separator: ", "))" } ?? "an integer"
        }
        return "option \(key) must be \(kind) (got \(got))"
    }
}
