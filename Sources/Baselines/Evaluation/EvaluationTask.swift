/// One test sample as the scorer sees it: its key, model, source image and every label.
public struct EvaluationSample: Sendable, Equatable {
    public var key: String
    public var model: String
    public var image: String
    /// All label fields of the sample (`model`, `architecture`, `scale`, `loss`, `dataset`, `seed`, ...).
    public var labels: [String: String]

    public init(key: String, model: String, image: String, labels: [String: String]) {
        self.key = key
        self.model = model
        self.image = image
        self.labels = labels
    }
}

/// What a predictions file is scored against: a protocol's test split, its label and its classes.
public struct EvaluationTask: Sendable {
    /// Protocol name (used in messages and to find the paper's reference numbers).
    public var name: String
    /// The label field predicted (`model` for attribution, else a hyperparameter: parsing).
    public var labelField: String
    /// The classes, in the protocol's order (sorted distinct label values).
    public var classes: [String]
    /// The test samples.
    public var samples: [EvaluationSample]

    public init(name: String, labelField: String, classes: [String], samples: [EvaluationSample]) {
        self.name = name
        self.labelField = labelField
        self.classes = classes
        self.samples = samples
    }

    /// Parsing protocols predict a hyperparameter rather than the model.
    public var isParsing: Bool { labelField != "model" }

    /// The true class of a sample.
    public func truth(_ s: EvaluationSample) -> String { s.labels[labelField] ?? "" }
}
