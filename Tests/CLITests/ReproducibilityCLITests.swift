import Foundation
import SISRCore
import SRModels
import Testing
import TestSupport

/// No byte of a release may depend on OpenBLAS's kernel choice, the instruction set or the thread
/// count. These tests pin each code path this machine has through the environment of a `sisr`
/// subprocess (never changing the test process's own environment).
@Suite("Release bytes independent of BLAS kernel, instruction set and threads")
struct ReproducibilityCLITests {
    static let networks = ["--count", "3", "--size", "36x28", "--samples-per-shard", "4", "--models",
                           "EDSR-demo-x2-L1-s1,RCAN-demo-x4-RandVGG_GAN-s1,RDN-demo-x2-L1-s1,RRDBNet-demo-x4-L1-s1,Lanczos3-NA-x4-NA-NA"]

    func env(_ change: [String: String?]) -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        for k in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX"] { e[k] = nil }
        for (k, v) in change { e[k] = v }
        return e
    }

    func checksums(_ args: [String], _ change: [String: String?]) throws -> Data {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["build", "--out", dir.appendingPathComponent("r").path] + args, environment: env(change))
        try #require(r.status == 0, "\(r.stderr)")
        return try Data(contentsOf: dir.appendingPathComponent("r/CHECKSUMS"))
    }

    @Test("the default release matches CHECKSUMS with OpenBLAS choosing its own kernel, 1 thread")
    func defaultWithOpenBLASUnset() throws {
        let built = try checksums(["--threads", "1"], ["OPENBLAS_CORETYPE": nil, "OPENBLAS_L2_SIZE": nil])
        #expect(built == (try Data(contentsOf: repositoryRoot.appendingPathComponent("CHECKSUMS"))))
    }

    @Test("networks give the same release on the generic path and the CPU's fastest, with other BLAS kernels")
    func genericVersusFastest() throws {
        let fastest = try checksums(Self.networks + ["--threads", "2"], [:])
        let generic = try checksums(Self.networks + ["--threads", "1"],
                                    ["SISR_ISA": "generic", "OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_L2_SIZE": nil])
        #expect(fastest == generic)
        let sandy = try checksums(Self.networks, ["SISR_ISA": "avx2", "OPENBLAS_CORETYPE": "Sandybridge"])
        #expect(fastest == sandy)
    }

    @Test("the manifest records the kernel family; --version names the kernels that run")
    func kernelFamilyRecorded() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r")
        let r = try CLI.run(["build", "--out", out.path, "--count", "2", "--size", "16x16", "--models", "Nearest-NA-x2-NA-NA"],
                            environment: env([:]))
        try #require(r.status == 0, "\(r.stderr)")
        let manifest = try String(decoding: Data(contentsOf: out.appendingPathComponent("manifest.json")), as: UTF8.self)
        let kernels = EngineSettings.processDefault.kernels
        #expect(kernels == SISRVersion.kernels + "+winograd-f4")
        #expect(manifest.contains("\"kernels\":\"\(kernels)\"") || manifest.contains("\"kernels\": \"\(kernels)\""), "\(manifest)")
        let v = try CLI.run(["--version"], environment: env(["SISR_ISA": "generic"]))
        #expect(v.stdout.contains("kernels generic"), "\(v.stdout)")
        #expect(v.stdout.contains("3x3 conv Winograd F(4x4,3x3) from 64 input channels"), "\(v.stdout)")
    }
}
