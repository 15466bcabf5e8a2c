#!/usr/bin/env python3
"""PyTorch twin of `sisr baseline cnn` (Yu et al.'s attribution network, Sources/Baselines/CNN), to
separate "recipe" from "implementation" when the Swift baseline's accuracy is poor, and to try
recipes faster than the Swift engine trains them. Never needed by `swift test`.

Reads a release with the loader's pure-Python reference reader (python/sisr_loader/reference.py, needs
`zstandard`) and Pillow, trains the same network (equalized learning rate, LeakyReLU 0.2, 2x2 average
pools down to 4x4, Dense1, Dense2) on random crops, and scores the test split on grid crops:

    python3 Benchmarks/cnn_recipe_peer.py --release release --protocol attribution-demo   # the sisr defaults
    python3 Benchmarks/cnn_recipe_peer.py --release release --patch 64 --fmap-base 512 --epochs 40 \\
        --schedule constant --test-stride 32 --highpass 0                         # the recipe before

Its random numbers are PyTorch's, not the project's SeededRandom streams, so accuracies match the Swift
run only in distribution (with 60 test images one image is 1.7 points). Needs torch, numpy, Pillow,
zstandard (PyPI).
"""
import argparse
import io
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from sisr_loader.reference import ReferenceRelease  # noqa: E402


def load_split(release, protocol, split):
    samples, ids, classes = release.select(split, protocol)
    images = [np.asarray(Image.open(io.BytesIO(release.png(s))).convert("RGB")) for s in samples]
    return images, np.array(ids), classes


class Net(torch.nn.Module):
    """C_patch (mode postpool, latent_res -1) with nf(s) = min(fmap_base >> s, fmap_max)."""

    def __init__(self, classes, patch, fmap_base, fmap_max):
        super().__init__()
        nf = lambda s: max(1, min(fmap_base >> s, fmap_max))  # noqa: E731
        log2 = int(math.log2(patch))
        self.convs = torch.nn.ParameterList()
        self.biases = torch.nn.ParameterList()
        self.scales, self.kinds = [], []

        def layer(fin, fout, k, gain=math.sqrt(2)):
            shape = (fout, fin, k, k) if k else (fout, fin)
            w = torch.empty(shape).uniform_(-math.sqrt(3), math.sqrt(3))  # unit variance, as the Swift init
            self.convs.append(torch.nn.Parameter(w))
            self.biases.append(torch.nn.Parameter(torch.zeros(fout)))
            self.scales.append(gain / math.sqrt(fin * k * k if k else fin))
            self.kinds.append(k)

        cin = 3
        self.blocks = 0
        for r in range(log2, 2, -1):
            layer(cin, nf(r - 1), 3)
            layer(nf(r - 1), nf(r - 2), 3)
            cin = nf(r - 2)
            self.blocks += 1
        layer(cin, nf(1), 3)
        self.features = max(nf(1), classes)
        layer(nf(1) * 16, self.features, 0)
        layer(self.features, classes, 0, gain=1)

    def apply(self, i, x):
        w = self.convs[i] * self.scales[i]
        return F.conv2d(x, w, self.biases[i], padding=1) if self.kinds[i] else F.linear(x, w, self.biases[i])

    def forward(self, x):
        i = 0
        for _ in range(self.blocks):
            x = F.leaky_relu(self.apply(i, x), 0.2)
            x = F.avg_pool2d(F.leaky_relu(self.apply(i + 1, x), 0.2), 2)
            i += 2
        x = F.leaky_relu(self.apply(i, x), 0.2)
        f = F.leaky_relu(self.apply(i + 1, x.flatten(1)), 0.2)
        return self.apply(i + 2, f), f


HIGHPASS = 0.0


def planes(img, x, y, p):
    if HIGHPASS <= 0:
        return torch.from_numpy(img[y:y + p, x:x + p].transpose(2, 0, 1).astype(np.float32) / 255 * 2 - 1)
    h, w = img.shape[:2]
    rows = np.clip(np.arange(y - 1, y + p + 1), 0, h - 1)
    cols = np.clip(np.arange(x - 1, x + p + 1), 0, w - 1)
    a = img[rows][:, cols].astype(np.float32) / 255 * 2 - 1
    box = sum(a[i:i + p, j:j + p] for i in range(3) for j in range(3)) / 9
    return torch.from_numpy(((a[1:1 + p, 1:1 + p] - box) * HIGHPASS).transpose(2, 0, 1).copy())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--release", required=True)
    ap.add_argument("--protocol", default="attribution-demo")
    ap.add_argument("--patch", type=int, default=32)
    ap.add_argument("--fmap-base", type=int, default=256)
    ap.add_argument("--fmap-max", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=160)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--schedule", choices=["constant", "cosine"], default="cosine")
    ap.add_argument("--crops-per-image", type=int, default=1, help="random crops of each image per epoch")
    ap.add_argument("--test-stride", type=int, default=0, help="0: a quarter patch")
    ap.add_argument("--highpass", type=float, default=16,
                    help="if > 0: feed (x - its 3x3 box mean, edge pixels repeated) times this gain; 0: x in [-1, 1]")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    global HIGHPASS
    args.test_stride = args.test_stride or max(1, args.patch // 4)
    HIGHPASS = args.highpass
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    here = os.path.join(os.path.dirname(__file__), "..", "manifests", "protocols")
    path = args.protocol if args.protocol.endswith(".json") else os.path.join(here, args.protocol + ".json")
    with open(path) as f:
        protocol = json.load(f)
    release = ReferenceRelease(args.release)
    train, train_ids, classes = load_split(release, protocol, "train")
    test, test_ids, _ = load_split(release, protocol, "test")
    net = Net(len(classes), args.patch, args.fmap_base, args.fmap_max)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, betas=(0.0, 0.99), eps=1e-8)
    p, n = args.patch, len(train)
    steps_per_epoch = (n * args.crops_per_image + args.batch - 1) // args.batch
    total = args.epochs * steps_per_epoch
    start, step = time.process_time(), 0
    for epoch in range(args.epochs):
        order = np.concatenate([rng.permutation(n) for _ in range(args.crops_per_image)])
        losses = []
        for b in range(steps_per_epoch):
            members = [order[(b * args.batch + j) % len(order)] for j in range(args.batch)]
            xs = []
            for i in members:
                h, w = train[i].shape[:2]
                xs.append(planes(train[i], rng.integers(0, w - p + 1), rng.integers(0, h - p + 1), p))
            if args.schedule == "cosine":
                for g in opt.param_groups:
                    g["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * step / total))
            logits, _ = net(torch.stack(xs))
            loss = F.cross_entropy(logits, torch.from_numpy(train_ids[members]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            step += 1
        print(f"epoch {epoch}: loss {np.mean(losses):.3f}", file=sys.stderr, flush=True)
    correct = 0
    with torch.no_grad():
        for img, label in zip(test, test_ids):
            h, w = img.shape[:2]
            xs = [planes(img, x, y, p) for y in range(0, h - p + 1, args.test_stride)
                  for x in range(0, w - p + 1, args.test_stride)]
            probs = F.softmax(net(torch.stack(xs))[0], dim=1).mean(0)
            correct += int(probs.argmax()) == int(label)
    print(json.dumps({"accuracy": correct / len(test), "correct": correct, "test": len(test),
                      "cpu_s": round(time.process_time() - start, 1), **vars(args)}))


if __name__ == "__main__":
    main()
