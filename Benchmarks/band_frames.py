#!/usr/bin/env python3
"""Would frames per band of rows pay? (issue #16; an experiment for a possible format 3, not a format.)

  band_frames.py RELEASE [--samples 24] [--patch 224] [--level 9]

For the first val samples of a format-2 release, takes each PNG member's filtered rows (stored+Up,
as the builder writes them) and compresses them with zstd (python `zstandard`, the release's level)
as today, one stream per sample, and as one frame per band of B rows whose first row is filtered
None (so each band decodes alone: still a valid PNG, filters may change per row). Then, for one random
224-row patch per sample, times what a reader must decompress: today rows 0 .. y+P-1 of the single
frame (timed as the whole frame x (y+P)/H, since a frame decodes from its start), with bands only the
bands that hold rows y .. y+P-1. Prints size relative to one frame and decompression CPU per sample.
"""
import argparse
import json
import os
import random
import time

import numpy as np
import zstandard


def filtered_rows(png):
    """The zlib payload of a stored-block PNG (the shard format): the filtered rows, concatenated."""
    pos, data = 8, bytearray()
    while pos < len(png):
        n = int.from_bytes(png[pos:pos + 4], "big")
        if png[pos + 4:pos + 8] == b"IDAT":
            data += png[pos + 8:pos + 8 + n]
        pos += 12 + n
    out, p = bytearray(), 2
    while True:
        header, length = data[p], int.from_bytes(data[p + 1:p + 3], "little")
        out += data[p + 5:p + 5 + length]
        p += 5 + length
        if header & 1:
            return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("release")
    ap.add_argument("--samples", type=int, default=24)
    ap.add_argument("--patch", type=int, default=224)
    ap.add_argument("--level", type=int, default=9)
    args = ap.parse_args()
    manifest = json.load(open(os.path.join(args.release, "manifest.json")))
    records = [json.loads(line) for line in open(os.path.join(args.release, "index.jsonl")) if line.strip()]
    records = [r for r in records if r["split"] == "val"][:args.samples]
    dctx = zstandard.ZstdDecompressor()
    cctx = zstandard.ZstdCompressor(level=args.level, write_checksum=True, write_content_size=True)
    bands = (0, 16, 32, 64)
    size, cpu = dict.fromkeys(bands, 0), dict.fromkeys(bands, 0.0)
    rng = random.Random(0)
    for r in records:
        with open(os.path.join(args.release, manifest["shards"][r["shard"]]["path"]), "rb") as f:
            f.seek(r["frame_offset"])
            tar = dctx.decompress(f.read(r["frame_size"]))
        w, h = r["width"], r["height"]
        rows = np.frombuffer(filtered_rows(tar[512:512 + r["png_size"]]), np.uint8).reshape(h, 1 + 3 * w)
        assert (rows[:, 0] == 2).all(), "expects the shard format (filter Up on every row)"
        pixels = np.cumsum(rows[:, 1:], axis=0, dtype=np.uint8)  # undo Up (byte sums mod 256)
        y = rng.randrange(h - args.patch + 1)
        for b in bands:
            if b == 0:
                frames, needed, scale = [cctx.compress(rows.tobytes())], [0], (y + args.patch) / h
            else:
                frames = []
                for top in range(0, h, b):
                    band = rows[top:top + b].copy()
                    band[0, 0], band[0, 1:] = 0, pixels[top]  # first row of a band: filter None
                    frames.append(cctx.compress(band.tobytes()))
                needed, scale = range(y // b, (y + args.patch - 1) // b + 1), 1.0
            size[b] += sum(len(f) for f in frames)
            start = time.process_time()
            for _ in range(3):
                for k in needed:
                    dctx.decompress(frames[k])
            cpu[b] += (time.process_time() - start) / 3 * scale
    for b in bands:
        what = "one frame per sample (format 2)" if b == 0 else f"one frame per {b} rows"
        print(f"{what}: size {size[b] / size[0] * 100:.1f} %, decompression {cpu[b] / len(records) * 1e3:.2f} ms CPU per sample")


if __name__ == "__main__":
    main()
