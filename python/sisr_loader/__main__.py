"""`python -m sisr_loader RELEASE [options]`: summary of a split and the time of one epoch."""
import argparse
import json
import os
import time

from . import _lib
from .loader import Loader, LoaderError


def fitting_patch(release, split):
    """224 (the loader's default) when every sample of `split` is at least that large, else the largest
    power of two that fits the smallest one (64 for the built-in 128x96 release)."""
    side = None
    index = os.path.join(release, "index.jsonl")
    if not os.path.isfile(index):
        return 224  # not a finished release: the loader says what it is
    with open(index, encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            if s["split"] == split:
                side = min(s["width"], s["height"]) if side is None else min(side, s["width"], s["height"])
    if side is None or side >= 224:
        return 224
    p = 1
    while p * 2 <= side:
        p *= 2
    return p


def main():
    ap = argparse.ArgumentParser(prog="python -m sisr_loader", description=__doc__)
    ap.add_argument("release")
    ap.add_argument("--split", default="train")
    ap.add_argument("--protocol")
    ap.add_argument("--patch", type=int, help="patch side (default: 224, or the largest power of two that fits "
                                              "the split's smallest image)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epoch", type=int, default=0)
    args = ap.parse_args()
    patch = args.patch if args.patch is not None else fitting_patch(args.release, args.split)
    try:
        loader = Loader(args.release, split=args.split, protocol=args.protocol, patch=patch, batch_size=args.batch)
    except (LoaderError, OSError) as e:
        raise SystemExit(f"python -m sisr_loader: {e}")
    with loader:
        print(f"library {_lib.load().path} ({_lib.library_kind(_lib.load().path)} build)")
        print(f"{args.release}: split {args.split}, {loader.samples} samples, {len(loader.classes)} classes, "
              f"{len(loader)} batches of {args.batch}, patch {patch}")
        start, n = time.perf_counter(), 0
        for images, labels, keys in loader.epoch(args.epoch):
            n += len(keys)
        seconds = time.perf_counter() - start
        print(f"epoch {args.epoch}: {n} images in {seconds:.3f} s ({n / seconds:.1f} images/s); last batch {images.shape} "
              f"{images.dtype}, labels {labels[:4].tolist()}..., keys {keys[:2]}...")


if __name__ == "__main__":
    main()
