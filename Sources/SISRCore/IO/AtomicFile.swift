import Foundation

/// Writes that never leave a half-written file under the final name: data goes to a temporary file
/// beside the target, is flushed, then renamed over it.
public enum AtomicFile {
    public static func write<D: DataProtocol>(_ bytes: D, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw SISRError.io(path: dir.path, problem: "cannot create directory (\(error.localizedDescription))")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            KillPoint.reached()
            try Data(bytes).write(to: tmp)
            if let h = FileHandle(forUpdatingAtPath: tmp.path) {
                try? h.synchronize()
                try? h.close()
            }
            KillPoint.reached()
            if rename(tmp.path, url.path) != 0 {
                throw SISRError.io(path: url.path, problem: "cannot rename temporary file into place (errno \(errno))")
            }
            KillPoint.reached()
        } catch let e as SISRError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw SISRError.io(path: url.path, problem: "cannot write file (\(error.localizedDescription))")
        }
    }
}
