#!/usr/bin/env python3
"""Python sides of the loader benchmark (`Benchmarks/bench_load.sh`), over the same images.

  load_peer.py prepare RELEASE FILES      unpack the split's PNG members as ordinary PNG files
  load_peer.py run PEER RELEASE [options] time one first pass, print one result line

Peers:
- pillow: ordinary PNG files (written by OpenCV with its defaults, zlib level 3 and libpng's adaptive
  row filters: the form the paper's corpus is published in), a map-style Dataset that opens each with Pillow, converts to RGB,
  takes a random crop and makes a float32 CHW tensor in [0,1]; DataLoader (shuffle, batch, workers).
- webdataset: the release's shards through `pipe:zstd -dcq` (reads every frame), `.decode("rgb8")`,
  the same crop and tensor conversion, batched in the workers and loaded by WebLoader.
- sisr-numpy: `sisr_loader.Loader` (NumPy batches from the library, `threads` decoding threads).
- sisr-torch: `SISRIterableDataset` under a DataLoader with `workers` processes (1 thread each; each
  batch decoded into shared memory and passed to the main process without a copy).

With --cold, the files a peer reads are dropped from the page cache first (posix_fadvise DONTNEED;
works without root for clean pages). Prints
`peer=<name> epoch=<e> images=<n> seconds=<s> images_per_s=<r> cpu_s=<c> images_per_cpu_s=<r> peak_rss_mb=<m>
first_batch_s=<t>` (first_batch_s: wait for the first batch, e.g. DataLoader workers starting).
"""
import argparse
import glob
import io
import json
import os
import random
import resource
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def split_samples(release, split):
    with open(os.path.join(release, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(release, "index.jsonl")) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    return manifest, [s for s in samples if s["split"] == split and s["labels"]["family"] != "reference"]


def _write_ordinary_png(job):
    import cv2
    data, path = job
    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    cv2.imwrite(path, bgr)  # OpenCV's defaults: zlib level 3, libpng's adaptive row filters


def prepare(release, split, out_dir):
    """Writes each sample's image of `split` to out_dir/<key>.png as an ordinary PNG (OpenCV defaults)."""
    from concurrent.futures import ThreadPoolExecutor
    import zstandard
    manifest, samples = split_samples(release, split)
    os.makedirs(out_dir, exist_ok=True)
    tars, jobs = {}, []
    with ThreadPoolExecutor(max(1, os.cpu_count() or 1)) as pool:
        for s in samples:
            if s["shard"] not in tars:
                tars.clear()
                with open(os.path.join(release, manifest["shards"][s["shard"]]["path"]), "rb") as f:
                    tars[s["shard"]] = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True).read()
            data = tars[s["shard"]][s["png_offset"]:s["png_offset"] + s["png_size"]]
            jobs.append(pool.submit(_write_ordinary_png, (data, os.path.join(out_dir, s["key"] + ".png"))))
        for job in jobs:
            job.result()
    print(f"prepared {len(samples)} ordinary PNG files in {out_dir}")


def drop_from_page_cache(paths):
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def random_crop_tensor(rgb, patch):
    import torch
    h, w = rgb.shape[:2]
    y, x = random.randint(0, h - patch), random.randint(0, w - patch)
    crop = np.ascontiguousarray(rgb[y:y + patch, x:x + patch].transpose(2, 0, 1))
    return torch.from_numpy(crop).float().div_(255)


class PillowFiles:
    def __init__(self, paths, patch):
        self.paths, self.patch = paths, patch

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        from PIL import Image
        with Image.open(self.paths[i]) as im:
            rgb = np.asarray(im.convert("RGB"))
        return random_crop_tensor(rgb, self.patch), i


def peak_rss_mb():
    """Peak resident memory of this process and of its finished children (DataLoader workers), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def cpu_seconds():
    """User + system CPU of this process and its finished children (DataLoader workers, zstd pipes)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def timed(name, batches, epoch=0):
    start, cpu, n, first = time.perf_counter(), cpu_seconds(), 0, None
    for images in batches:
        n += images.shape[0]
        first = first if first is not None else time.perf_counter() - start
    del batches  # let the DataLoader shut its workers down, so their CPU time is counted
    import gc
    gc.collect()
    s, c = time.perf_counter() - start, cpu_seconds() - cpu
    print(f"peer={name} epoch={epoch} images={n} seconds={s:.3f} images_per_s={n / s:.1f} cpu_s={c:.2f} "
          f"images_per_cpu_s={n / max(c, 1e-9):.1f} peak_rss_mb={peak_rss_mb():.0f} first_batch_s={first or 0:.3f}", flush=True)


def run(args):
    manifest, samples = split_samples(args.release, args.split)
    shard_paths = sorted({os.path.join(args.release, manifest["shards"][s["shard"]]["path"]) for s in samples})
    if args.peer == "pillow":
        import torch
        torch.set_num_threads(1)
        paths = sorted(glob.glob(os.path.join(args.files, "*.png")))
        if args.cold:
            drop_from_page_cache(paths)
        loader = torch.utils.data.DataLoader(PillowFiles(paths, args.patch), batch_size=args.batch, shuffle=True,
                                             num_workers=args.workers)
        timed("pillow", (images for images, _ in loader))
    elif args.peer == "webdataset":
        import torch
        import webdataset as wds
        torch.set_num_threads(1)
        if args.cold:
            drop_from_page_cache(shard_paths)
        patch = args.patch
        ds = (wds.WebDataset([f"pipe:zstd -dcq {p}" for p in shard_paths], shardshuffle=False, empty_check=False)
              .decode("rgb8").to_tuple("png", "__key__")
              .map_tuple(lambda rgb: random_crop_tensor(rgb, patch), lambda k: k)
              .batched(args.batch, partial=True))
        loader = wds.WebLoader(ds, batch_size=None, num_workers=min(args.workers, len(shard_paths)))
        timed("webdataset", (images for images, _ in loader))
    else:
        sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
        from sisr_loader import Loader
        if args.cold:
            drop_from_page_cache(shard_paths)
        opts = dict(split=args.split, batch_size=args.batch, patch=args.patch)
        if args.peer == "sisr-numpy":
            with Loader(args.release, threads=args.threads, **opts) as loader:
                timed("sisr-numpy", (images for images, _, _ in loader.epoch(0)))
        elif args.peer == "sisr-torch":
            import torch
            from sisr_loader.torch_dataset import SISRIterableDataset
            torch.set_num_threads(1)
            ds = SISRIterableDataset(args.release, **opts)
            loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=args.workers)
            timed("sisr-torch", (images for images, _, _ in loader))
        else:
            raise SystemExit(f"unknown peer {args.peer}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("release")
    p.add_argument("files")
    p.add_argument("--split", default="train")
    r = sub.add_parser("run")
    r.add_argument("peer", choices=["pillow", "webdataset", "sisr-numpy", "sisr-torch"])
    r.add_argument("release")
    r.add_argument("--files", help="folder of prepare's PNG files (pillow)")
    r.add_argument("--split", default="train")
    r.add_argument("--patch", type=int, default=224)
    r.add_argument("--batch", type=int, default=32)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--cold", action="store_true")
    args = ap.parse_args()
    if args.command == "prepare":
        prepare(args.release, args.split, args.files)
    else:
        run(args)


if __name__ == "__main__":
    sys.exit(main())
