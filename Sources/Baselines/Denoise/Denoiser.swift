import Foundation

/// Something that removes additive noise from a ``PlanarImage`` (values on the 0-255 scale).
///
/// Implementations must be deterministic: the same input gives the same output bytes whatever the
/// number of threads.
public protocol Denoiser: Sendable {
    /// A short name for reports, for example `bm3d(sigma=5)`.
    var name: String { get }
    /// The denoised image, same size and channel count as `image`.
    func denoise(_ image: PlanarImage) -> PlanarImage
}

