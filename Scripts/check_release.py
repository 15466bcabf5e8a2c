#!/usr/bin/env python3
"""Independent check of a SISR release with Python's tarfile + zstandard + Pillow.

Usage: python3 Scripts/check_release.py RELEASE_DIR
Needs: pip install zstandard Pillow

Checks every shard's SHA-256 against manifest.json, decompresses it (format 1: one zstd frame;
format 2: one frame per sample, each of which must also decompress on its own to that sample's tar
bytes and hash to `frame_sha256`; format 3: per sample a head frame, one frame per band of
`png.band_rows` PNG rows and a tail frame, found by walking the zstd frame headers here, cut exactly
at the band boundaries of docs/FORMAT.md, every band one IDAT chunk of 65535-byte stored blocks with
filter None on its first row and Up on the others), reads it with `tarfile`, and for every sample
checks that the members are `<key>.png` then `<key>.json` at the offsets in index.jsonl, that Pillow decodes the PNG to RGB pixels whose SHA-256 is `pixel_sha256`,
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


def zstd_frames(region):
    """Splits bytes into zstd frames by reading their headers (RFC 8878 section 3.1.1), without the
    library: returns a list of (frame bytes, has checksum); raises ValueError if they do not parse."""
    frames, pos = [], 0
    while pos < len(region):
        if region[pos:pos + 4] != b"\x28\xb5\x2f\xfd":
            raise ValueError(f"no zstd frame magic at byte {pos}")
        fhd = region[pos + 4]
        single, checksum, did, fcs = fhd >> 5 & 1, fhd >> 2 & 1, fhd & 3, fhd >> 6
        at = pos + 5 + (0 if single else 1) + (0, 1, 2, 4)[did] + ((1 if single else 0), 2, 4, 8)[fcs]
        while True:
            if at + 3 > len(region):
                raise ValueError(f"zstd frame at byte {pos} is truncated")
            header = int.from_bytes(region[at:at + 3], "little")
            kind, size = header >> 1 & 3, header >> 3
            if kind == 3:
                raise ValueError(f"reserved zstd block type in the frame at byte {pos}")
            at += 3 + (1 if kind == 1 else size)
            if header & 1:
                break
        at += 4 * checksum
        if at > len(region):
            raise ValueError(f"zstd frame at byte {pos} is truncated")
        frames.append((region[pos:at], bool(checksum)))
        pos = at
    return frames


def band_problems(parts, png_size, band_rows):
    """Format 3: the decompressed frames of one sample, `parts`, are the head (tar header, PNG
    signature, IHDR, the 2-byte zlib IDAT), one IDAT per band and the tail (Adler-32 IDAT, IEND, the
    .json member); returns what is wrong, or []."""
    head = parts[0]
    if len(head) != 512 + 47 or head[512:520] != b"\x89PNG\r\n\x1a\n" or head[524:528] != b"IHDR":
        return ["the head frame is not the tar header, PNG signature, IHDR and zlib IDAT (559 bytes)"]
    width, height = int.from_bytes(head[528:532], "big"), int.from_bytes(head[532:536], "big")
    if head[536:541] != bytes([8, 2, 0, 0, 0]) or head[545:553] != b"\x00\x00\x00\x02IDAT" or head[553:555] != b"\x78\x01":
        return ["the PNG head is not RGB8, non-interlaced, with the zlib header alone in the first IDAT"]
    bands = -(-height // band_rows)
    if len(parts) != bands + 2:
        return [f"{len(parts)} zstd frames, expected {bands + 2} (head, {bands} bands of {band_rows} rows, tail)"]
    stride = 1 + 3 * width
    for b in range(bands):
        rows = min(band_rows, height - b * band_rows)
        raw = rows * stride
        chunk = parts[1 + b]
        nblocks = -(-raw // 65535)
        if len(chunk) != 12 + raw + 5 * nblocks or chunk[:8] != (raw + 5 * nblocks).to_bytes(4, "big") + b"IDAT":
            return [f"band {b} is not one IDAT chunk of its {rows} rows"]
        data = bytearray()
        for k in range(nblocks):
            at, n = 8 + k * 65540, min(65535, raw - k * 65535)
            final = 1 if b == bands - 1 and k == nblocks - 1 else 0
            if chunk[at] != final or chunk[at + 1:at + 5] != n.to_bytes(2, "little") + (n ^ 0xFFFF).to_bytes(2, "little"):
                return [f"band {b}: stored block {k} is not the {n}-byte block of the format"]
            data += chunk[at + 5:at + 5 + n]
        filters = data[::stride]
        if filters[0] != 0 or any(f != 2 for f in filters[1:]):
            return [f"band {b}: row filters {list(filters)}, expected None then Up"]
    tail = parts[-1]
    if tail[:8] != b"\x00\x00\x00\x04IDAT" or tail[16:28] != b"\x00\x00\x00\x00IEND\xaeB`\x82":
        return ["the tail frame does not start with the Adler-32 IDAT and IEND"]
    if 47 + sum(len(p) for p in parts[1:-1]) + 28 != png_size:
        return ["png_size is not the size of the banded PNG"]
    return []


def check_frames(path, data, tar_bytes, samples, band_rows=None):
    """Formats 2 and 3: every sample's frames lie where the index says, hash to frame_sha256 and
    decompress alone to the tar bytes from its .png header on; samples tile the file. Format 2: one
    frame per sample; format 3 (band_rows): head, bands, tail (band_problems)."""
    problems, expected = [], 0
    for s in sorted(samples, key=lambda s: s.get("frame_offset", -1)):
        off, size = s.get("frame_offset"), s.get("frame_size")
        if off is None or size is None or off != expected or off + size > len(data):
            problems.append(f"{path}:{s['key']}: frame_offset/frame_size missing, out of order or outside the file")
            continue
        frame = data[off:off + size]
        expected = off + size
        if hashlib.sha256(frame).hexdigest() != s.get("frame_sha256"):
            problems.append(f"{path}:{s['key']}: zstd frame differs from frame_sha256")
        try:
            frames = zstd_frames(frame)
            parts = [zstandard.ZstdDecompressor().decompress(f) for f, _ in frames]
        except (ValueError, zstandard.ZstdError) as e:
            problems.append(f"{path}:{s['key']}: frame does not decompress alone ({e})")
            continue
        if not all(c for _, c in frames) or (band_rows is None and len(frames) != 1):
            problems.append(f"{path}:{s['key']}: {len(frames)} zstd frames (format 2: one), or one without a checksum")
            continue
        part = b"".join(parts)
        start = s["png_offset"] - 512
        if tar_bytes[start:start + len(part)] != part:
            problems.append(f"{path}:{s['key']}: frame does not hold the sample's own tar bytes")
        elif band_rows is not None:
            problems += [f"{path}:{s['key']}: {p}" for p in band_problems(parts, s["png_size"], band_rows)]
    return problems


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
            tar_bytes = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True).read()
        except zstandard.ZstdError as e:
            problems.append(f"{path}: cannot decompress ({e})")
            continue
        if len(tar_bytes) != shard["tar_bytes"] or hashlib.sha256(tar_bytes).hexdigest() != shard["tar_sha256"]:
            problems.append(f"{path}: decompressed tar differs from tar_bytes/tar_sha256")
        if manifest["format_version"] >= 2:
            band_rows = manifest["png"]["band_rows"] if manifest["format_version"] >= 3 else None
            problems += check_frames(path, data, tar_bytes, by_shard.get(i, []), band_rows)
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
