#!/usr/bin/env python3
"""Writes the frozen splits in manifests/splits/ with an independent Python implementation of the
project's split rule (SISRCore `SeededRandom` + `Splits.derive`); a Swift test derives them again
and compares.

Rule: sort the ids, shuffle with SeededRandom(seed, "splits", "images") (Fisher-Yates from the
end), first floor(0.8 n) -> train, next floor(0.1 n) -> val, rest -> test, each list sorted.
- flickr1k.json: the paper's 1,000 Flickr1K photos as img000001..img001000 -> 800/100/100.
- procedural-default.json: the built-in 30 procedural images -> 24/3/3 (what `sisr build` uses).
"""
import hashlib
import json
import os

M = (1 << 64) - 1


class SeededRandom:
    def __init__(self, seed, *names):
        text = "|".join(["sisr-v1", str(seed), *names]).encode()
        self.state = int.from_bytes(hashlib.sha256(text).digest()[:8], "big")

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return z ^ (z >> 31)

    def next_int(self, n):
        t = (1 << 64) % n
        while True:
            x = self.next()
            if x >= t:
                return x % n


def derive(ids, seed=0, name="images"):
    order = sorted(ids)
    rng = SeededRandom(seed, "splits", name)
    for i in range(len(order) - 1, 0, -1):
        j = rng.next_int(i + 1)
        order[i], order[j] = order[j], order[i]
    n_train, n_val = len(order) * 8 // 10, len(order) // 10
    return {"train": sorted(order[:n_train]), "val": sorted(order[n_train:n_train + n_val]),
            "test": sorted(order[n_train + n_val:])}


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "manifests", "splits")
    for fname, count in [("flickr1k.json", 1000), ("procedural-default.json", 30)]:
        ids = [f"img{i:06d}" for i in range(1, count + 1)]
        with open(os.path.join(root, fname), "w", encoding="utf-8") as f:
            f.write(json.dumps(derive(ids), indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
