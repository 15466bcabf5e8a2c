import Foundation
import SISRCore

/// Checks made when a loader opens, so that a bad combination of release, protocol and options
/// fails at once with a message saying what to change (not at the first batch).
enum SelectionChecks {
    /// Refuses a patch larger than the smallest selected sample, naming it and the largest patch that fits.
    static func patchFits(_ source: LoaderSource, patch: Int) throws {
        guard let smallest = source.samples.min(by: { min($0.width, $0.height) < min($1.width, $1.height) }),
              min(smallest.width, smallest.height) < patch else { return }
        let fits = min(smallest.width, smallest.height)
        throw LoaderError.argument(
            "the \(patch)-pixel patch is larger than the smallest selected image, \(smallest.width)x\(smallest.height) "
            + "(sample \(smallest.key) of split \(source.split)); use a patch of at most \(fits) pixels "
            + "(patch=\(fits) in Python, --patch \(fits) for sisr load-bench)")
    }

    /// Refuses a split in which the protocol selects nothing, with the release's split sizes.
    static func splitNotEmpty(_ selection: ProtocolSelection, release: Release) throws {
        guard selection.samples.isEmpty else { return }
        let counts = Splits.names.map { "\($0) \(release.samples(inSplit: $0).count)" }.joined(separator: ", ")
        let inSplit = release.samples(inSplit: selection.split).count
        let why = inSplit == 0
            ? "the release has no sample in split \(selection.split) (\(release.splits[selection.split]?.count ?? 0) images)"
            : "protocol \(selection.protocol.name) selects none of its \(inSplit) samples"
        throw LoaderError.argument("split \(selection.split) of release \(release.url.path) is empty: \(why); samples per split: \(counts)")
    }

    /// `family = custom; scale = x2, x4` for a protocol's model filter.
    static func describe(_ models: [String: [String]]) -> String {
        models.isEmpty ? "every model" : models.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value.joined(separator: ", "))" }.joined(separator: "; ")
    }

    /// The values the release's samples have for each label a protocol filters on.
    static func releaseValues(_ release: Release, for models: [String: [String]]) -> String {
        models.keys.sorted().map { key in
            let values = Set(release.samples.compactMap { $0.labels[key] }).sorted(by: byteOrder)
            return "\(key) = \(values.prefix(12).joined(separator: ", "))\(values.count > 12 ? ", ..." : "")"
        }.joined(separator: "; ")
    }
}
