// Clients of SRModels (the builder, the CLI, tests) see the engine's types (Tensor, GEMM, Compute,
// EngineSettings) without importing SISREngine themselves.
@_exported import SISREngine
