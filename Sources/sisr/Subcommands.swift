import ArgumentParser

extension SISRCommand {
    /// Every subcommand, in the order `sisr --help` lists them. Add new commands here.
    static let allSubcommands: [ParsableCommand.Type] = [
        Degrade.self,
        BenchCore.self,
        ProceduralImages.self,
        InspectWeights.self,
        Upscale.self,
        BenchModels.self,
        Build.self,
        Import.self,
        Verify.self,
        Inspect.self,
        ZooCommand.self,
        LoadBench.self,
        Baseline.self,
        Evaluate.self,
        BenchTransformer.self,
    ]
}
