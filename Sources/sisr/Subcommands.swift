import ArgumentParser

extension SISRCommand {
    /// Every subcommand, in the order `sisr --help` lists them. Add new commands here.
    static let allSubcommands: [ParsableCommand.Type] = [
        // Releases
        Build.self,
        Import.self,
        Verify.self,
        Inspect.self,
        ZooCommand.self,
        // Images and models
        Degrade.self,
        ProceduralImages.self,
        Upscale.self,
        InspectWeights.self,
        // Training data and weights
        Prepare.self,
        Train.self,
        // Loading, baselines, scoring
        LoadBench.self,
        Baseline.self,
        Evaluate.self,
        // Benchmarks
        BenchCore.self,
        BenchModels.self,
        BenchTransformer.self,
    ]
}
