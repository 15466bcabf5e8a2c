import Foundation
import SISRCore
import Testing
import TestSupport

/// What a new user meets in the first hour (issue 13): usage, option rules, messages that say what
/// is wrong and what to do, progress and hints that work as printed.
@Suite("sisr for a new user: usage, options, messages")
struct NewUserCLITests {
    /// 6 tiny images x 2 classical models, 3 samples per shard: a release in well under a second.
    static let small = ["--count", "6", "--size", "32x24", "--models", "Nearest-NA-x2-NA-NA,Bilinear-NA-x4-NA-NA",
                        "--samples-per-shard", "3"]

    func env() -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        for k in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX",
                  "SISR_PROTOCOLS"] { e[k] = nil }
        return e
    }

    func build(_ args: [String], cwd: URL? = nil) throws -> ProcessResult { try CLI.run(["build"] + args, environment: env(), cwd: cwd) }

    @Test("sisr with no arguments prints the usage on stderr and exits non-zero")
    func noArguments() throws {
        let r = try CLI.run([])
        #expect(r.status == 64)
        #expect(r.stderr.contains("USAGE: sisr <subcommand>") && r.stderr.contains("build"))
    }

    @Test("a bad option value of build prints build's usage, not the top-level one")
    func subcommandUsage() throws {
        let r = try build(["--size", "100"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--size must be WIDTHxHEIGHT"))
        #expect(r.stderr.contains("Usage: sisr build") || r.stderr.contains("USAGE: sisr build"), "\(r.stderr)")
    }

    @Test("--threads: one rule everywhere; -1 and =-1 are refused alike, 0 means one per core")
    func threadsRule() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        for command in [["build"], ["import", dir.path], ["load-bench", dir.path], ["bench-models"], ["upscale", "--arch", "edsr", "--weights", "w", "a", "b"]] {
            for form in [["--threads", "-1"], ["--threads=-1"]] {
                let r = try CLI.run(command + form, environment: env())
                #expect(r.status != 0)
                #expect(r.stderr.contains("--threads must be 0 (one thread per core) or a positive number, not -1"), "\(command) \(form): \(r.stderr)")
            }
        }
        let out = dir.appendingPathComponent("r").path
        let ok = try build(["--out", out, "--threads", "0"] + Self.small)
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test("--zoo paper and file zoos are resolved the same in build, import and zoo; errors say missing or malformed")
    func zooResolver() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let paper = try build(["--zoo", "paper", "--out", dir.appendingPathComponent("p").path])
        #expect(paper.status != 0)
        #expect(!paper.stderr.contains("cannot read zoo file"))
        #expect(paper.stderr.contains("nothing to build: no runnable model (205 unavailable, e.g."), "\(paper.stderr)")
        let missing = dir.appendingPathComponent("nope.json").path
        for command in [["build", "--zoo", missing], ["zoo", "--zoo", missing], ["import", dir.path, "--zoo", missing]] {
            let r = try CLI.run(command, environment: env())
            #expect(r.status != 0 && r.stderr.contains("nope.json: zoo file not found"), "\(command): \(r.stderr)")
        }
        let broken = dir.appendingPathComponent("broken.json")
        try Data("{\"format\": ".utf8).write(to: broken)
        let r = try CLI.run(["zoo", "--zoo", broken.path])
        #expect(r.status != 0 && r.stderr.contains("broken.json: malformed zoo file"), "\(r.stderr)")
        let demo = try build(["--models", "RCAN-div2k-x4-L1-NA-pretrained", "--out", dir.appendingPathComponent("d").path])
        #expect(demo.status != 0 && demo.stderr.contains("not in zoo demo") && demo.stderr.contains("--zoo paper"), "\(demo.stderr)")
    }

    @Test("--weights, --images and --splits naming nothing are refused as such")
    func missingWeightsFolder() throws {
        let r = try build(["--zoo", "paper", "--weights", "/nonexistent/weights"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--weights /nonexistent/weights: no such folder"), "\(r.stderr)")
        let images = try build(["--images", "/nonexistent/photos"])
        #expect(images.status != 0 && images.stderr.contains("--images /nonexistent/photos: no such folder"), "\(images.stderr)")
        let splits = try build(["--splits", "/nonexistent/splits.json"])
        #expect(splits.status != 0 && splits.stderr.contains("--splits /nonexistent/splits.json: file not found"), "\(splits.stderr)")
    }

    @Test("the image folder scan says what it found and what it skipped")
    func folderScan() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let photos = dir.appendingPathComponent("photos")
        for i in 0..<3 { try PNG.write(Procedural.image(seed: 1, index: i, width: 32, height: 24), to: photos.appendingPathComponent("p\(i).png")) }
        try Data("x".utf8).write(to: photos.appendingPathComponent("holiday.jpg"))
        try Data("x".utf8).write(to: photos.appendingPathComponent("other.JPG"))
        try FileManager.default.createDirectory(at: photos.appendingPathComponent("more"), withIntermediateDirectories: true)
        let r = try build(["--images", photos.path, "--models", "Nearest-NA-x2-NA-NA", "--out", dir.appendingPathComponent("r").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("images: 3 PNG images in \(photos.path); skipped 2 .jpg files, 1 subfolder (not searched)"), "\(r.stderr)")
    }

    @Test("an unfinished build is reported as such by verify and inspect; a different rerun names the option")
    func unfinishedBuild() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r").path
        let w0 = try build(["--out", out, "--worker", "0", "--workers", "2"] + Self.small)
        #expect(w0.status == 0, "\(w0.stderr)")
        let total = try #require(ReleaseFolder.buildProgress(URL(fileURLWithPath: out))).total
        for command in ["verify", "inspect"] {
            let r = try CLI.run([command, out])
            let text = r.stdout + r.stderr
            #expect(r.status != 0)
            #expect(text.contains("unfinished build, \((total + 1) / 2) of \(total) shards done; rerun the same command"), "\(text)")
        }
        let other = try build(["--out", out] + Self.small.dropLast() + ["4"])
        #expect(other.status != 0)
        #expect(other.stderr.contains("--samples-per-shard is 3 in the unfinished build, 4 now"), "\(other.stderr)")
        // The worker's own hint finishes the release once the other worker is done.
        let w1 = try build(["--out", out, "--worker", "1", "--workers", "2"] + Self.small)
        #expect(w1.stdout.contains("sisr build --finalize --out \(out)"))
        #expect(try CLI.run(["build", "--finalize", "--out", out]).status == 0)
    }

    @Test("verify on a folder that does not exist says so; one problem is singular")
    func verifyMessages() throws {
        let r = try CLI.run(["verify", "nope-\(UUID().uuidString)"])
        #expect(r.status != 0 && r.stdout.contains("no such folder"), "\(r.stdout)")
        #expect(r.stdout.contains("FAILED: 1 problem in"), "\(r.stdout)")
    }

    @Test("an empty split is warned about at build time and refused by load-bench; the default patch fits")
    func emptySplitAndPatch() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r").path
        let b = try build(["--out", out, "--count", "3", "--size", "40x36", "--models", "Nearest-NA-x2-NA-NA"])
        #expect(b.status == 0, "\(b.stderr)")
        let release = try Release.open(URL(fileURLWithPath: out))
        let empty = try #require(Splits.names.first { release.splits[$0]!.isEmpty })
        #expect(b.stderr.contains("warning: split \(empty) has no images"), "\(b.stderr)")
        let lb = try CLI.run(["load-bench", out, "--split", empty])
        #expect(lb.status != 0)
        #expect(lb.stderr.contains("split \(empty) of release") && lb.stderr.contains("is empty"), "\(lb.stderr)")
        // No --patch: the largest power of two that fits (32 for 40x36); a larger patch fails at open.
        let full = try #require(Splits.names.first { !release.splits[$0]!.isEmpty })
        let auto = try CLI.run(["load-bench", out, "--split", full])
        #expect(auto.status == 0 && auto.stdout.contains("patch 32"), "\(auto.stdout)\(auto.stderr)")
        let big = try CLI.run(["load-bench", out, "--split", full, "--patch", "224"])
        #expect(big.status != 0)
        #expect(big.stderr.contains("the 224-pixel patch is larger than the smallest selected image, 40x36"), "\(big.stderr)")
        #expect(big.stderr.contains("--patch 36"))
        #expect(b.stdout.contains("sisr load-bench \(out) --patch 32") && b.stdout.contains("patch=32"), "\(b.stdout)")
    }

    @Test("protocol errors: selecting nothing names the wanted and present values; unknown names list the known ones")
    func protocolMessages() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r").path
        #expect(try build(["--out", out] + Self.small).status == 0)
        let proto = dir.appendingPathComponent("custom.json")
        try Data(#"{"name": "custom", "description": "", "models": {"family": ["custom"]}, "label": "model", "withheld": null}"#.utf8).write(to: proto)
        let none = try CLI.run(["load-bench", out, "--protocol", proto.path, "--patch", "16"])
        #expect(none.status != 0)
        #expect(none.stderr.contains("it wants family = custom; the release has family = demo"), "\(none.stderr)")
        #expect(!none.stderr.contains("[\""), "Swift dictionary dump: \(none.stderr)")
        let unknown = try CLI.run(["load-bench", out, "--protocol", "attribution-dem", "--patch", "16"], environment: env())
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("Did you mean attribution-demo") && unknown.stderr.contains("Known protocols:"), "\(unknown.stderr)")
    }

    @Test("evaluate says when the paper's figures are not comparable with the run")
    func evaluateComparability() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r").path
        #expect(try build(["--out", out, "--count", "10", "--size", "32x24", "--models", "Nearest-NA-x2-NA-NA,Bilinear-NA-x4-NA-NA"]).status == 0)
        // A protocol named like the paper's 205-class one, run on 2 classes.
        let proto = dir.appendingPathComponent("attribution-all.json")
        try Data(#"{"name": "attribution-all", "description": "", "models": {}, "label": "model", "withheld": null}"#.utf8).write(to: proto)
        let preds = dir.appendingPathComponent("p.jsonl").path
        let b = try CLI.run(["baseline", "acutance", "--protocol", proto.path, "--release", out, "--out", preds, "--k", "1"])
        #expect(b.status == 0, "\(b.stderr)")
        let e = try CLI.run(["evaluate", "--protocol", proto.path, "--release", out, "--predictions", preds])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("94.3"))
        #expect(e.stdout.contains("Not comparable with the paper: this run has 2 classes"), "\(e.stdout)")
        #expect(e.stdout.contains("the paper's attribution-all has 205 classes and 20500 test images"))
    }

    @Test("import warns when it stores samples without PSNR; inspect leaves them out of the mean")
    func importMissingPSNR() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus")
        // im3's output is 2 pixels too wide: no PSNR against the HR.
        try writeCorpus(corpus, images: 3, seed: 4, splits: [("train", "im1\nim3\n"), ("val", ""), ("test", "im2\n")]) { i, hr in
            i == 3 ? Procedural.image(seed: 5, index: i, width: 34, height: 24) : hr
        }
        let out = dir.appendingPathComponent("r").path
        let r = try CLI.run(["import", corpus.path, "--zoo", "demo", "--models", "Nearest-NA-x2-NA-NA", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: 1 of"), "\(r.stderr)")
        #expect(r.stderr.contains("Nearest-NA-x2-NA-NA__im3 is 34x24, HR modcropped to x2 is 32x24"), "\(r.stderr)")
        let inspect = try CLI.run(["inspect", out])
        #expect(inspect.stdout.contains("Nearest-NA-x2-NA-NA  3  100.00 (1 without PSNR)"), "\(inspect.stdout)")
    }

    @Test("import --finalize exists and finishes a release built by import workers")
    func importFinalize() throws {
        let r = try CLI.run(["import", "--finalize", "--out", "/nonexistent/x"])
        #expect(r.status != 0)
        #expect(!r.stderr.contains("Unknown option"), "\(r.stderr)")
        #expect(r.stderr.contains("no build in progress"), "\(r.stderr)")
    }

    @Test("degrade takes a folder (every .png, same names) and refuses a folder into a file")
    func degradeFolder() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("hr")
        for i in 0..<2 { try PNG.write(Procedural.image(seed: 2, index: i, width: 40, height: 30), to: src.appendingPathComponent("a\(i).png")) }
        let dst = dir.appendingPathComponent("lr")
        let r = try CLI.run(["degrade", "--scale", "2", src.path, dst.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try PNG.read(dst.appendingPathComponent("a1.png")) == (try degrade(Procedural.image(seed: 2, index: 1, width: 40, height: 30), scale: 2)))
        let file = dst.appendingPathComponent("a0.png").path
        let bad = try CLI.run(["degrade", "--scale", "2", src.path, file])
        #expect(bad.status != 0 && bad.stderr.contains("must be a folder too"), "\(bad.stderr)")
        let missing = try CLI.run(["degrade", "--scale", "2", dir.appendingPathComponent("none.png").path, file])
        #expect(missing.status != 0 && missing.stderr.contains("no such file or folder") && !missing.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test("help texts are not broken in mid-sentence")
    func helpTexts() throws {
        let root = try CLI.run(["--help"])
        let names = root.stdout.split(separator: "\n").compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("  "), let first = t.split(separator: " ").first, !first.hasPrefix("-") else { return nil }
            return String(first)
        }.filter { $0.allSatisfy { $0.isLetter || $0 == "-" } && $0 != "help" }
        #expect(names.contains("build") && names.contains("load-bench"))
        for name in names {
            let lines = try CLI.run(["help", name]).stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // A hard line break inside a sentence shows as a short line followed by one that starts in lower case.
            for (a, b) in zip(lines, lines.dropFirst()) where !a.trimmingCharacters(in: .whitespaces).isEmpty && !a.hasPrefix("  ") {
                let next = b.first.map { $0.isLowercase } ?? false
                #expect(!(a.count < 60 && next), "sisr help \(name): \"\(a)\" / \"\(b)\"")
            }
        }
    }

    @Test("stdout is line-buffered when piped: the first line arrives while the command still runs")
    func lineBuffered() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r").path
        #expect(try build(["--out", out, "--count", "10", "--size", "64x48", "--models", "Nearest-NA-x2-NA-NA,Bilinear-NA-x2-NA-NA"]).status == 0)
        let p = Process()
        p.executableURL = try CLI.binary
        p.arguments = ["load-bench", out, "--patch", "32", "--epochs", "40", "--threads", "1"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        var first = Data()
        while !first.contains(0x0A) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            first.append(chunk)
        }
        let stillRunning = p.isRunning
        _ = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(String(decoding: first, as: UTF8.self).hasPrefix("release "))
        #expect(stillRunning, "the first line arrived only when the process ended (block-buffered stdout)")
    }

    static let hasScript = Tools.has("script")

    /// Runs `sisr args` on a pseudo-terminal (util-linux `script`), so progress lines are drawn.
    func onTerminal(_ args: [String]) throws -> ProcessResult {
        let quoted = ([try CLI.binary.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(Tools.find("script")))
        p.arguments = ["-qec", quoted, "/dev/null"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
    }

    @Test("long commands show count, rate and ETA on a terminal: build, baseline, degrade of a folder",
          .enabled(if: hasScript, "needs util-linux `script` for a pseudo-terminal"))
    func progressOnTerminal() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r").path
        let b = try onTerminal(["build", "--out", out] + Self.small)
        #expect(b.status == 0, "\(b.stdout)")
        #expect(b.stdout.range(of: #"build  \d+/\d+  100%  [0-9.]+/s  ETA \d+:\d\d"#, options: .regularExpression) != nil, "\(b.stdout)")
        let preds = dir.appendingPathComponent("p.jsonl").path
        let a = try onTerminal(["baseline", "acutance", "--protocol", "parsing-demo-scale", "--release", out, "--out", preds, "--k", "1"])
        #expect(a.status == 0, "\(a.stdout)")
        #expect(a.stdout.range(of: #"acutance  \d+/\d+  100%  [0-9.]+/s  ETA"#, options: .regularExpression) != nil, "\(a.stdout)")
        let src = dir.appendingPathComponent("hr")
        for i in 0..<3 { try PNG.write(Procedural.image(seed: 2, index: i, width: 40, height: 30), to: src.appendingPathComponent("a\(i).png")) }
        let d = try onTerminal(["degrade", "--scale", "2", src.path, dir.appendingPathComponent("lr").path])
        #expect(d.stdout.contains("degrade  3/3  100%"), "\(d.stdout)")
        // Piped (as in every other test here), the same commands draw nothing.
        let piped = try CLI.run(["degrade", "--scale", "2", src.path, dir.appendingPathComponent("lr2").path])
        #expect(!piped.stderr.contains("degrade  "), "\(piped.stderr)")
    }
}
