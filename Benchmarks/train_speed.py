#!/usr/bin/env python3
"""Training speed: iterations/s of `sisr train` and of PyTorch CPU, same run, same network and batch.

EDSR 64x16 x4 (BasicSR's EDSR_Mx4 without the x2 init), batch 16, 48-px LR patches (gt_size 192),
L1 loss, Adam; PyTorch with torch.set_num_threads(THREADS) on the same random batch every iteration, in
both memory layouts (default NCHW and channels-last, the faster one on CPU for inference; the ratio is
taken against whichever trains faster in this run),
sisr on an HR-only folder of random images (its data preparation is included, it is small). The runs
are interleaved: torch, torch channels-last, sisr, twice; the first iteration of each is a warm-up and not timed
(sisr: the log's seconds between the first and the last logged iteration).

Usage: python3 Benchmarks/train_speed.py [--sisr .build/release/sisr] [--threads 2] [--iters 4]
       [--feat 64 --blocks 16 --batch 16 --patch 48]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Scripts"))


def torch_rate(args, channels_last=False):
    from make_training_fixtures import EDSR_M
    torch.set_num_threads(args.threads)
    net = EDSR_M.EDSR(num_in_ch=3, num_out_ch=3, num_feat=args.feat, num_block=args.blocks, upscale=4)
    lq = torch.rand(args.batch, 3, args.patch, args.patch)
    gt = torch.rand(args.batch, 3, 4 * args.patch, 4 * args.patch)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
        lq = lq.contiguous(memory_format=torch.channels_last)
        gt = gt.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.99))
    times = []
    for _ in range(args.iters + 1):
        t = time.perf_counter()
        opt.zero_grad()
        F.l1_loss(net(lq), gt).backward()
        opt.step()
        times.append(time.perf_counter() - t)
    return len(times[1:]) / sum(times[1:])


def sisr_rate(args, root):
    yml = f"""
name: speed
model_type: SRModel
scale: 4
num_gpu: 1
manual_seed: 1
datasets:
  train:
    name: speed
    type: PairedImageDataset
    dataroot_gt: {root}/hr
    io_backend: {{type: disk}}
    gt_size: {4 * args.patch}
    use_hflip: true
    use_rot: true
    num_worker_per_gpu: 0
    batch_size_per_gpu: {args.batch}
network_g: {{type: EDSR, num_in_ch: 3, num_out_ch: 3, num_feat: {args.feat}, num_block: {args.blocks}, upscale: 4}}
path: {{pretrain_network_g: ~, strict_load_g: true, resume_state: ~}}
train:
  ema_decay: 0.999
  optim_g: {{type: Adam, lr: !!float 1e-4, weight_decay: 0, betas: [0.9, 0.99]}}
  scheduler: {{type: MultiStepLR, milestones: [200000], gamma: 0.5}}
  total_iter: {args.iters + 1}
  warmup_iter: -1
  pixel_opt: {{type: L1Loss, loss_weight: 1.0, reduction: mean}}
logger: {{print_freq: 1, save_checkpoint_freq: 100000, use_tb_logger: false}}
"""
    with open(f"{root}/speed.yml", "w") as f:
        f.write(yml)
    subprocess.run([args.sisr, "train", f"{root}/speed.yml", "--out", f"{root}/out", "--threads", str(args.threads)],
                   check=True, stdout=subprocess.DEVNULL)
    with open(f"{root}/out/experiments/speed/train_log.json") as f:
        recs = json.load(f)["records"]
    return (recs[-1]["iter"] - recs[0]["iter"]) / (recs[-1]["seconds"] - recs[0]["seconds"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sisr", default=".build/release/sisr")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=4)
    ap.add_argument("--feat", type=int, default=64)
    ap.add_argument("--blocks", type=int, default=16)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=48)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(f"{root}/hr")
        rng = np.random.default_rng(0)
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (4 * args.patch + 40, 4 * args.patch + 40, 3), dtype=np.uint8)).save(f"{root}/hr/{i}.png")
        rates = {"torch": [], "torch-cl": [], "sisr": []}
        for _ in range(2):
            rates["torch"].append(torch_rate(args))
            rates["torch-cl"].append(torch_rate(args, channels_last=True))
            rates["sisr"].append(sisr_rate(args, root))
        cfg = f"EDSR {args.feat}x{args.blocks} x4, batch {args.batch}, {args.patch}-px LR patches, {args.threads} threads"
        for k, v in rates.items():
            print(f"{k:8s} {cfg}: " + ", ".join(f"{r:.3f}" for r in v) + f" it/s (best {max(v):.3f})")
        peer = max(("torch", "torch-cl"), key=lambda k: max(rates[k]))
        print(f"ratio sisr/{peer} (faster PyTorch layout, best rates): {max(rates['sisr']) / max(rates[peer]):.2f}")


if __name__ == "__main__":
    main()
