#!/usr/bin/env python3
"""Rewrites a format-3 release (one zstd frame per band of rows) as format 2 (one frame per sample).

  repack_format2.py RELEASE OUT

The pixels stay identical (every pixel_sha256): each PNG member is re-encoded as format 2 wrote it
(stored deflate blocks, filter Up on every row, one IDAT chunk), the tar is rebuilt with the same
member order and headers, and each sample's tar bytes (its .png header through its .json padding)
are compressed as one zstd frame at the manifest's level, then one frame for the end-of-archive
blocks. index.jsonl gets the new offsets, png_size, png_sha256 and frame fields (the .json members
their new png_sha256); the manifest says format_version 2 / zstd.frames "per-sample". The loader
benchmark uses it to measure both layouts on the same images. (libpng cut format 2's IDAT into
64 KiB chunks; one chunk here: 12 bytes less per 64 KiB, nothing the reader notices.)
"""
import hashlib
import io
import json
import os
import sys
import tarfile
import zlib

import numpy as np
import zstandard
from PIL import Image

from repack_format1 import start_repack, write_index_and_manifest


def chunk(kind, data):
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def up_png(png):
    """The same pixels as stored blocks with the Up filter on every row (format 2's member)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    height, width, _ = pixels.shape
    rows = pixels.reshape(height, width * 3)
    filtered = np.empty((height, 1 + width * 3), dtype=np.uint8)
    filtered[:, 0] = 2
    filtered[0, 1:] = rows[0]
    filtered[1:, 1:] = rows[1:] - rows[:-1]  # uint8 arithmetic wraps mod 256
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(filtered.tobytes(), 0))
            + chunk(b"IEND", b""))


def member(name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime, info.uname, info.gname = len(data), 0o444, 0, "", ""
    return info.tobuf(format=tarfile.USTAR_FORMAT) + data + b"\0" * (-len(data) % 512)


def main(src, out):
    manifest = start_repack(src, out, 3)
    samples = [json.loads(line) for line in open(os.path.join(src, "index.jsonl"), encoding="utf-8")]
    by_shard = {}
    for s in samples:
        by_shard.setdefault(s["shard"], []).append(s)
    cctx = zstandard.ZstdCompressor(level=manifest["zstd"]["level"], write_checksum=True, write_content_size=True, threads=0)
    before = after = 0
    for i, shard in enumerate(manifest["shards"]):
        with open(os.path.join(src, shard["path"]), "rb") as f:
            data = f.read()
        tar = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True).read()
        compressed, new_tar = bytearray(), bytearray()
        for s in sorted(by_shard.get(i, []), key=lambda s: s["png_offset"]):
            png = up_png(tar[s["png_offset"]:s["png_offset"] + s["png_size"]])
            sha = hashlib.sha256(png).hexdigest()
            meta = tar[s["json_offset"]:s["json_offset"] + s["json_size"]].replace(s["png_sha256"].encode(), sha.encode())
            start = len(new_tar)
            new_tar += member(s["key"] + ".png", png)
            json_header = len(new_tar)
            new_tar += member(s["key"] + ".json", meta)
            frame = cctx.compress(bytes(new_tar[start:]))
            s.update(png_offset=start + 512, png_size=len(png), png_sha256=sha, json_offset=json_header + 512,
                     frame_offset=len(compressed), frame_size=len(frame), frame_sha256=hashlib.sha256(frame).hexdigest())
            compressed += frame
        end = len(new_tar)
        new_tar += b"\0" * 1024
        new_tar += b"\0" * (-len(new_tar) % 10240)
        compressed += cctx.compress(bytes(new_tar[end:]))
        os.makedirs(os.path.dirname(os.path.join(out, shard["path"])), exist_ok=True)
        with open(os.path.join(out, shard["path"]), "wb") as f:
            f.write(compressed)
        before += len(data)
        after += len(compressed)
        shard.update(bytes=len(compressed), sha256=hashlib.sha256(compressed).hexdigest(), tar_bytes=len(new_tar),
                     tar_sha256=hashlib.sha256(new_tar).hexdigest())
    manifest["format_version"] = 2
    manifest["zstd"]["frames"] = "per-sample"
    manifest["png"].pop("band_rows", None)
    write_index_and_manifest(out, samples, manifest)
    print(f"repacked {len(manifest['shards'])} shards: one frame per band {before} bytes, one frame per sample "
          f"{after} bytes (format 3 is {100 * before / after:.2f} % of format 2)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
