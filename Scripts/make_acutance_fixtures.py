#!/usr/bin/env python3
"""Acutance fixtures for Tests/BaselinesTests (AcutanceTests).

Computes the paper's acutance exactly as its code does
(JeremyIV/SISR-fingerprints, classification/utils/image_patch.py: get_acutance):

    cv2.Laplacian(np.array(ImageOps.grayscale(image)), cv2.CV_64F).var()

i.e. Pillow's ITU-R 601 luma (integer arithmetic), OpenCV's default Laplacian (ksize=1, the 3x3
aperture 0,1,0 / 1,-4,1 / 0,1,0, BORDER_REFLECT_101) into float64, then NumPy's population variance.

Writes Tests/BaselinesTests/Fixtures/acutance/<name>.png (RGB8) and acutance.json with, per image,
the grey pixel sum, the SHA-256 of the grey bytes and the acutance. Needs Pillow, opencv-python-headless
and numpy (PyPI). Deterministic (fixed NumPy seed).
"""
import hashlib
import json
import pathlib

import cv2
import numpy as np
from PIL import Image, ImageOps

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/BaselinesTests/Fixtures/acutance"


def images():
    rng = np.random.default_rng(20241021)
    yield "noise_17x13", rng.integers(0, 256, size=(13, 17, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:24, 0:32]
    grad = np.stack([xx * 8, yy * 10, (xx + yy) * 4], axis=-1).clip(0, 255).astype(np.uint8)
    yield "gradient_32x24", grad
    # Edges and a flat region: the Laplacian is large on edges, zero on flat areas.
    blocks = np.zeros((20, 20, 3), dtype=np.uint8)
    blocks[5:15, 5:15] = (250, 30, 128)
    blocks[:, 17:] = (0, 255, 0)
    yield "blocks_20x20", blocks
    # Degenerate sizes exercise the reflect-101 border with one row / one column.
    yield "row_9x1", rng.integers(0, 256, size=(1, 9, 3), dtype=np.uint8)
    yield "column_1x7", rng.integers(0, 256, size=(7, 1, 3), dtype=np.uint8)
    # Pixels where the +0x8000 rounding matters (values near .5 after weighting).
    yield "rounding_16x16", rng.integers(0, 256, size=(16, 16, 3), dtype=np.uint8) | 1


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    records = []
    for name, arr in images():
        img = Image.fromarray(arr, mode="RGB")
        img.save(OUT / f"{name}.png")
        grey = np.array(ImageOps.grayscale(img))
        # Cross-check Pillow against the documented integer formula.
        a = arr.astype(np.int64)
        formula = (a[..., 0] * 19595 + a[..., 1] * 38470 + a[..., 2] * 7471 + 0x8000) >> 16
        assert np.array_equal(formula, grey), name
        lap = cv2.Laplacian(grey, cv2.CV_64F)
        records.append({
            "name": name,
            "width": int(arr.shape[1]),
            "height": int(arr.shape[0]),
            "grey_sum": int(grey.astype(np.int64).sum()),
            "grey_sha256": hashlib.sha256(grey.tobytes()).hexdigest(),
            "laplacian_sum": float(lap.sum()),
            "acutance": float(lap.var()),
        })
    (OUT / "acutance.json").write_text(json.dumps({
        "generator": "Scripts/make_acutance_fixtures.py",
        "versions": {"opencv": cv2.__version__, "numpy": np.__version__, "pillow": Image.__version__},
        "images": records,
    }, indent=1) + "\n")
    for r in records:
        print(r["name"], r["acutance"])


if __name__ == "__main__":
    main()
