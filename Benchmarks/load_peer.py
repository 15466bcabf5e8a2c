#!/usr/bin/env python3
"""PyTorch-style peers of `sisr load-bench`, over the same images.

1. Pillow: the split's PNG members are unpacked once as files (exactly the bytes in the shards), then
   a map-style Dataset opens each with Pillow, converts to RGB, takes a random crop, makes a float32
   CHW tensor in [0,1], and a DataLoader (shuffle, batch 32, 2 workers) stacks batches.
2. webdataset (when installed): the same shards through `pipe:zstd -dc`, `.decode("rgb8")`, the same
   crop and tensor conversion, batched by WebLoader with 2 workers.

Prints one line per peer and epoch: `peer=<name> epoch=<e> images=<n> seconds=<s> images_per_s=<r>`.
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time

import numpy as np
import torch
from PIL import Image


def unpack(release, split, out_dir):
    """Writes each sample's PNG member of `split` to out_dir/<key>.png (needs the zstandard module or zstd)."""
    with open(os.path.join(release, "manifest.json")) as f:
        manifest = json.load(f)
    samples = [json.loads(line) for line in open(os.path.join(release, "index.jsonl")) if line.strip()]
    samples = [s for s in samples if s["split"] == split and s["labels"]["family"] != "reference"]
    tars = {}
    paths = []
    for s in samples:
        if s["shard"] not in tars:
            path = os.path.join(release, manifest["shards"][s["shard"]]["path"])
            try:
                import zstandard
                with open(path, "rb") as f:
                    tars[s["shard"]] = zstandard.ZstdDecompressor().decompress(f.read())
            except ImportError:
                import subprocess
                tars[s["shard"]] = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
        data = tars[s["shard"]][s["png_offset"]:s["png_offset"] + s["png_size"]]
        p = os.path.join(out_dir, s["key"] + ".png")
        with open(p, "wb") as f:
            f.write(data)
        paths.append(p)
    return paths, [manifest["shards"][i]["path"] for i in sorted(tars)]


def random_crop_tensor(rgb, patch):
    h, w = rgb.shape[:2]
    y, x = random.randint(0, h - patch), random.randint(0, w - patch)
    crop = np.ascontiguousarray(rgb[y:y + patch, x:x + patch].transpose(2, 0, 1))
    return torch.from_numpy(crop).float().div_(255)


class PillowFiles(torch.utils.data.Dataset):
    def __init__(self, paths, patch):
        self.paths, self.patch = paths, patch

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with Image.open(self.paths[i]) as im:
            rgb = np.asarray(im.convert("RGB"))
        return random_crop_tensor(rgb, self.patch), i


def run(name, loader, epochs):
    for epoch in range(epochs):
        start, n = time.perf_counter(), 0
        for images, _ in loader:
            n += images.shape[0]
        s = time.perf_counter() - start
        print(f"peer={name} epoch={epoch} images={n} seconds={s:.3f} images_per_s={n / s:.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("release")
    ap.add_argument("--split", default="train")
    ap.add_argument("--patch", type=int, default=224)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix="sisr-peer-")
    try:
        paths, shards = unpack(args.release, args.split, tmp)
        pillow = torch.utils.data.DataLoader(PillowFiles(paths, args.patch), batch_size=args.batch, shuffle=True,
                                             num_workers=args.workers, persistent_workers=args.workers > 0)
        run("pillow", pillow, args.epochs)
        try:
            import webdataset as wds
        except ImportError:
            print("peer=webdataset skipped (pip install webdataset)", flush=True)
            return
        urls = [f"pipe:zstd -dcq {os.path.join(args.release, s)}" for s in shards]
        patch = args.patch
        ds = (wds.WebDataset(urls, shardshuffle=False, empty_check=False)
              .decode("rgb8").to_tuple("png", "__key__")
              .map_tuple(lambda rgb: random_crop_tensor(rgb, patch), lambda k: k)
              .batched(args.batch, partial=True))
        web = wds.WebLoader(ds, batch_size=None, num_workers=min(args.workers, len(urls)))
        run("webdataset", web, args.epochs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
