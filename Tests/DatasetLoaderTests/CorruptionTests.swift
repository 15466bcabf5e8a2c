import Foundation
import SISRCore
import Testing
@testable import DatasetLoader
import TestSupport

/// Bad shards are refused or reported with the shard (and sample) named.
@Suite struct CorruptionTests {
    func firstError(_ url: URL, verify: Bool = true, sha256: Bool = false) throws -> String? {
        let loader = try BatchLoader(release: url, options: TestRelease.options { $0.verify = verify; $0.verifySHA256 = sha256; $0.split = "val" })
        let stream = try loader.batches(epoch: 0)
        do {
            while try stream.next() != nil {}
            return nil
        } catch { return "\(error)" }
    }

    func shardPath(_ url: URL) -> String { "shards/val/sisr-val-000007.tar.zst" }

    @Test func flippedByteIsRefusedWhenVerifying() throws {
        let url = try TestRelease.make(frames: .perSample)
        let file = url.appendingPathComponent(shardPath(url))
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: file)
        let message = try #require(try firstError(url))
        #expect(message.contains(shardPath(url)) && message.contains("SHA-256 mismatch"))
    }

    @Test func truncatedShardNamesTheShard() throws {
        let url = try TestRelease.make()
        let file = url.appendingPathComponent(shardPath(url))
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        let message = try #require(try firstError(url, verify: false))
        #expect(message.contains(shardPath(url)))
    }

    /// (Format 3 cannot hold a PNG that is not banded: the writer refuses it; see the band tests.)
    @Test(arguments: [ReleaseManifest.FrameLayout.perSample, .single])
    func corruptMemberNamesTheSample(frames: ReleaseManifest.FrameLayout) throws {
        let victim = KeyRules.sampleKey(model: TestRelease.models[1].model, image: TestRelease.images[6].id)  // a val sample
        let url = try TestRelease.make(frames: frames, editPNG: { key, png in if key == victim { for i in 0..<8 { png[i] = 0 } } })
        let message = try #require(try firstError(url))
        #expect(message.contains("shards/val/") && message.contains(victim) && message.contains("signature"), "\(message)")
    }

    @Test func flippedByteInAFrameNamesTheSample() throws {
        let url = try TestRelease.make(frames: .perSample)
        let release = try Release.open(url)
        let sample = try #require(release.samples.first { $0.split == "val" })
        let file = url.appendingPathComponent(release.manifest.shards[sample.shard].path)
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[try #require(sample.frameOffset) + sample.frameSize! / 2] ^= 0x10
        try Data(bytes).write(to: file)
        let message = try #require(try firstError(url))
        #expect(message.contains(release.manifest.shards[sample.shard].path) && message.contains(sample.key)
                && message.contains("SHA-256 mismatch"), "\(message)")
    }

    /// issue #12: offsets and sizes near Int.max in a hash-consistent index are refused with the
    /// shard and sample named, in every reading mode (they used to trap in a loader thread).
    @Test(arguments: [(Int.max - 100, 64), (600, Int.max - 300), (Int.max, Int.max), (Int.min, 10)])
    func hugeOffsetsInTheIndexAreErrors(offset: Int, size: Int) throws {
        var victim = ""
        let edit: (inout [SampleRecord]) -> Void = { records in
            let i = records.firstIndex { $0.split == "val" }!
            victim = records[i].key
            records[i].pngOffset = offset
            records[i].pngSize = size
        }
        try forEachReadingMode(edit) { mode, url, loader, batchError in
            #expect(batchError.contains("shards/val/") && batchError.contains(victim), "\(mode): \(batchError)")
            #expect(throws: LoaderError.self) { try loader.pngBytes(key: victim) }
            let release = try Release.open(url)
            let sample = try #require(release.samples.first { $0.key == victim })
            #expect(throws: LoaderError.self) { try SampleImages(release: release).image(of: sample) }
        }
    }

    /// Builds the test release with `edit` applied to its index in each reading mode (formats 3 and 2
    /// streaming, each with a shard cache, format 1) and calls `check` with the mode, the release,
    /// a loader over its val split and the error of a pass over that split ("" if none).
    func forEachReadingMode(_ edit: @escaping (inout [SampleRecord]) -> Void,
                            _ check: (String, URL, BatchLoader, String) throws -> Void) throws {
        for (frames, cache) in [(ReleaseManifest.FrameLayout.perBand, 0), (.perBand, 1 << 26), (.perSample, 0), (.perSample, 1 << 26),
                                (.single, 0)] {
            let url = try TestRelease.make(frames: frames, editIndex: edit)
            let loader = try BatchLoader(release: url, options: TestRelease.options { $0.split = "val"; $0.cacheBytes = cache })
            var message = ""
            do {
                let stream = try loader.batches(epoch: 0)
                while try stream.next() != nil {}
            } catch { message = "\(error)" }
            try check("\(frames) cache \(cache)", url, loader, message)
        }
    }

    /// An index that points a key at another sample's member (same shard, same size, so only the tar
    /// member's name tells) is refused by every reader: batches, `pngBytes` (the C ABI) and
    /// `SampleImages` (the baselines), in every reading mode.
    @Test func swappedIndexEntriesAreRefusedByEveryReader() throws {
        var victim = "", other = ""
        let edit: (inout [SampleRecord]) -> Void = { records in
            let i = records.firstIndex { $0.split == "val" }!
            let j = records.indices.first { $0 != i && records[$0].shard == records[i].shard && records[$0].width == records[i].width
                && records[$0].height == records[i].height }!
            (victim, other) = (records[i].key, records[j].key)
            let a = records[i]
            records[i].pngOffset = records[j].pngOffset; records[i].pngSize = records[j].pngSize
            records[i].frameOffset = records[j].frameOffset; records[i].frameSize = records[j].frameSize
            records[i].frameSHA256 = records[j].frameSHA256
            records[j].pngOffset = a.pngOffset; records[j].pngSize = a.pngSize
            records[j].frameOffset = a.frameOffset; records[j].frameSize = a.frameSize; records[j].frameSHA256 = a.frameSHA256
        }
        try forEachReadingMode(edit) { mode, url, loader, batchError in
            #expect(batchError.contains("index and shard disagree"), "\(mode): \(batchError)")
            #expect { try loader.pngBytes(key: victim) } throws: { "\($0)".contains("is not \(victim).png") }
            let release = try Release.open(url)
            let sample = try #require(release.samples.first { $0.key == victim })
            #expect { try SampleImages(release: release).image(of: sample) } throws: {
                "\($0)".contains("is not \(victim).png") && "\($0)".contains(release.manifest.shards[sample.shard].path)
            }
            #expect(!other.isEmpty)
        }
    }

    @Test func hugeFrameOffsetsAreRefusedWhenOpening() throws {
        let url = try TestRelease.make(editIndex: { records in
            records[3].frameOffset = Int.max - 10
            records[3].frameSize = 100
        })
        #expect {
            try Release.open(url)
        } throws: { error in "\(error)".contains("frame_offset") && "\(error)".contains("line 4") }
    }
}

