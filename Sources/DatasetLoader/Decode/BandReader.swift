import SISRCore

/// Format 3 (docs/FORMAT.md, "Bands"): a sample is a head frame (its `.png` tar header, the PNG
/// signature, IHDR and the zlib header), one frame per band of `band_rows` PNG rows (one IDAT chunk
/// of stored deflate blocks, the band's first row filtered None) and a tail frame. A patch needs
/// the head and the bands it touches; the frames are found by walking their headers, every frame
/// used is decompressed whole (so zstd checks its XXH64 checksum) and its layout is checked against
/// the index before a pixel is taken from it.
extension FrameReader {
    /// Writes the patch `plan` of `ref` into `out`, decompressing only the bands it touches.
    /// - Parameter verifySHA256: also hash all of the sample's frames against `frame_sha256`.
    /// - Throws: ``LoaderError`` naming the shard and sample for any mismatch or corrupt data.
    func cropBands(_ ref: SampleRef, shard: ShardInfo, plan: CropPlan, bandRows: Int, verifySHA256: Bool,
                   into out: UnsafeMutablePointer<UInt8>) throws {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shard.path, key: ref.key, problem: problem) }
        let (width, height) = (ref.width, ref.height)
        guard width >= 1, height >= 1, width <= 1 << 24, height <= 1 << 24, bandRows >= 1 else {
            throw fail("index.jsonl gives an impossible size \(width)x\(height)")
        }
        guard plan.x >= 0, plan.y >= 0, plan.size >= 1, plan.x <= width - plan.size, plan.y <= height - plan.size else {
            throw fail("crop \(plan.size)x\(plan.size) at (\(plan.x), \(plan.y)) lies outside the \(width)x\(height) image")
        }
        let pngSize = BandedPNG.size(width: width, height: height, bandRows: bandRows)
        guard ref.pngSize == pngSize else {
            throw fail("png_size \(ref.pngSize) is not the \(pngSize) bytes of a \(width)x\(height) PNG in \(bandRows)-row bands (bad index?)")
        }
        // Every frame used is at most one band of this member: nothing decompresses beyond the tar.
        guard Range(offset: ref.pngOffset, size: pngSize, within: shard.tarBytes) != nil else {
            throw fail("PNG member (\(pngSize) bytes at \(ref.pngOffset)) lies outside the \(shard.tarBytes)-byte tar (bad index?)")
        }
        let bands = BandedPNG.bandCount(height: height, bandRows: bandRows)
        let firstBand = plan.y / bandRows, lastBand = (plan.y + plan.size - 1) / bandRows
        func rows(ofBand b: Int) -> Int { min(bandRows, height - b * bandRows) }
        // Without the SHA-256, read about as far as the last band needed (bands compress alike;
        // an eighth more and 16 KiB for safety); the rest is read only if the walk gets there.
        let estimate = min(ref.frameSize ?? 0, 1 << 40) / (bands + 1) * (lastBand + 2) / 8 * 9 + (16 << 10)
        var (count, read) = try readRegion(ref, shard: shard, verifySHA256: verifySHA256, prefix: verifySHA256 ? nil : estimate)
        var region = UnsafeRawBufferPointer(start: buffer, count: read)

        // Frame i: 0 the head, 1 + b band b. Walk the headers down to the last band needed.
        var frames = [(start: Int, size: Int)]()
        frames.reserveCapacity(lastBand + 2)
        var pos = 0
        for i in 0...(lastBand + 1) {
            var found = Zstd.frame(in: region, at: pos)
            if found == nil && read < count {  // the estimate fell short: read the rest of the sample
                try readFrame(count, at: ref.frameOffset!, shard, from: read)
                read = count
                region = UnsafeRawBufferPointer(start: buffer, count: read)
                found = Zstd.frame(in: region, at: pos)
            }
            guard let f = found else {
                throw fail("zstd frame \(i) of the sample (byte \(ref.frameOffset! + pos) of the shard) is missing or corrupt")
            }
            let expected = i == 0 ? 512 + BandedPNG.headBytes : BandedPNG.bandChunkBytes(width: width, rows: rows(ofBand: i - 1))
            guard f.checksum else { throw fail("zstd frame \(i) of the sample has no content checksum (format 3 frames all have one)") }
            guard f.content == UInt64(expected) else {
                throw fail("zstd frame \(i) of the sample declares \(f.content) bytes, its \(i == 0 ? "head" : "band \(i - 1)") is \(expected) (corrupt shard or bad index?)")
            }
            frames.append((pos, f.compressed))
            pos += f.compressed
        }
        func decode(_ i: Int, _ bytes: Int) throws {
            do {
                try decoder.decodeWhole(UnsafeRawBufferPointer(rebasing: region[frames[i].start..<(frames[i].start + frames[i].size)]),
                                        limit: bytes, name: shard.path)
            } catch {
                throw fail("zstd frame \(i) of the sample: \(error)")
            }
        }

        // Head: the tar member must be <key>.png and the PNG start exactly as the format says.
        try decode(0, 512 + BandedPNG.headBytes)
        let head = try SampleReader.member(ref, bytes: UnsafeRawBufferPointer(start: decoder.output, count: decoder.produced),
                                           base: ref.pngOffset - 512, complete: false, shardPath: shard.path).png
        guard head.elementsEqual(BandedPNG.head(width: width, height: height)) else {
            throw fail("PNG header is not that of a \(width)x\(height) RGB8 PNG in format 3 (index and shard disagree, or corrupt)")
        }

        let stride = 1 + 3 * width, rowBytes = plan.size * 3
        var acc = [UInt8](repeating: 0, count: rowBytes)
        var scratch = [UInt8](repeating: 0, count: rowBytes)
        let block = BandedPNG.blockBytes
        for b in firstBand...lastBand {
            let bandRowCount = rows(ofBand: b)
            let chunkBytes = BandedPNG.bandChunkBytes(width: width, rows: bandRowCount)
            try decode(1 + b, chunkBytes)
            let p = UnsafePointer(decoder.output)
            if let problem = BandedPNG.bandChunkProblem(p, width: width, rows: bandRowCount, isLastBand: b == bands - 1) {
                throw fail("band \(b): \(problem)")
            }
            let at = BandedPNG.rawByteOffset
            let top = b * bandRows
            let end = min(bandRowCount, plan.y + plan.size - top)
            acc.withUnsafeMutableBufferPointer { accBuf in
                scratch.withUnsafeMutableBufferPointer { scratchBuf in
                    let a = accBuf.baseAddress!, s = scratchBuf.baseAddress!
                    for r in 0..<end {
                        let first = r * stride + 1 + plan.x * 3
                        var src = p + at(first)
                        if first % block + rowBytes > block {  // the patch's bytes straddle two blocks
                            var done = 0
                            while done < rowBytes {
                                let n = min(block - (first + done) % block, rowBytes - done)
                                (s + done).update(from: p + at(first + done), count: n)
                                done += n
                            }
                            src = UnsafePointer(s)
                        }
                        if r == 0 { a.update(from: src, count: rowBytes) } else { for i in 0..<rowBytes { a[i] &+= src[i] } }
                        if top + r >= plan.y { (out + (top + r - plan.y) * rowBytes).update(from: a, count: rowBytes) }
                    }
                }
            }
        }
    }

    /// Runs `body` with the whole PNG member of `ref` (format 3: all of its frames decompressed),
    /// after checking the frames' SHA-256 when `verify`.
    func withBandedPNG<T>(_ ref: SampleRef, shard: ShardInfo, verify: Bool, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shard.path, key: ref.key, problem: problem) }
        let count = try readRegion(ref, shard: shard, verifySHA256: verify).count
        do {
            try decoder.decodeWhole(UnsafeRawBufferPointer(start: buffer, count: count), limit: shard.tarBytes, name: shard.path)
        } catch {
            throw fail("\(error)")
        }
        guard Range(offset: ref.pngOffset - 512, size: decoder.produced, within: shard.tarBytes) != nil else {
            throw fail("the sample's frames (\(decoder.produced) bytes from \(ref.pngOffset - 512)) do not fit in the \(shard.tarBytes)-byte tar (bad index?)")
        }
        let bytes = UnsafeRawBufferPointer(start: decoder.output, count: decoder.produced)
        return try body(try SampleReader.member(ref, bytes: bytes, base: ref.pngOffset - 512, shardPath: shard.path).png)
    }

    /// Reads `ref`'s frames (all of them, or the first `prefix` bytes) into `buffer` and returns
    /// their byte count and how many were read; with `verifySHA256` (which reads all) their SHA-256
    /// must be the index's `frame_sha256`.
    private func readRegion(_ ref: SampleRef, shard: ShardInfo, verifySHA256: Bool, prefix: Int? = nil) throws -> (count: Int, read: Int) {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shard.path, key: ref.key, problem: problem) }
        let (size, sha) = try readSampleFrames(ref, shard: shard, prefix: verifySHA256 ? nil : prefix)
        if verifySHA256 {
            var h = SHA256Hasher()
            h.update(UnsafeRawBufferPointer(start: buffer, count: size))
            let actual = h.finalizeHex()
            guard actual == sha else {
                throw fail("zstd frames' SHA-256 mismatch: file has \(actual), index.jsonl says \(sha); refusing the sample")
            }
        }
        return (size, min(size, prefix ?? size))
    }
}
