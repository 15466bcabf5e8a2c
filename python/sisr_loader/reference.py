"""Pure-Python/NumPy reference of the loader's specification (order, rank plan, crops, pixels).

This module reads a release with nothing but the standard library and NumPy (``zstandard`` is used
for shards when installed; otherwise pass ``tar_reader``). It exists so anyone can check the Swift
loader (and reproduce its batches) without the library: ``Tests/python`` compares the two.
"""
import hashlib
import json
import zlib

import numpy as np

M64 = (1 << 64) - 1
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


class SeededRandom:
    """SISRCore's SeededRandom: SHA-256-derived SplitMix64 stream."""

    def __init__(self, seed, *names):
        text = "|".join(["sisr-v1", str(seed), *names]).encode()
        self.state = int.from_bytes(hashlib.sha256(text).digest()[:8], "big")

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def next_int(self, n):
        t = (1 << 64) % n
        while True:
            x = self.next()
            if x >= t:
                return x % n

    def next_double(self):
        return (self.next() >> 11) * 2.0 ** -53

    def shuffle(self, a):
        """Fisher-Yates from the end, as SeededRandom.shuffle."""
        for i in range(len(a) - 1, 0, -1):
            j = self.next_int(i + 1)
            a[i], a[j] = a[j], a[i]


def h(seed, *names):
    """The order hash H: the initial state of SeededRandom(seed, *names)."""
    return SeededRandom(seed, *names).state


def epoch_order(items, manifest_sha256, split, seed, epoch, shuffle=True, window=8):
    """items: [(key, shard)] in release order. Returns indices into items in epoch order."""
    if not shuffle:
        return list(range(len(items)))
    base = ["order", manifest_sha256, split, str(epoch)]
    by_shard = {}
    for i, (_, shard) in enumerate(items):
        by_shard.setdefault(shard, []).append(i)
    shards = sorted(by_shard, key=lambda s: (h(seed, *base, "shard", str(s)), s))
    w = len(shards) if window <= 0 else window
    out = []
    for start in range(0, len(shards), max(w, 1)):
        members = [i for s in shards[start:start + w] for i in by_shard[s]]
        members.sort(key=lambda i: (h(seed, *base, "sample", items[i][0]), items[i][0].encode()))
        out.extend(members)
    return out


def batch_positions(count, batch_size, rank=0, world=1, start=0, tail="wrap"):
    """This rank's batches as lists of positions into the epoch order (see EpochPlan)."""
    gb = batch_size * world
    remaining = count - start
    if count == 0 or remaining <= 0:
        return []
    n = remaining // gb if tail == "drop" else -(-remaining // gb)
    out = []
    for g in range(n):
        first = start + g * gb + rank * batch_size
        if tail == "partial":
            out.append(list(range(first, min(first + batch_size, count))))
        else:
            out.append([p % count for p in range(first, first + batch_size)])
    return out


def crop_plan(mode, key, width, height, patch, seed, epoch, hflip=False):
    """(x, y, flip) of a sample's patch (see CropPlan)."""
    if width < patch or height < patch:
        raise ValueError(f"sample {key} is {width}x{height}, smaller than the {patch}-pixel patch")
    if mode == "center":
        return int(round((width - patch) / 2)), int(round((height - patch) / 2)), False
    rng = SeededRandom(seed, "crop", str(epoch), key)
    x = rng.next_int(width - patch + 1)
    y = rng.next_int(height - patch + 1)
    flip = bool(rng.next() >> 63) if hflip else False
    return x, y, flip


