#!/usr/bin/env python3
"""Fixtures for SISRTrainingTests (data preparation), from independent references:

- the quarter subsets from the Python SeededRandom of SISRCore's documentation (SHA-256 of the
  meta_info texts);
- Gaussian kernels and a blurred image from scipy.ndimage (mode reflect, truncate 4);
- a prepared photo: scipy blur, then BasicSR's MATLAB imresize without antialiasing, float64, one
  rounding (the recipe of `sisr prepare photos`).

Writes Tests/SISRTrainingTests/Fixtures/prepare.json. Needs numpy, scipy, torch and basicsr 1.4.2:
  python3 Scripts/make_prepare_fixtures.py
"""
import hashlib
import importlib.util
import json
import os
import sys

import numpy as np
import scipy.ndimage as ndi
import torchvision.transforms.functional as F

sys.modules.setdefault("torchvision.transforms.functional_tensor", F)  # BasicSR 1.4.2 imports this name
from basicsr.utils.matlab_functions import imresize  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("reference", os.path.join(HERE, "..", "python", "sisr_loader", "reference.py"))
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)  # SISRCore's SeededRandom in Python (NumPy only)


def shuffle(rng, a):
    """SeededRandom.shuffle: Fisher-Yates from the end."""
    for i in range(len(a) - 1, 0, -1):
        j = rng.next_int(i + 1)
        a[i], a[j] = a[j], a[i]


def quarter(dataset, names, count, seed):
    names = list(names)
    shuffle(reference.SeededRandom(seed, "quarter", dataset), names)
    return sorted(names[:count])


def meta(names):
    return "".join(n + "\n" for n in names)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def lcg_image(w, h, seed):
    """uint8 HWC test image from a small LCG (reproduced in the Swift test)."""
    out = np.zeros((h, w, 3), dtype=np.uint8)
    s = seed
    for y in range(h):
        for x in range(w):
            for c in range(3):
                s = (s * 1103515245 + 12345) & 0x7FFFFFFF
                out[y, x, c] = (s >> 16) & 0xFF
    return out


def main():
    div2k = [f"{i:04d}.png" for i in range(1, 801)]
    flickr = [f"{i:06d}.png" for i in range(1, 2651)]
    subsets = {}
    for seed in (0, 7):
        subsets[str(seed)] = {
            "quarter_div2k": sha(meta(quarter("div2k", div2k, 200, seed))),
            "quarter_flickr2k": sha(meta(quarter("flickr2k", flickr, 650, seed))),
        }
    kernels = {}
    for sigma in (0.5, 1.3, 2.0, 3.75):
        r = int(4 * sigma + 0.5)
        impulse = np.zeros(2 * r + 1)
        impulse[r] = 1
        kernels[repr(sigma)] = ndi.gaussian_filter1d(impulse, sigma, mode="constant", truncate=4.0).tolist()

    img = lcg_image(13, 11, 5).astype(np.float64) / 255
    blurred = ndi.gaussian_filter(img, sigma=(1.3, 1.3, 0), mode="reflect", truncate=4.0)

    photo = lcg_image(40, 30, 9).astype(np.float64) / 255  # 40x30 -> longest side 16: factor 2.5
    sigma = (2.5 - 1) / 2
    pb = ndi.gaussian_filter(photo, sigma=(sigma, sigma, 0), mode="reflect", truncate=4.0)
    pr = imresize(pb, 0.4, antialiasing=False)
    prepared = np.floor(np.clip(pr, 0, 1) * 255 + 0.5).astype(np.uint8)

    out = {
        "subsets": subsets,
        "kernels": kernels,
        "blur": {"width": 13, "height": 11, "seed": 5, "sigma": 1.3, "hwc": blurred.reshape(-1).tolist()},
        "photo": {
            "width": 40, "height": 30, "seed": 9, "longest_side": 16, "out_width": int(prepared.shape[1]),
            "out_height": int(prepared.shape[0]), "hwc": prepared.reshape(-1).tolist(),
            "float_hwc": pr.reshape(-1).tolist(),
        },
    }
    path = os.path.join(HERE, "..", "Tests", "SISRTrainingTests", "Fixtures", "prepare.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")


if __name__ == "__main__":
    main()
