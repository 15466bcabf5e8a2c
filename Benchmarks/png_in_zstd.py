#!/usr/bin/env python3
"""Measures the shard member format on a real release: the builder's PNG (stored deflate, filter Up)
versus normal PNG (Pillow, zlib level 6, adaptive filters) and raw RGB, each packed in one tar and
compressed with zstd at several levels; plus member decode speed in Pillow.

Usage: python3 Benchmarks/png_in_zstd.py RELEASE_DIR [LEVEL ...]   (default levels 3 9 19)
"""
import io
import json
import sys
import tarfile
import time

import zstandard
from PIL import Image


def tar_of(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def decode_rate(blobs, pixels):
    t = time.perf_counter()
    for b in blobs:
        Image.open(io.BytesIO(b)).load()
    return pixels / (time.perf_counter() - t) / 1e6


def main(root, levels):
    manifest = json.load(open(f"{root}/manifest.json"))
    stored, normal, raw = [], [], []
    pixels = 0
    for shard in manifest["shards"]:
        data = zstandard.ZstdDecompressor().stream_reader(open(f"{root}/{shard['path']}", "rb"), read_across_frames=True).read()
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            for m in tf.getmembers():
                if not m.name.endswith(".png"):
                    continue
                b = tf.extractfile(m).read()
                img = Image.open(io.BytesIO(b)).convert("RGB")
                pixels += img.width * img.height
                out = io.BytesIO()
                img.save(out, format="PNG", compress_level=6)
                stored.append((m.name, b))
                normal.append((m.name, out.getvalue()))
                raw.append((m.name[:-4] + ".rgb", img.tobytes()))
    png6_bytes = sum(len(b) for _, b in normal)
    print(f"{len(stored)} PNG members, {pixels / 1e6:.2f} MPix; normal PNG-6 members total {png6_bytes} bytes")
    print(f"{'variant':<22}" + "".join(f"{'zstd-' + str(l):>16}" for l in levels) + "   (bytes, % of PNG-6 members)")
    for label, members in [("stored+Up PNG", stored), ("PNG-6 (Pillow)", normal), ("raw RGB", raw)]:
        t = tar_of(members)
        row = f"{label:<22}"
        for l in levels:
            c = len(zstandard.ZstdCompressor(level=l).compress(t))
            row += f"{c:>10} {100 * c / png6_bytes:4.0f}%"
        print(row)
    for label, members in [("stored+Up PNG", stored), ("PNG-6 (Pillow)", normal)]:
        print(f"Pillow decode {label}: {decode_rate([b for _, b in members], pixels):.0f} MPix/s (1 thread)")


if __name__ == "__main__":
    main(sys.argv[1], [int(x) for x in sys.argv[2:]] or [3, 9, 19])