def to_layout(crop, flip, layout="float32-nchw", normalize=False):
    """An HxWx3 uint8 patch as the loader stores it in a batch slot."""
    if flip:
        crop = crop[:, ::-1, :]
    if layout == "uint8-nhwc":
        return np.ascontiguousarray(crop)
    x = crop.astype(np.float32) / np.float32(255)
    if normalize:
        x = (x - IMAGENET_MEAN) / IMAGENET_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def decode_png(data):
    """Decodes an 8-bit RGB, non-interlaced PNG whose rows use filters None/Sub/Up/Average/Paeth."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, [], 0, 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big")
            assert body[8] == 8 and body[9] == 2 and body[12] == 0, "only 8-bit RGB non-interlaced PNG"
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), dtype=np.uint8).reshape(height, 1 + width * 3)
    out = np.zeros((height, width * 3), dtype=np.uint8)
    prev = np.zeros(width * 3, dtype=np.int32)
    for y in range(height):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:  # Sub, Average, Paeth need the left neighbour: go pixel by pixel
            cur = np.zeros_like(line)
            for i in range(len(line)):
                a = cur[i - 3] if i >= 3 else 0
                b, c = prev[i], (prev[i - 3] if i >= 3 else 0)
                if f == 1:
                    p = a
                elif f == 3:
                    p = (a + b) // 2
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (line[i] + p) & 255
        out[y] = cur
        prev = cur
    return out.reshape(height, width, 3)


class ReferenceRelease:
    """A release read with the standard library: manifest, index, selection and classes.

    PNG bytes come from the shards through ``zstandard`` (when installed) or from ``png_reader(sample)``.
    """

    def __init__(self, path, png_reader=None):
        self.path = str(path)
        with open(f"{self.path}/manifest.json", "rb") as f:
            raw = f.read()
        self.manifest_sha256 = hashlib.sha256(raw).hexdigest()
        self.manifest = json.loads(raw)
        with open(f"{self.path}/index.jsonl", encoding="utf-8") as f:
            self.samples = [json.loads(line) for line in f if line.strip()]
        self._png_reader = png_reader
        self._tars = {}

    def tar(self, shard):
        if shard not in self._tars:
            import zstandard  # optional dependency
            with open(f"{self.path}/{self.manifest['shards'][shard]['path']}", "rb") as f:
                # Format 2 and 3 shards hold several frames per shard: read across frames.
                self._tars[shard] = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True).read()
        return self._tars[shard]

    def png(self, sample):
        if self._png_reader is not None:
            return self._png_reader(sample)
        if "frame_offset" in sample:
            # Formats 2 and 3: the sample's own zstd frames (one, or head + bands + tail), starting at
            # its .png header.
            import io
            import zstandard  # optional dependency
            with open(f"{self.path}/{self.manifest['shards'][sample['shard']]['path']}", "rb") as f:
                f.seek(sample["frame_offset"])
                frames = f.read(sample["frame_size"])
            assert hashlib.sha256(frames).hexdigest() == sample["frame_sha256"], f"frames of {sample['key']} are corrupt"
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(frames), read_across_frames=True)
            return reader.read()[512:512 + sample["png_size"]]
        t = self.tar(sample["shard"])
        return t[sample["png_offset"]:sample["png_offset"] + sample["png_size"]]

    def select(self, split, protocol=None):
        """(samples, class ids, classes) as ProtocolSelection defines them."""
        proto = protocol or {"models": {}, "label": "model", "withheld": None}
        models, label, withheld = proto.get("models") or {}, proto.get("label", "model"), proto.get("withheld")
        used = [s for s in self.samples if all(s["labels"].get(k) in v for k, v in models.items())
                and (s["labels"].get("family") != "reference" or "reference" in models.get("family", []))]
        classes = sorted({s["labels"][label] for s in used}, key=lambda v: v.encode())
        chosen = []
        for s in used:
            if s["split"] != split:
                continue
            if withheld:
                held = s["labels"].get(withheld["parameter"]) == withheld["value"]
                if held != (split == "test"):
                    continue
            chosen.append(s)
        ids = {c: i for i, c in enumerate(classes)}
        return chosen, [ids[s["labels"][label]] for s in chosen], classes


def reference_batches(release, split="train", protocol=None, seed=0, epoch=0, shuffle=None, window=8,
                      batch_size=32, rank=0, world=1, start=0, tail="wrap", patch=224, crop=None,
                      hflip=False, layout="float32-nchw", normalize=False):
    """Yields (pixels, labels, keys) exactly as the loader does for these settings (protocols with a
    test-time ``perturbation`` are refused for the splits it names: this reference implements none)."""
    perturbation = (protocol or {}).get("perturbation")
    if perturbation and split in perturbation.get("splits", ["test"]):
        raise NotImplementedError(f"protocol {protocol.get('name')} perturbs split {split}; the NumPy reference implements "
                                  "no perturbations (use Loader; they are checked against Pillow/OpenCV by "
                                  "Scripts/make_perturbation_fixtures.py)")
    samples, ids, _ = release.select(split, protocol)
    shuffle = (split == "train") if shuffle is None else shuffle
    mode = crop or ("random" if split == "train" else "center")
    order = epoch_order([(s["key"], s["shard"]) for s in samples], release.manifest_sha256, split, seed, epoch,
                        shuffle, window)
    for positions in batch_positions(len(samples), batch_size, rank, world, start, tail):
        pixels, labels, keys = [], [], []
        for p in positions:
            i = order[p]
            s = samples[i]
            x, y, flip = crop_plan(mode, s["key"], s["width"], s["height"], patch, seed, epoch, hflip)
            image = decode_png(release.png(s))
            pixels.append(to_layout(image[y:y + patch, x:x + patch], flip, layout, normalize))
            labels.append(ids[i])
            keys.append(s["key"])
        yield np.stack(pixels), np.array(labels, dtype=np.int32), keys
