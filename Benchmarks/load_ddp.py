#!/usr/bin/env python3
"""The PyTorch adapter under DDP ranks: one first pass split over `--nproc_per_node` ranks.

  python3 -m torch.distributed.run --nproc_per_node 2 Benchmarks/load_ddp.py RELEASE [--workers 1] [--cold]

Each rank (gloo, 1 torch thread) iterates `SISRIterableDataset(RELEASE, rank=r, world=W)` under a
DataLoader with `--workers` workers (1 decoding thread each); rank 0 prints one line in the format of
load_peer.py (`peer=sisr-ddp ...`): images of all ranks, wall time from a barrier before the first
batch to one after the last, and the CPU time of all ranks and their workers.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

from load_peer import cpu_seconds, drop_from_page_cache, peak_rss_mb, split_samples  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("release")
    ap.add_argument("--split", default="train")
    ap.add_argument("--patch", type=int, default=224)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cold", action="store_true")
    args = ap.parse_args()
    import torch
    import torch.distributed as dist
    from sisr_loader.torch_dataset import SISRIterableDataset
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.cold and rank == 0:
        manifest, samples = split_samples(args.release, args.split)
        drop_from_page_cache(sorted({os.path.join(args.release, manifest["shards"][s["shard"]]["path"]) for s in samples}))
    ds = SISRIterableDataset(args.release, split=args.split, batch_size=args.batch, patch=args.patch, rank=rank, world=world)
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=args.workers)
    dist.barrier()
    start, cpu, n = time.perf_counter(), cpu_seconds(), 0
    for images, _, _ in loader:
        n += images.shape[0]
    del loader  # the workers exit, so their CPU time is counted
    dist.barrier()
    seconds = time.perf_counter() - start
    totals = torch.tensor([n, cpu_seconds() - cpu, peak_rss_mb()], dtype=torch.float64)
    dist.all_reduce(totals)
    if rank == 0:
        images, cpu_s, rss = int(totals[0]), float(totals[1]), float(totals[2])
        print(f"peer=sisr-ddp ranks={world} epoch=0 images={images} seconds={seconds:.3f} images_per_s={images / seconds:.1f} "
              f"cpu_s={cpu_s:.2f} images_per_cpu_s={images / max(cpu_s, 1e-9):.1f} peak_rss_mb={rss:.0f} (sum over ranks)", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
