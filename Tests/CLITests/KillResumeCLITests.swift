import Foundation
import SISRCore
import Testing
import TestSupport

/// `sisr build` killed with SIGKILL again and again, at points chosen from a seed, and resumed
/// until it finishes: the release must equal an uninterrupted build's byte for byte, and a rerun of
/// the finished build must say it is complete and exit 0.
@Suite("sisr build survives SIGKILL anywhere, finalize included")
struct KillResumeCLITests {
    static let options = ["--count", "4", "--size", "32x24", "--models", "Nearest-NA-x2-NA-NA,Bilinear-NA-x4-NA-NA",
                          "--samples-per-shard", "2", "--threads", "2"]
    static let seed: UInt64 = 12

    /// Runs `sisr build`; with `step` the process kills itself at its step-th durable write
    /// (`KillPoint`), with `delay` the test kills it after that many milliseconds.
    func build(_ out: String, step: Int? = nil, delay: Int? = nil) throws -> (status: Int32, killed: Bool, stdout: String) {
        var env = ProcessInfo.processInfo.environment
        for k in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX"] { env[k] = nil }
        env["SISR_TEST_KILL_AT_STEP"] = step.map(String.init)
        let p = Process()
        p.executableURL = try CLI.binary
        p.arguments = ["build", "--out", out] + Self.options
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        if let delay {
            usleep(useconds_t(delay * 1000))
            kill(p.processIdentifier, SIGKILL)
        }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let killed = p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL
        return (p.terminationStatus, killed, text)
    }

    /// Relative path -> SHA-256 of every file below `dir`, hidden ones included.
    func snapshot(_ dir: URL) throws -> [String: String] {
        var out = [String: String]()
        for case let rel as String in FileManager.default.enumerator(atPath: dir.path)! {
            var isDir: ObjCBool = false
            let u = dir.appendingPathComponent(rel)
            if FileManager.default.fileExists(atPath: u.path, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = try SHA256Hasher.hex(file: u)
            }
        }
        return out
    }

    @Test("killed at seeded points (and at seeded times) and resumed until done: byte-identical, rerun exits 0")
    func killAndResumeUntilDone() throws {
        let dir = try TempDir("sisr-kill").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let ref = dir.appendingPathComponent("ref"), out = dir.appendingPathComponent("killed")
        let t0 = Date()
        #expect(try build(ref.path).status == 0)
        let fullMillis = max(50, Int(Date().timeIntervalSince(t0) * 1000))
        let expected = try snapshot(ref)
        let shardCount = try Release.open(ref).manifest.shards.count

        var rng = SeededRandom(seed: Self.seed, "kill-resume")
        var kills = 0, finalizeKills = 0, timedKills = 0, runs = 0, cycles = 0
        // Whole builds (cycles), each killed and resumed until it finishes, until enough kills
        // have landed, finalize included.
        while cycles < 8 && (kills < 25 || finalizeKills < 4) {
            cycles += 1
            try? FileManager.default.removeItem(at: out)
            var attempt = 0
            while attempt < 100 {
                attempt += 1
                runs += 1
                // All shards finished before this run: whatever it is killed in is finalize.
                let done = out.appendingPathComponent(".sisr-build/done").path
                let inFinalize = ((try? FileManager.default.contentsOfDirectory(atPath: done))?.count ?? 0) == shardCount
                // Mostly a kill at a durable step, 1 up to a bound that grows so that a run gets
                // through finalize's ~20 steps eventually; one run in five at a random time.
                let timed = rng.nextInt(below: 5) == 0
                let r = timed ? try build(out.path, delay: rng.nextInt(below: fullMillis))
                              : try build(out.path, step: 1 + rng.nextInt(below: 6 + 2 * attempt))
                if r.killed {
                    kills += 1
                    if inFinalize { finalizeKills += 1 }
                    if timed { timedKills += 1 }
                    continue
                }
                #expect(r.status == 0, "run \(runs) failed with status \(r.status): \(r.stdout)")
                break
            }
            #expect(try snapshot(out) == expected, "cycle \(cycles): the resumed release differs from the uninterrupted one")
        }
        #expect(kills >= 25, "only \(kills) kills in \(runs) runs")
        #expect(finalizeKills >= 4, "only \(finalizeKills) kills inside finalize")

        // A rerun of the finished build: complete, exit 0, nothing touched.
        let again = try build(out.path)
        #expect(again.status == 0 && again.stdout.contains("nothing to do"), "\(again.stdout)")
        #expect(try snapshot(out) == expected)
        print("kill-resume: \(kills) kills (\(finalizeKills) in finalize, \(timedKills) at random times) in \(runs) runs of \(cycles) builds; every release identical")
    }

    @Test("a finished build killed after removing its work folder, rerun, reports complete")
    func killBetweenCleanupAndExit() throws {
        let dir = try TempDir("sisr-kill2").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r")
        #expect(try build(out.path).status == 0)
        let before = try snapshot(out)
        // Put back what a kill between writing manifest.json and removing the state leaves: the
        // plan, part of the markers and a temporary file.
        let state = out.appendingPathComponent(".sisr-build")
        try FileManager.default.createDirectory(at: state.appendingPathComponent("done"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: state.appendingPathComponent("plan.json"))
        try Data([1, 2]).write(to: out.appendingPathComponent(".index.jsonl.tmp-123"))
        let r = try build(out.path)
        #expect(r.status == 0 && r.stdout.contains("nothing to do"), "\(r.stdout)")
        #expect(try snapshot(out) == before)
    }
}
