#!/usr/bin/env python3
"""Rewrites a format-2 release (one zstd frame per sample) as format 1 (one frame per shard).

  repack_format1.py RELEASE OUT

The tar bytes stay identical (so do index offsets, tar_sha256 and every pixel); only the framing
changes: each shard's tar is recompressed as one frame at the manifest's zstd level, the manifest
says format_version 1 / zstd.frames 1 with the new shard sizes and hashes, and index.jsonl loses
its frame_* fields. The loader benchmark uses it to measure both layouts on the same images
(format 1 is read through the decompressed-shard cache, format 2 one frame per sample).
"""
import hashlib
import io
import json
import os
import shutil
import sys

import zstandard


def pretty(obj):
    return (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def write_index_and_manifest(out, records, manifest):
    """Writes index.jsonl (compact canonical lines) and manifest.json (with the index's new SHA-256)."""
    index = "".join(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records).encode()
    with open(os.path.join(out, "index.jsonl"), "wb") as f:
        f.write(index)
    manifest["inputs"]["index"]["sha256"] = hashlib.sha256(index).hexdigest()
    with open(os.path.join(out, "manifest.json"), "wb") as f:
        f.write(pretty(manifest))


def start_repack(src, out, version):
    """The manifest of release `src` (which must have format `version`); `out` made, with src's zoo,
    splits and images files."""
    manifest = json.load(open(os.path.join(src, "manifest.json")))
    if manifest["format_version"] != version:
        raise SystemExit(f"{src}: format_version {manifest['format_version']}, expected {version}")
    os.makedirs(out, exist_ok=True)
    for name in ("zoo.json", "splits.json", "images.json"):
        shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
    return manifest


def main(src, out):
    manifest = start_repack(src, out, 2)
    level = manifest["zstd"]["level"]
    cctx = zstandard.ZstdCompressor(level=level, write_checksum=True, write_content_size=True, threads=0)
    before = after = 0
    for shard in manifest["shards"]:
        with open(os.path.join(src, shard["path"]), "rb") as f:
            data = f.read()
        tar = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True).read()
        assert hashlib.sha256(tar).hexdigest() == shard["tar_sha256"], shard["path"]
        single = cctx.compress(tar)
        os.makedirs(os.path.dirname(os.path.join(out, shard["path"])), exist_ok=True)
        with open(os.path.join(out, shard["path"]), "wb") as f:
            f.write(single)
        before += len(data)
        after += len(single)
        shard["bytes"], shard["sha256"] = len(single), hashlib.sha256(single).hexdigest()
    records = []
    with open(os.path.join(src, "index.jsonl"), encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            for k in ("frame_offset", "frame_size", "frame_sha256"):
                record.pop(k, None)
            records.append(record)
    manifest["format_version"] = 1
    manifest["zstd"]["frames"] = 1
    write_index_and_manifest(out, records, manifest)
    print(f"repacked {len(manifest['shards'])} shards: one frame per sample {before} bytes, one frame per shard "
          f"{after} bytes ({100 * before / after:.2f} % of format 1)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
