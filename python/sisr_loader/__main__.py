"""`python -m sisr_loader RELEASE [options]`: summary of a split and the time of one epoch."""
import argparse
import time

from .loader import Loader


def main():
    ap = argparse.ArgumentParser(prog="python -m sisr_loader", description=__doc__)
    ap.add_argument("release")
    ap.add_argument("--split", default="train")
    ap.add_argument("--protocol")
    ap.add_argument("--patch", type=int, default=224)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--epoch", type=int, default=0)
    args = ap.parse_args()
    with Loader(args.release, split=args.split, protocol=args.protocol, patch=args.patch, batch_size=args.batch) as loader:
        print(f"{args.release}: split {args.split}, {loader.samples} samples, {len(loader.classes)} classes, "
              f"{len(loader)} batches of {args.batch}")
        start, n = time.perf_counter(), 0
        for images, labels, keys in loader.epoch(args.epoch):
            n += len(keys)
        seconds = time.perf_counter() - start
        print(f"epoch {args.epoch}: {n} images in {seconds:.3f} s ({n / seconds:.1f} images/s); last batch {images.shape} "
              f"{images.dtype}, labels {labels[:4].tolist()}..., keys {keys[:2]}...")


if __name__ == "__main__":
    main()
