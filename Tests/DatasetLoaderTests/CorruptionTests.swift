import Foundation
import SISRCore
import Testing
@testable import DatasetLoader

/// Bad shards are refused or reported with the shard (and sample) named.
@Suite struct CorruptionTests {
    func firstError(_ url: URL, verify: Bool = true) throws -> String? {
        let loader = try BatchLoader(release: url, options: TestRelease.options { $0.verify = verify; $0.split = "val" })
        let stream = try loader.batches(epoch: 0)
        do {
            while try stream.next() != nil {}
            return nil
        } catch { return "\(error)" }
    }

    func shardPath(_ url: URL) -> String { "shards/val/sisr-val-000007.tar.zst" }

    @Test func flippedByteIsRefusedWhenVerifying() throws {
        let url = try TestRelease.make()
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

    @Test func corruptMemberNamesTheSample() throws {
        let url = try TestRelease.make()
        let release = try Release.open(url)
        let sample = try #require(release.samples.first { release.manifest.shards[$0.shard].path == shardPath(url) })
        let file = url.appendingPathComponent(shardPath(url))
        var tar = try Zstd.decompress([UInt8](try Data(contentsOf: file)))
        for i in 0..<8 { tar[sample.pngOffset + i] = 0 }  // destroy the PNG signature
        try Data(Zstd.compress(tar, level: 1)).write(to: file)
        let message = try #require(try firstError(url, verify: false))
        #expect(message.contains(shardPath(url)) && message.contains(sample.key))
    }
}
