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

/// Runs `body(i)` for `i` in `0..<count` on all cores. Each index must write only its own outputs,
/// so the result does not depend on scheduling.
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count <= 0 { return }
    if count == 1 { body(0); return }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
    }
}

/// Carries a non-`Sendable` value into `concurrentPerform`; callers guarantee disjoint writes.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
