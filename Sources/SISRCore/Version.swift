/// The tool's version, recorded in every release manifest.
public enum SISRVersion {
    public static let string = "0.2.0"
    /// The arithmetic contract of the engine's kernels (recorded in every manifest): every dot product
    /// is one sequential fma chain in index order, vectorised across outputs only; transcendental
    /// functions are the engine's own (`DMath`). Same family => same bits on every CPU.
    public static let kernels = "fma-chain-1"
}
