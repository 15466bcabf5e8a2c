/// The tool's version, recorded in every release manifest.
public enum SISRVersion {
    public static let string = "0.1.0"
}
