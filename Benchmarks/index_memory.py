#!/usr/bin/env python3
"""Peak memory of opening a loader over a corpus-sized index, without building the corpus.

  index_memory.py make RELEASE COPIES OUT   a release OUT whose index is RELEASE's repeated COPIES
                                            times (copy 0 as is, the others with keys suffixed
                                            `~<copy>` and shard entries that are symlinks to
                                            RELEASE's shards), consistent with its manifest
  index_memory.py open OUT [SPLIT [PATCH]]  opens a sisr_loader.Loader over OUT (the index read,
                                            checked, selected), decodes one batch, prints
                                            `samples=<n> open_s=<t> rss_before_mb=<a> peak_rss_mb=<b>`

Only copy 0's samples can be decoded (the others name tar members that do not exist), so `open`
decodes its first batch with shuffle off. With COPIES=52, a 4,000-sample release stands for the
paper's 205,000 images.
"""
import hashlib
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def make(release, copies, out):
    with open(os.path.join(release, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(release, "index.jsonl")) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    os.makedirs(out, exist_ok=True)
    for name in ("zoo.json", "splits.json", "images.json"):
        target = os.path.join(out, name)
        if not os.path.exists(target):
            os.symlink(os.path.abspath(os.path.join(release, name)), target)
    shards, n0 = [], len(manifest["shards"])
    for c in range(copies):
        for s in manifest["shards"]:
            s = dict(s)
            if c:
                folder, name = os.path.split(s["path"])
                s["path"] = os.path.join(folder, f"copy{c}-{name}")
            link = os.path.join(out, s["path"])
            os.makedirs(os.path.dirname(link), exist_ok=True)
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(os.path.join(release, manifest["shards"][len(shards) % n0]["path"])), link)
            shards.append(s)
    index = bytearray()
    for c in range(copies):
        for s in lines:
            s = dict(s, shard=s["shard"] + c * n0)
            if c:
                s["key"] = f"{s['key']}~{c}"
            index += (json.dumps(s, sort_keys=True, separators=(",", ":")) + "\n").encode()
    with open(os.path.join(out, "index.jsonl"), "wb") as f:
        f.write(index)
    manifest["shards"] = shards
    manifest["inputs"]["index"] = dict(manifest["inputs"]["index"], samples=len(lines) * copies,
                                       sha256=hashlib.sha256(index).hexdigest())
    manifest["split_samples"] = {k: v * copies for k, v in manifest["split_samples"].items()}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, sort_keys=True, separators=(",", ":"))
    print(f"{out}: {len(lines) * copies} samples in {len(shards)} shard entries, index {len(index)} bytes")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_release(out, split="train", patch=224):
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
    from sisr_loader import Loader
    import numpy  # noqa: F401  (imported before measuring, like any user of the package)
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    with Loader(out, split=split, shuffle=False, batch_size=8, patch=patch, threads=1, prefetch=1) as loader:
        opened = time.perf_counter() - start
        batches = loader.epoch(0)
        next(batches)
        batches.close()
        print(f"samples={loader.samples} open_s={opened:.2f} rss_before_mb={rss_before:.0f} peak_rss_mb={peak_rss_mb():.0f}",
              flush=True)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif 3 <= len(sys.argv) <= 5 and sys.argv[1] == "open":
        open_release(sys.argv[2], *sys.argv[3:4], *map(int, sys.argv[4:5]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
