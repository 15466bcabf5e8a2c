/// `manifest.json`: the root of trust of a release (docs/FORMAT.md). Key names are snake_case in JSON.
public struct ReleaseManifest: Codable, Sendable, Equatable {
    public static let formatName = "sisr-release"
    /// The version this tool writes: 3 (one zstd frame per band of rows). Versions 1 (one frame per
    /// shard) and 2 (one frame per sample) are still read.
    public static let currentFormatVersion = 3
    /// The versions this tool reads.
    public static let readableFormatVersions = 1...3
    /// Rows per band of format 3 unless `sisr build --band-rows` says otherwise (docs/FORMAT.md).
    public static let defaultBandRows = 32
    /// The frame layout each format version has.
    public static func frames(ofVersion v: Int) -> FrameLayout { v <= 1 ? .single : (v == 2 ? .perSample : .perBand) }

    public var format: String
    public var formatVersion: Int
    public var tool: Tool
    /// The build command reduced to the options that decide the output (never paths to the output,
    /// thread counts or worker indices), so every way of building the same release records the same.
    public var command: [String]
    /// The release seed (split shuffles, sample order salt, demo weights).
    public var seed: UInt64
    public var inputs: Inputs
    public var png: PNGSettings
    public var zstd: ZstdSettings
    /// Samples per shard the plan used (the last shard of a split may hold fewer).
    public var samplesPerShard: Int
    /// Sample counts per split (`train`, `val`, `test`).
    public var splitSamples: [String: Int]
    /// Zoo models asked for but not runnable, with the reason; their samples are absent.
    public var unavailable: [UnavailableModel]
    public var shards: [ShardRecord]

    public init(command: [String], seed: UInt64, inputs: Inputs, png: PNGSettings, zstd: ZstdSettings,
                samplesPerShard: Int, splitSamples: [String: Int], unavailable: [UnavailableModel],
                shards: [ShardRecord], tool: Tool = Tool(name: "sisr", version: SISRVersion.string, kernels: SISRVersion.kernels)) {
        self.format = Self.formatName
        self.formatVersion = Self.currentFormatVersion
        self.tool = tool
        self.command = command
        self.seed = seed
        self.inputs = inputs
        self.png = png
        self.zstd = zstd
        self.samplesPerShard = samplesPerShard
        self.splitSamples = splitSamples
        self.unavailable = unavailable
        self.shards = shards
    }

    enum CodingKeys: String, CodingKey {
        case format, tool, command, seed, inputs, png, zstd, unavailable, shards
        case formatVersion = "format_version"
        case samplesPerShard = "samples_per_shard"
        case splitSamples = "split_samples"
    }

