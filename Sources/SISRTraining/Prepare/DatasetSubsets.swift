import SISRCore

/// The training image lists of the paper's datasets as BasicSR `meta_info` files, and their seeded
/// quarter subsets.
///
/// A quarter subset is the first `count` names after a Fisher-Yates shuffle (``SeededRandom/shuffle(_:)``)
/// of the sorted full list with `SeededRandom(seed: seed, "quarter", dataset)`, written in sorted order.
/// It depends only on the seed and the published file names, so it is made without the images.
public enum TrainingDataset: String, CaseIterable, Sendable {
    case div2k, flickr2k

    /// The training images' file names as the datasets publish them (`0001.png` ... `0800.png`;
    /// `000001.png` ... `002650.png`).
    public var imageNames: [String] {
        switch self {
        case .div2k: return (1...800).map { Self.padded($0, 4) + ".png" }
        case .flickr2k: return (1...2650).map { Self.padded($0, 6) + ".png" }
        }
    }

    /// 200 of DIV2K's 800, 650 of Flickr2K's 2,650 (the paper's "quarter" sets).
    public var quarterCount: Int { self == .div2k ? 200 : 650 }

    /// The seeded quarter subset, sorted.
    public func quarterSubset(seed: UInt64) -> [String] {
        var names = imageNames
        var rng = SeededRandom(seed: seed, "quarter", rawValue)
        rng.shuffle(&names)
        return Array(names.prefix(quarterCount)).sorted()
    }

    /// The text of a BasicSR `meta_info` file: one GT file name per line (BasicSR reads the first word).
    public static func metaInfo(_ names: [String]) -> String {
        names.map { $0 + "\n" }.joined()
    }

    /// The four `meta_info` files the option files in `manifests/training/` name, by file name.
    public static func metaInfoFiles(seed: UInt64) -> [(name: String, text: String)] {
        allCases.flatMap { d in
            [(d.rawValue + ".txt", metaInfo(d.imageNames)), ("quarter_\(d.rawValue).txt", metaInfo(d.quarterSubset(seed: seed)))]
        }
    }

    private static func padded(_ i: Int, _ width: Int) -> String {
        let s = String(i)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
