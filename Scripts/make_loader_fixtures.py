#!/usr/bin/env python3
"""Writes Tests/DatasetLoaderTests/Fixtures/spec.json: epoch orders, rank batches and crop plans computed
by the NumPy/Python reference (python/sisr_loader/reference.py), which the Swift tests must reproduce."""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from sisr_loader import reference as ref  # noqa: E402

items = [(f"M{m}-x{2 + 2 * (m % 2)}__img{i:06d}", (m * 10 + i) // 7) for m in range(5) for i in range(10)]
msha = "ab" * 32
orders = []
for seed, epoch, window, shuffle in [(0, 0, 8, True), (0, 1, 8, True), (7, 0, 2, True), (7, 3, 0, True), (1, 0, 3, False)]:
    orders.append({"seed": seed, "epoch": epoch, "window": window, "shuffle": shuffle, "split": "train",
                   "order": ref.epoch_order(items, msha, "train", seed, epoch, shuffle, window)})
crops = []
for seed, epoch, key, w, h, patch, mode, hflip in [
        (0, 0, "EDSR-div2k-x4-L1-s1__img000001", 960, 720, 224, "random", True),
        (5, 2, "RCAN-div2k-x2-L1-s2__img000017", 300, 299, 299, "random", True),
        (5, 2, "a__b", 301, 500, 17, "random", False),
        (0, 0, "k", 229, 230, 224, "center", False),
        (0, 0, "k", 231, 233, 224, "center", False)]:
    x, y, flip = ref.crop_plan(mode, key, w, h, patch, seed, epoch, hflip)
    crops.append({"seed": seed, "epoch": epoch, "key": key, "width": w, "height": h, "patch": patch, "mode": mode,
                  "hflip": hflip, "x": x, "y": y, "flip": flip})
plans = []
for count, batch, rank, world, start, tail in [(50, 4, 1, 3, 0, "wrap"), (50, 4, 2, 3, 24, "wrap"), (50, 8, 0, 1, 0, "drop"),
                                              (50, 8, 0, 1, 16, "partial")]:
    plans.append({"count": count, "batch": batch, "rank": rank, "world": world, "start": start, "tail": tail,
                  "batches": ref.batch_positions(count, batch, rank, world, start, tail)})
out = {"items": [{"key": k, "shard": s} for k, s in items], "manifest_sha256": msha, "orders": orders, "crops": crops,
       "plans": plans}
path = os.path.join(ROOT, "Tests", "DatasetLoaderTests", "Fixtures", "spec.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print("wrote", path)