    public struct Tool: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        /// The kernel family that computed the release's pixels (absent in releases before 0.2.0).
        public var kernels: String?
        public init(name: String, version: String, kernels: String? = nil) {
            self.name = name
            self.version = version
            self.kernels = kernels
        }
    }

    /// A file of the release and its SHA-256.
    public struct FileRef: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) { self.path = path; self.sha256 = sha256 }
    }

    /// `index.jsonl`: path, SHA-256 and number of lines (samples).
    public struct IndexRef: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var samples: Int
        public init(path: String, sha256: String, samples: Int) {
            self.path = path; self.sha256 = sha256; self.samples = samples
        }
    }

    public struct Inputs: Codable, Sendable, Equatable {
        public var zoo: FileRef
        public var splits: FileRef
        public var images: FileRef
        public var index: IndexRef
        public init(zoo: FileRef, splits: FileRef, images: FileRef, index: IndexRef) {
            self.zoo = zoo; self.splits = splits; self.images = images; self.index = index
        }
    }

    public struct PNGSettings: Codable, Sendable, Equatable {
        public var compressionLevel: Int
        public var filter: String
        /// Format 3: rows per band (each band's first row has filter None, its IDAT chunk and zstd
        /// frame of its own); nil before format 3.
        public var bandRows: Int?
        public init(compressionLevel: Int, filter: String, bandRows: Int? = nil) {
            self.compressionLevel = compressionLevel; self.filter = filter; self.bandRows = bandRows
        }
        enum CodingKeys: String, CodingKey {
            case filter
            case compressionLevel = "compression_level"
            case bandRows = "band_rows"
        }
    }

    public struct ZstdSettings: Codable, Sendable, Equatable {
        public var level: Int
        public var frames: FrameLayout
        public var checksum: Bool
        public init(level: Int, frames: FrameLayout = .perBand, checksum: Bool = true) {
            self.level = level; self.frames = frames; self.checksum = checksum
        }
    }

    /// How a shard's tar is cut into zstd frames: `1` (format 1: one frame per shard),
    /// `"per-sample"` (format 2: one frame per sample, then one for the end-of-archive blocks) or
    /// `"per-band"` (format 3: per sample a head frame, one frame per band of PNG rows and a tail
    /// frame, then one for the end-of-archive blocks).
    public enum FrameLayout: Codable, Sendable, Equatable {
        case single
        case perSample
        case perBand

        /// One frame or more per sample (formats 2 and 3): samples can be read alone.
        public var perSampleRegions: Bool { self != .single }

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self), n == 1 { self = .single; return }
            if let s = try? c.decode(String.self), s == "per-sample" { self = .perSample; return }
            if let s = try? c.decode(String.self), s == "per-band" { self = .perBand; return }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "zstd.frames must be 1, \"per-sample\" or \"per-band\"")
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .single: try c.encode(1)
            case .perSample: try c.encode("per-sample")
            case .perBand: try c.encode("per-band")
            }
        }
    }

    public struct UnavailableModel: Codable, Sendable, Equatable {
        public var model: String
        public var reason: String
        public init(model: String, reason: String) { self.model = model; self.reason = reason }
    }
}

/// One shard in `manifest.json`'s `shards` array. `sha256`/`bytes` are of the `.tar.zst` file,
/// `tar_sha256`/`tar_bytes` of the decompressed tar.
public struct ShardRecord: Codable, Sendable, Equatable {
    public var path: String
    public var split: String
    public var samples: Int
    public var bytes: Int
    public var sha256: String
    public var tarBytes: Int
    public var tarSHA256: String
    public var firstKey: String
    public var lastKey: String

    public init(path: String, split: String, samples: Int, bytes: Int, sha256: String, tarBytes: Int,
                tarSHA256: String, firstKey: String, lastKey: String) {
        self.path = path; self.split = split; self.samples = samples; self.bytes = bytes; self.sha256 = sha256
        self.tarBytes = tarBytes; self.tarSHA256 = tarSHA256; self.firstKey = firstKey; self.lastKey = lastKey
    }

    /// The most bytes a reader lets this shard decompress to: `tar_bytes` plus 1 MiB, so a damaged
    /// or hostile shard is stopped near its declared size instead of expanding without limit.
    public var maxTarBytes: Int { Self.decompressionLimit(tarBytes: tarBytes) }

    /// `maxTarBytes` for a declared `tar_bytes` (never overflows, whatever the manifest says).
    public static func decompressionLimit(tarBytes: Int) -> Int { min(max(tarBytes, 1), Int.max - (1 << 20)) + (1 << 20) }

    enum CodingKeys: String, CodingKey {
        case path, split, samples, bytes, sha256
        case tarBytes = "tar_bytes"
        case tarSHA256 = "tar_sha256"
        case firstKey = "first_key"
        case lastKey = "last_key"
    }
}

/// One line of `index.jsonl`. Offsets are of the member *data* inside the decompressed tar of
/// shard number `shard` (an index into `manifest.json`'s `shards`).
public struct SampleRecord: Codable, Sendable, Equatable {
    public var key: String
    public var model: String
    public var image: String
    public var split: String
    public var labels: Labels
    public var width: Int
    public var height: Int
    /// PSNR (dB) against the modcropped HR image; absent for reference (HR/LR) samples.
    public var psnr: Double?
    public var shard: Int
    public var pngOffset: Int
    public var pngSize: Int
    public var jsonOffset: Int
    public var jsonSize: Int
    public var pngSHA256: String
    public var pixelSHA256: String
    /// Formats 2 and 3: where the sample's zstd frames lie in the `.tar.zst` file (byte offset and
    /// size of the region: one frame in format 2, head + bands + tail frames in format 3) and the
    /// SHA-256 of those compressed bytes. They decompress to the tar bytes from the `.png` member's
    /// header (`png_offset - 512`) to the end of the `.json` member's padding. nil in format 1.
    public var frameOffset: Int?
    public var frameSize: Int?
    public var frameSHA256: String?

