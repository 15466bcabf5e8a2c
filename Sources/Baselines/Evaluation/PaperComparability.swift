import DatasetLoader
import SISRCore

/// Whether a run's figures can be read against the paper's: the paper evaluated each protocol on its
/// 205-model corpus with 100 test photos per model. A run on another release (the built-in demo, a
/// subset of models or images) gets a note saying the figures are shown for reference only.
public enum PaperComparability {
    /// Test photos per model in the paper (Flickr1K: 800 train, 100 val, 100 test).
    public static let paperTestImagesPerModel = 100

    /// nil when the run has the paper's classes and test images for `experiment`, else a sentence
    /// for the report. `paperZoo` is `manifests/zoo.json` (nil when it cannot be found).
    public static func note(experiment: ExperimentProtocol, classes: Int, testSamples: Int, paperZoo: Zoo?) -> String? {
        guard let zoo = paperZoo else {
            return "Cannot tell whether these figures are comparable with the paper's (manifests/zoo.json not found); the paper used 100 test images per model of its 205-model zoo."
        }
        let used = zoo.models.filter { experiment.usesModel(labels: $0.labels) }
        let expectedClasses = Set(used.compactMap { $0.labels[experiment.label] }).count
        let expectedTest = used.filter { experiment.selects(labels: $0.labels, split: "test") }.count * paperTestImagesPerModel
        guard classes != expectedClasses || testSamples != expectedTest else { return nil }
        return "Not comparable with the paper: this run has \(classes) classes and \(testSamples) test images; the paper's "
            + "\(experiment.name) has \(expectedClasses) classes and \(expectedTest) test images (\(paperTestImagesPerModel) per model). "
            + "The paper's figures are shown for reference only."
    }
}
