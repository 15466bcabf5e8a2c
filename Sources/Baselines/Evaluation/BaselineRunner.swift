import DatasetLoader
import Foundation
import SISRCore

/// Runs a reference baseline on a protocol on this machine: trains on the train split, predicts the
/// test split (``SplittableBaseline/run(_:)``; `sisr baseline --workers N` splits the same work).
public enum BaselineRunner {
    /// ``AcutanceBaseline``.
    public static func acutance(_ data: ProtocolData, k: Int = 20, crop: Int? = 224) throws -> [Prediction] {
        try AcutanceBaseline(k: k, crop: crop).run(data)
    }

    /// ``SpectralBaseline``.
    public static func spectral(
        _ data: ProtocolData, crop: Int? = 224, l2: Double = 1e-3, iterations: Int = 1000
    ) throws -> [Prediction] {
        try SpectralBaseline(crop: crop, l2: l2, iterations: iterations).run(data)
    }

    /// ``PRNUProtocolBaseline``.
    public static func prnu(
        _ data: ProtocolData, crop: Int = 224, denoiser: any Denoiser = BM3D(sigma: 5),
        match: PRNUBaseline.Match = .euclidean
    ) throws -> [Prediction] {
        try PRNUProtocolBaseline(crop: crop, denoiser: denoiser, match: match).run(data)
    }
}