    public init(key: String, model: String, image: String, split: String, labels: Labels, width: Int,
                height: Int, psnr: Double?, shard: Int, pngOffset: Int, pngSize: Int, jsonOffset: Int,
                jsonSize: Int, pngSHA256: String, pixelSHA256: String,
                frameOffset: Int? = nil, frameSize: Int? = nil, frameSHA256: String? = nil) {
        self.key = key; self.model = model; self.image = image; self.split = split; self.labels = labels
        self.width = width; self.height = height; self.psnr = psnr; self.shard = shard
        self.pngOffset = pngOffset; self.pngSize = pngSize; self.jsonOffset = jsonOffset; self.jsonSize = jsonSize
        self.pngSHA256 = pngSHA256; self.pixelSHA256 = pixelSHA256
        self.frameOffset = frameOffset; self.frameSize = frameSize; self.frameSHA256 = frameSHA256
    }

    /// Where the PNG member lies in a tar of `tarCount` bytes; nil if the recorded offset and size
    /// do not fit (checked without overflow, so any `png_offset`/`png_size` is safe to pass).
    public func pngRange(inTarOf tarCount: Int) -> Range<Int>? {
        guard pngSize > 0 else { return nil }
        return Range(offset: pngOffset, size: pngSize, within: tarCount)
    }

    enum CodingKeys: String, CodingKey {
        case key, model, image, split, labels, width, height, psnr, shard
        case pngOffset = "png_offset"
        case pngSize = "png_size"
        case jsonOffset = "json_offset"
        case jsonSize = "json_size"
        case pngSHA256 = "png_sha256"
        case pixelSHA256 = "pixel_sha256"
        case frameOffset = "frame_offset"
        case frameSize = "frame_size"
        case frameSHA256 = "frame_sha256"
    }

    /// The content of the sample's `<key>.json` member: everything except the shard position.
    public var member: SampleMember {
        SampleMember(key: key, model: model, image: image, split: split, labels: labels, width: width,
                     height: height, psnr: psnr, pngSHA256: pngSHA256, pixelSHA256: pixelSHA256)
    }
}

/// The `<key>.json` member of a sample (canonical compact JSON).
public struct SampleMember: Codable, Sendable, Equatable {
    public var key: String
    public var model: String
    public var image: String
    public var split: String
    public var labels: Labels
    public var width: Int
    public var height: Int
    public var psnr: Double?
    public var pngSHA256: String
    public var pixelSHA256: String

    public init(key: String, model: String, image: String, split: String, labels: Labels, width: Int,
                height: Int, psnr: Double?, pngSHA256: String, pixelSHA256: String) {
        self.key = key; self.model = model; self.image = image; self.split = split; self.labels = labels
        self.width = width; self.height = height; self.psnr = psnr
        self.pngSHA256 = pngSHA256; self.pixelSHA256 = pixelSHA256
    }

    enum CodingKeys: String, CodingKey {
        case key, model, image, split, labels, width, height, psnr
        case pngSHA256 = "png_sha256"
        case pixelSHA256 = "pixel_sha256"
    }
}

extension Range where Bound == Int {
    /// `offset ..< offset + size` if it lies inside `0 ..< count`, checked without arithmetic that
    /// can overflow, so any offset and size read from an index or a header are safe to pass.
    public init?(offset: Int, size: Int, within count: Int) {
        guard offset >= 0, size >= 0, offset <= count, size <= count - offset else { return nil }
        self = offset..<(offset + size)
    }
}
