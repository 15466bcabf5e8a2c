import SISRCore

/// How a patch is cut from each image.
public enum CropMode: String, Sendable, Codable, CaseIterable {
    /// A position drawn from `(seed, epoch, key)`; the training default.
    case random
    /// The centre, rounded as `torchvision.transforms.CenterCrop` does; the val/test default.
    case center
}

/// Where one patch lies in its image, and whether it is mirrored.
///
/// Specification, version 1:
/// - **Random**: `rng = SeededRandom(seed, "crop", str(epoch), key)`;
///   `x = rng.next_int(width - patch + 1)`, then `y = rng.next_int(height - patch + 1)`; with
///   horizontal flips on, `flip = rng.next() >> 63 == 1` (drawn after `y`).
/// - **Center**: `x = round_half_even((width - patch) / 2)`, `y = round_half_even((height - patch) / 2)`
///   (Python's `int(round(...))`, as torchvision's `CenterCrop`); never flipped.
/// - Crops lie at integer positions of the exact decoded pixels; images are never resized. An image
///   smaller than the patch is an error naming the sample.
public struct CropPlan: Sendable, Equatable {
    public let x: Int
    public let y: Int
    public let size: Int
    public let flip: Bool

    public init(x: Int, y: Int, size: Int, flip: Bool) {
        self.x = x
        self.y = y
        self.size = size
        self.flip = flip
    }

    /// The crop of `key` (an image of `width x height`) for this epoch.
    /// - Throws: ``LoaderError/argument(_:)`` if the image is smaller than the patch.
    public static func make(
        mode: CropMode, key: String, width: Int, height: Int, patch: Int, seed: UInt64, epoch: Int, hflip: Bool
    ) throws -> CropPlan {
        guard width >= patch, height >= patch else {
            throw LoaderError.argument("sample \(key) is \(width)x\(height), smaller than the \(patch)-pixel patch")
        }
        switch mode {
        case .center:
            return CropPlan(x: halfEven(width - patch), y: halfEven(height - patch), size: patch, flip: false)
        case .random:
            var rng = SeededRandom(seed: seed, "crop", String(epoch), key)
            let x = rng.nextInt(below: width - patch + 1)
            let y = rng.nextInt(below: height - patch + 1)
            let flip = hflip ? rng.next() >> 63 == 1 : false
            return CropPlan(x: x, y: y, size: patch, flip: flip)
        }
    }

    /// `round(d / 2)` with ties to even, for an integer `d >= 0`.
    static func halfEven(_ d: Int) -> Int {
        let k = d / 2
        if d % 2 == 0 { return k }
        return k % 2 == 0 ? k : k + 1
    }
}