/// Format 3: a damaged band is an error naming the shard and sample whenever a crop reads it, with
/// no SHA-256 (each frame's XXH64 and the band layout), and always with `verifySHA256`.
@Suite struct BandCorruptionTests {
    /// The val sample `i`, the byte ranges of its frames in the shard file, and the bands its centre crop reads.
    func layout(_ url: URL, sample i: Int) throws -> (release: Release, sample: SampleRecord, frames: [Range<Int>], read: ClosedRange<Int>) {
        let release = try Release.open(url)
        let sample = release.samples.filter { $0.split == "val" }[i]
        let bytes = [UInt8](try Data(contentsOf: url.appendingPathComponent(release.manifest.shards[sample.shard].path)))
        var frames = [Range<Int>](), pos = sample.frameOffset!
        while pos < sample.frameOffset! + sample.frameSize! {
            let f = try #require(bytes.withUnsafeBytes { Zstd.frame(in: $0, at: pos) })
            frames.append(pos..<(pos + f.compressed))
            pos += f.compressed
        }
        let rows = release.manifest.png.bandRows!
        let y = (sample.height - 32) / 2
        #expect(frames.count == BandedPNG.bandCount(height: sample.height, bandRows: rows) + 2)
        return (release, sample, frames, (y / rows)...((y + 31) / rows))
    }

    func flip(_ url: URL, _ release: Release, _ sample: SampleRecord, at offset: Int, _ mask: UInt8 = 0x10) throws {
        let file = url.appendingPathComponent(release.manifest.shards[sample.shard].path)
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[offset] ^= mask
        try Data(bytes).write(to: file)
    }

    @Test func flippedByteInABandTheCropReadsIsAnError() throws {
        let probe = try TestRelease.make()
        let (_, _, frames, read) = try layout(probe, sample: 2)
        let band = frames[1 + read.upperBound]
        // The frame header's checksum flag, the content size, the first block header, the middle of
        // the data, the checksum at the end. (Bit 4 of the frame header descriptor is unused: flipping
        // it changes no decoded byte, so only the SHA-256 sees it.)
        for (offset, mask) in [(band.lowerBound + 4, UInt8(0x04)), (band.lowerBound + 5, 0x01), (band.lowerBound + 8, 0x10),
                               ((band.lowerBound + band.upperBound) / 2, 0x10), (band.upperBound - 2, 0x10)] {
            for sha256 in [false, true] {
                let url = try TestRelease.make()
                let (release, sample, _, _) = try layout(url, sample: 2)
                try flip(url, release, sample, at: offset, mask)
                let message = try #require(try CorruptionTests().firstError(url, sha256: sha256), "byte \(offset) sha256 \(sha256)")
                #expect(message.contains(release.manifest.shards[sample.shard].path) && message.contains(sample.key), "\(message)")
                if sha256 { #expect(message.contains("SHA-256 mismatch"), "\(message)") }
            }
        }
    }

    @Test func flippedHeadIsAnError() throws {
        let url = try TestRelease.make()
        let (release, sample, frames, _) = try layout(url, sample: 0)
        try flip(url, release, sample, at: frames[0].upperBound - 5)
        let message = try #require(try CorruptionTests().firstError(url))
        #expect(message.contains(sample.key), "\(message)")
    }

    /// A band no crop reads is only caught by the SHA-256 of the sample's frames (and by `sisr verify`).
    @Test func unreadBandNeedsTheSHA256() throws {
        let url = try TestRelease.make()
        let release = try Release.open(url)
        let val = release.samples.filter { $0.split == "val" }
        let i = try #require(val.indices.first { i in
            let s = val[i]
            return (((s.height - 32) / 2 + 31) / 8) < BandedPNG.bandCount(height: s.height, bandRows: 8) - 1
        })
        let (_, sample, frames, read) = try layout(url, sample: i)
        let unread = frames[1 + read.upperBound + 1]
        try flip(url, release, sample, at: (unread.lowerBound + unread.upperBound) / 2)
        #expect(try CorruptionTests().firstError(url) == nil)
        let message = try #require(try CorruptionTests().firstError(url, sha256: true))
        #expect(message.contains(sample.key) && message.contains("SHA-256 mismatch"), "\(message)")
        // Whole-image reads check the SHA-256 whenever verifying.
        #expect { try SampleImages(release: release).image(of: sample) } throws: { "\($0)".contains("SHA-256 mismatch") }
    }
}
