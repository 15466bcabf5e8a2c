/// `splits.json` of a release and the frozen files in `manifests/splits/`: image ids per split.
/// Splits are by source image: every model's output of one image is in the same split.
public struct Splits: Codable, Sendable, Equatable {
    public var train: [String]
    public var val: [String]
    public var test: [String]

    public init(train: [String], val: [String], test: [String]) {
        self.train = train; self.val = val; self.test = test
    }

    /// The split names in release order.
    public static let names = ["train", "val", "test"]

    /// The image ids of split `name` (`train`, `val`, `test`); nil for other names.
    public subscript(name: String) -> [String]? {
        switch name {
        case "train": return train
        case "val": return val
        case "test": return test
        default: return nil
        }
    }

    /// What an image id may be, for messages.
    public static let idRule = "ids use only A-Z a-z 0-9 _ - and no \"__\""

    /// True if `id` can be an image id (a sample key component without "__").
    public static func isValidID(_ id: String) -> Bool { KeyRules.isValidComponent(id) && !id.contains("__") }

    /// Image id -> split name.
    public var splitOfImage: [String: String] {
        var out = [String: String]()
        for n in Self.names { for id in self[n]! { out[id] = n } }
        return out
    }

    /// Checks that ids are valid key components and that no id is in two splits.
    public func validate(path: String) throws {
        var seen = [String: String]()
        for n in Self.names {
            for (i, id) in self[n]!.enumerated() {
                // The bad value is not echoed: the file may be anything (a mistyped path), and its
                // content does not belong in a message.
                guard Self.isValidID(id) else {
                    throw SISRError.corrupt(path: path, problem: "entry \(i + 1) of \"\(n)\" is not an image id (\(Self.idRule))")
                }
                if let other = seen[id] {
                    throw SISRError.corrupt(path: path, problem: "image \"\(id)\" is in both \(other) and \(n)")
                }
                seen[id] = n
            }
        }
    }

    /// The split rule of the project: shuffle `ids` (sorted first, byte-wise) with
    /// `SeededRandom(seed:, "splits", name)`, then the first `fractions.train` share goes to train,
    /// the next `fractions.val` to val, the rest to test; each split is stored sorted.
    /// Counts are `floor(n * train)` and `floor(n * val)` (800/100/100 for 1000 ids at 0.8/0.1).
    public static func derive(ids: [String], seed: UInt64, name: String,
                              trainFraction: Double = 0.8, valFraction: Double = 0.1) -> Splits {
        var order = ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var rng = SeededRandom(seed: seed, "splits", name)
        rng.shuffle(&order)
        let nTrain = Int((Double(order.count) * trainFraction).rounded(.down))
        let nVal = Int((Double(order.count) * valFraction).rounded(.down))
        func sorted(_ s: ArraySlice<String>) -> [String] {
            s.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
        return Splits(train: sorted(order[0..<nTrain]), val: sorted(order[nTrain..<(nTrain + nVal)]),
                      test: sorted(order[(nTrain + nVal)...]))
    }
}

/// `images.json`: the source images of a release.
public struct ImageList: Codable, Sendable, Equatable {
    /// How the images were obtained, e.g. `procedural` (with `seed`, `width`, `height`) or `folder`.
    public var source: String
    public var seed: UInt64?
    public var images: [ImageRecord]

    public init(source: String, seed: UInt64?, images: [ImageRecord]) {
        self.source = source; self.seed = seed; self.images = images
    }
}

/// One source (HR) image: `sha256` is the SHA-256 of its RGB8 pixels (before modcrop), `origin`
/// where it came from (`procedural:<seed>:<index>` or the file name inside the image folder).
public struct ImageRecord: Codable, Sendable, Equatable {
    public var id: String
    public var width: Int
    public var height: Int
    public var sha256: String
    public var origin: String

    public init(id: String, width: Int, height: Int, sha256: String, origin: String) {
        self.id = id; self.width = width; self.height = height; self.sha256 = sha256; self.origin = origin
    }
}
