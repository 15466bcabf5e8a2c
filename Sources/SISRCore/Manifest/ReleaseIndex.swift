import Foundation

/// `index.jsonl` read 1 MB at a time: each line decoded, checked against the manifest and passed
/// on as it comes, so reading an index costs memory for what the caller keeps, not for every record
/// at once (at 205,000 samples, the whole file and its records held together took about 0.9 GB).
public enum ReleaseIndex {
    /// Lines decoded per JSON call (a call per line is several times slower).
    static let chunkLines = 1024
    static let readBytes = 1 << 20

    /// Calls `body` with every sample of the index at `url`, in line order, after checking it
    /// (shard number, split, frame fields, unique key); then checks the sample counts and, with
    /// `sha256`, the file's hash. On any failure the hash is checked first: a file that does not
    /// match the manifest is reported as such, whatever its lines hold.
    /// - Throws: `SISRError` naming the file (and line) and the problem.
    public static func forEach(_ url: URL, manifest: ReleaseManifest, sha256: String?,
                               _ body: (SampleRecord) throws -> Void) throws {
        try forEach(url, manifest: manifest, sha256: sha256, chunkLines: chunkLines, body)
    }

    /// ``forEach(_:manifest:sha256:_:)`` decoding `chunkLines` lines per JSON call (tests use few).
    static func forEach(_ url: URL, manifest: ReleaseManifest, sha256: String?, chunkLines: Int,
                        _ body: (SampleRecord) throws -> Void) throws {
        guard let file = FileHandle(forReadingAtPath: url.path) else {
            throw SISRError.io(path: url.path, problem: "file not found (is this a SISR release directory?)")
        }
        defer { try? file.close() }
        var hasher = SHA256Hasher()
        func read() throws -> Data {
            do {
                let data = try file.read(upToCount: readBytes) ?? Data()
                hasher.update(data)
                return data
            } catch {
                throw SISRError.io(path: url.path, problem: "cannot read file (\(error.localizedDescription))")
            }
        }
        func hashProblem() throws -> SISRError? {
            guard let sha256 else { return nil }
            while !(try read()).isEmpty {}
            let h = hasher.finalizeHex()
            return h == sha256 ? nil : .corrupt(path: url.path, problem: "SHA-256 \(h) does not match manifest.json (\(sha256))")
        }
        var checks = IndexChecks(manifest: manifest, path: url.path)
        do {
            var lines = LineChunks(path: url.path, chunkLines: chunkLines)
            while true {
                let data = try read()
                try lines.feed(data, atEnd: data.isEmpty) { records in
                    for s in records {
                        try checks.add(s)
                        try body(s)
                    }
                }
                if data.isEmpty { break }
            }
            try checks.finish()
        } catch {
            if let mismatch = try hashProblem() { throw mismatch }
            throw error
        }
        if let mismatch = try hashProblem() { throw mismatch }
    }
}

/// Cuts bytes into LF-terminated lines and decodes them `chunkLines` at a time.
private struct LineChunks {
    let path: String
    let chunkLines: Int
    var pending = [UInt8]()   // bytes after the last LF seen
    var lines = [ArraySlice<UInt8>]()
    var lineNumber = 0        // lines decoded so far

    mutating func feed(_ data: Data, atEnd: Bool, _ deliver: ([SampleRecord]) throws -> Void) throws {
        var buffer = pending
        buffer.append(contentsOf: data)
        var start = 0
        for (i, b) in buffer.enumerated() where b == 0x0A {
            lines.append(buffer[start..<i])
            start = i + 1
            if lines.count == chunkLines { try deliver(decode()) }
        }
        if atEnd && start < buffer.count { lines.append(buffer[start...]); start = buffer.count }
        try deliver(decode())  // no line is held across reads
        pending = Array(buffer[start...])
    }

    /// Decodes the lines held as one JSON array; on failure, line by line to name the bad line.
    private mutating func decode() throws -> [SampleRecord] {
        defer { lineNumber += lines.count; lines.removeAll(keepingCapacity: true) }
        guard !lines.isEmpty else { return [] }
        var joined = [UInt8]()
        joined.reserveCapacity(lines.reduce(2) { $0 + $1.count + 1 })
        joined.append(UInt8(ascii: "["))
        for (i, l) in lines.enumerated() {
            if i > 0 { joined.append(UInt8(ascii: ",")) }
            joined.append(contentsOf: l)
        }
        joined.append(UInt8(ascii: "]"))
        if let all = try? JSONDecoder().decode([SampleRecord].self, from: Data(joined)) { return all }
        for (i, l) in lines.enumerated() {
            _ = try CanonicalJSON.decode(SampleRecord.self, from: Array(l), path: "\(path) line \(lineNumber + i + 1)")
        }
        throw SISRError.corrupt(path: path, problem: "cannot parse index (empty line or stray bytes)")
    }
}

/// The index's consistency with the manifest, checked one sample at a time.
private struct IndexChecks {
    let manifest: ReleaseManifest
    let path: String
    var line = 0
    var perShard: [Int]
    var keys = Set<String>()

    init(manifest: ReleaseManifest, path: String) {
        self.manifest = manifest
        self.path = path
        perShard = [Int](repeating: 0, count: manifest.shards.count)
    }

    mutating func add(_ s: SampleRecord) throws {
        line += 1
        let at = "\(path) line \(line)"
        guard s.shard >= 0 && s.shard < manifest.shards.count else {
            throw SISRError.corrupt(path: at, problem: "sample \(s.key) refers to shard \(s.shard), the manifest lists \(manifest.shards.count)")
        }
        let shard = manifest.shards[s.shard]
        guard shard.split == s.split else {
            throw SISRError.corrupt(path: at, problem: "sample \(s.key) is in split \(s.split) but its shard holds \(shard.split)")
        }
        if manifest.zstd.frames.perSampleRegions {
            guard let offset = s.frameOffset, let size = s.frameSize, s.frameSHA256 != nil, offset >= 0, size > 0,
                  size <= shard.bytes, offset <= shard.bytes - size else {
                throw SISRError.corrupt(path: at, problem: "sample \(s.key) lacks a valid frame_offset/frame_size/frame_sha256 inside its \(shard.bytes)-byte shard (format \(manifest.formatVersion))")
            }
        }
        guard keys.insert(s.key).inserted else {
            throw SISRError.corrupt(path: at, problem: "sample key \(s.key) appears twice")
        }
        perShard[s.shard] += 1
    }

    func finish() throws {
        guard line == manifest.inputs.index.samples else {
            throw SISRError.corrupt(path: path, problem: "has \(line) samples, manifest.json says \(manifest.inputs.index.samples)")
        }
        for (i, sh) in manifest.shards.enumerated() where perShard[i] != sh.samples {
            throw SISRError.corrupt(path: path, problem: "shard \(sh.path) has \(perShard[i]) samples in the index, manifest.json says \(sh.samples)")
        }
    }
}
