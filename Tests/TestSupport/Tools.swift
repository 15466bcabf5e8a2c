import Foundation
import SISRCore

/// Optional external tools (python3 and its packages, coreutils). Tests that need one declare it with
/// `.enabled(if: Tools.has(...), "...")` so that a machine without it reports the test as skipped.
public enum Tools {
    /// The executable `name` on `PATH`, or nil.
    public static func find(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Whether `name` is on `PATH`.
    public static func has(_ name: String) -> Bool { find(name) != nil }

    /// Whether `python3` exists and imports every module in `modules`.
    public static func python(has modules: [String]) -> Bool {
        guard let python = find("python3") else { return false }
        return (try? Subprocess.run(python, ["-c", "import " + modules.joined(separator: ", ")]).status) == 0
    }
}

/// The outcome of a finished child process.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs child processes for tests (the one place tests start processes).
public enum Subprocess {
    /// Runs `executable args...` to completion. Stderr goes to a temporary file while stdout is read
    /// from a pipe, so a chatty child cannot block on a full pipe. Throws when it cannot be started.
    @discardableResult
    public static func run(_ executable: String, _ args: [String], cwd: URL? = nil,
                           environment: [String: String]? = nil) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let environment { p.environment = environment }
        if let cwd { p.currentDirectoryURL = cwd }
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("sisr-stderr-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw SISRError.io(path: errURL.path, problem: "cannot create")
        }
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = errHandle
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try? errHandle.close()
        let errData = (try? Data(contentsOf: errURL)) ?? Data()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `python3 -c code args...`: its trimmed stdout; throws when python3 is missing or fails.
    public static func python(_ code: String, _ args: String...) throws -> String {
        guard let python = Tools.find("python3") else { throw SISRError.io(path: "python3", problem: "not on PATH") }
        let r = try run(python, ["-c", code] + args)
        guard r.status == 0 else { throw SISRError.io(path: "python3", problem: "exit \(r.status): \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The first executable called `name` in the build folder around the test bundle (e.g. `sisr`).
    public static func builtExecutable(_ name: String) throws -> URL {
        var candidates = [URL]()
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for dir in candidates {
            var d = dir
            for _ in 0..<4 {
                let c = d.appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: c.path) { return c }
                d = d.deletingLastPathComponent()
            }
        }
        throw SISRError.io(path: name, problem: "cannot find the built executable near \(candidates.map(\.path))")
    }
}

/// The built `sisr` command-line tool (it sits beside the test bundle in the build folder).
public enum CLI {
    private static let lookup = Result { try Subprocess.builtExecutable("sisr") }

    public static var binary: URL { get throws { try lookup.get() } }

    /// Runs `sisr args...` to completion.
    @discardableResult
    public static func run(_ args: [String], environment: [String: String]? = nil, cwd: URL? = nil) throws -> ProcessResult {
        try Subprocess.run(binary.path, args, cwd: cwd, environment: environment)
    }
}
