#!/usr/bin/env python3
"""Writes the frozen splits in manifests/splits/ with an independent Python implementation of the
project's split rule (`Splits.derive`, over the SeededRandom of python/sisr_loader/reference.py);
a Swift test derives them again and compares.

Rule: sort the ids, shuffle with SeededRandom(seed, "splits", "images") (Fisher-Yates from the
end), first floor(0.8 n) -> train, next floor(0.1 n) -> val, rest -> test, each list sorted.
- flickr1k.json: the paper's 1,000 Flickr1K photos as img000001..img001000 -> 800/100/100.
- procedural-default.json: the built-in 30 procedural images -> 24/3/3 (what `sisr build` uses).
"""
import importlib.util
import json
import os

def _reference_module():
    """SeededRandom from the loader's pure-Python reference (python/sisr_loader/reference.py),
    loaded by path so the compiled library is not needed."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "sisr_loader", "reference.py")
    spec = importlib.util.spec_from_file_location("sisr_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SeededRandom = _reference_module().SeededRandom


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
