#!/usr/bin/env python3
"""Independent check of a SISR release with Python's tarfile + zstandard + Pillow.

Usage: python3 Scripts/check_release.py RELEASE_DIR
Needs: pip install zstandard Pillow

Checks every shard's SHA-256 against manifest.json, decompresses it (one zstd frame), reads it with
`tarfile`, and for every sample checks that the members are `<key>.png` then `<key>.json` at the
offsets in index.jsonl, that Pillow decodes the PNG to RGB pixels whose SHA-256 is `pixel_sha256`,
and that the `.json` member parses to the index record's ids and labels. Exit 0 if all is well,
1 (naming each bad shard or sample) otherwise.
"""
import hashlib
import io
import json
import os
import sys
import tarfile

try:
    import zstandard
    from PIL import Image
except ImportError as e:
    sys.exit(f"check_release.py needs the Python packages zstandard and Pillow ({e.name} is missing): "
             "python3 -m pip install zstandard Pillow")


def main(root):
    for name in ("manifest.json", "index.jsonl"):
        if not os.path.isfile(f"{root}/{name}"):
            print(f"BAD {root}/{name}: file not found (is {root} a SISR release folder?)")
            return 1
    manifest = json.load(open(f"{root}/manifest.json"))
    samples = [json.loads(line) for line in open(f"{root}/index.jsonl", encoding="utf-8")]
    by_shard = {}
    for s in samples:
        by_shard.setdefault(s["shard"], []).append(s)
    problems = []
    for i, shard in enumerate(manifest["shards"]):
        path = shard["path"]
        try:
            with open(f"{root}/{path}", "rb") as f:
                data = f.read()
        except OSError as e:
            problems.append(f"{path}: cannot read the shard ({e.strerror})")
            continue
        if hashlib.sha256(data).hexdigest() != shard["sha256"]:
            problems.append(f"{path}: SHA-256 does not match manifest.json")
        try:
            tar_bytes = zstandard.ZstdDecompressor().decompress(data, max_output_size=1 << 34)
        except zstandard.ZstdError as e:
            problems.append(f"{path}: cannot decompress ({e})")
            continue
        members = {}
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as tf:
            for m in tf.getmembers():
                members[m.name] = (m.offset_data, tf.extractfile(m).read())
        for s in by_shard.get(i, []):
            key = s["key"]
            png = members.get(key + ".png")
            meta = members.get(key + ".json")
            if png is None or meta is None or png[0] != s["png_offset"] or meta[0] != s["json_offset"]:
                problems.append(f"{path}:{key}: members missing or not at the recorded offsets")
                continue
            try:
                img = Image.open(io.BytesIO(png[1]))
                img.load()
                pixels = img.convert("RGB").tobytes()
                if img.mode != "RGB" or hashlib.sha256(pixels).hexdigest() != s["pixel_sha256"]:
                    problems.append(f"{path}:{key}: decoded pixels differ from pixel_sha256")
            except Exception as e:  # noqa: BLE001 - report any decoder failure by sample
                problems.append(f"{path}:{key}: PNG does not decode ({e})")
            record = json.loads(meta[1])
            if any(record.get(k) != s[k] for k in ("key", "model", "image", "split", "labels", "pixel_sha256")):
                problems.append(f"{path}:{key}: .json member differs from index.jsonl")
    for p in problems:
        print("BAD", p)
    print(f"{'OK' if not problems else 'FAILED'}: {len(manifest['shards'])} shards, {len(samples)} samples")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 Scripts/check_release.py RELEASE_DIR")
    sys.exit(main(sys.argv[1]))
