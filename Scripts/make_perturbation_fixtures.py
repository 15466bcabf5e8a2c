#!/usr/bin/env python3
"""Perturbation fixtures for Tests/DatasetLoaderTests (PerturbationTests).

Each test-time perturbation of the loader (Sources/DatasetLoader/Perturb) is made here with an
independent library and the same settings, on two small images (48x36 and an odd 37x29):

- jpeg: Pillow `save(format="JPEG", quality=q)` (4:2:0, baseline) -> the JPEG bytes (kept as .jpg)
  and Pillow's decoded pixels `Image.open(...).convert("RGB")`.
- blur: OpenCV `cv2.GaussianBlur(img, (k, k), 0)` (BORDER_REFLECT_101).
- crop: Pillow `img.crop(box).resize((W, H), Image.BICUBIC)`, the box drawn as the spec says.
- noise: NumPy, normals by Box-Muller from the SeededRandom stream with Python's math.log/cos/sin.
- relight: NumPy float64 with the spec's formula.

The strengths and each step's own draws (crop box, light direction and colour) come from the Python
SeededRandom of python/sisr_loader/reference.py (the form documented in
Sources/SISRCore/Random/SeededRandom.swift), and
`draws` lists what a two-step spec draws for a few keys, so the Swift side is checked on both.

Writes Tests/DatasetLoaderTests/Fixtures/perturb/: input_*.png, <case>.png (expected pixels),
jpeg_q<q>_<image>.jpg, and perturb.json. Needs numpy, Pillow, opencv-python-headless (PyPI).
Deterministic.
"""
import hashlib
import io
import json
import math
import pathlib
import sys

import cv2
import numpy as np
import PIL
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/DatasetLoaderTests/Fixtures/perturb"
sys.path.insert(0, str(ROOT / "python"))
from sisr_loader.reference import SeededRandom  # noqa: E402  (the 20-line Python form of SISRCore's SeededRandom)


def images():
    rng = np.random.default_rng(20261204)
    yy, xx = np.mgrid[0:36, 0:48]
    a = np.stack([xx * 5, yy * 7, (xx + yy) * 3], axis=-1).astype(np.int64)
    a[8:20, 10:30] = (230, 40, 120)
    a[:, 40:] = (10, 250, 30)
    a = (a + rng.integers(-12, 13, size=a.shape)).clip(0, 255).astype(np.uint8)
    yield "a", a
    yield "b", rng.integers(0, 256, size=(29, 37, 3), dtype=np.uint8)


def normals(rng, count):
    out = []
    while len(out) < count:
        u1, u2 = rng.next_double(), rng.next_double()
        r = math.sqrt(-2 * math.log(1 - u1))
        t = 2 * math.pi * u2
        out += [r * math.cos(t), r * math.sin(t)]
    return np.array(out[:count])


def noise(img, variance, rng):
    z = normals(rng, img.size).reshape(img.shape)
    return np.clip(np.round(img.astype(np.float64) + math.sqrt(variance) * z), 0, 255).astype(np.uint8)


def crop(img, fraction, rng):
    h, w, _ = img.shape
    cw = max(1, w - round(fraction * w))
    ch = max(1, h - round(fraction * h))
    x0, y0 = rng.next_int(w - cw + 1), rng.next_int(h - ch + 1)
    out = Image.fromarray(img).crop((x0, y0, x0 + cw, y0 + ch)).resize((w, h), Image.BICUBIC)
    return np.asarray(out), {"box": [x0, y0, cw, ch]}


def relight(img, s, rng):
    while True:
        a, b = 2 * rng.next_double() - 1, 2 * rng.next_double() - 1
        r2 = a * a + b * b
        if 0.0625 <= r2 <= 1:
            break
    n = math.sqrt(r2)
    dx, dy = a / n, b / n
    tint = np.array([1 + s * (rng.next_double() - 0.5) for _ in range(3)])
    h, w, _ = img.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    half = math.sqrt(float(w) * w + float(h) * h) / 2
    t = ((xs + 0.5 - w / 2) * dx + (ys + 0.5 - h / 2) * dy) / half
    g = 1 + s * t
    out = img.astype(np.float64) * (g[..., None] * tint[None, None, :])
    return np.clip(np.round(out), 0, 255).astype(np.uint8), {"direction": [dx, dy], "tint": tint.tolist()}


def jpeg(img, q):
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=q)
    data = buf.getvalue()
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")), data


def png(path, arr):
    Image.fromarray(arr).save(path, optimize=True)


def draw_value(rng, strength, integer):
    if isinstance(strength, (int, float)):
        return float(strength)
    if "uniform" in strength:
        lo, hi = strength["uniform"]
        return float(lo + rng.next_int(int(hi - lo) + 1)) if integer else lo + (hi - lo) * rng.next_double()
    values = strength["choice"]
    return float(values[rng.next_int(len(values))])


def draws(spec, key):
    out = []
    for i, step in enumerate(spec["steps"]):
        rng = SeededRandom(spec["seed"], "perturb", key, str(i))
        p = step.get("probability", 1)
        if p < 1 and not rng.next_double() < p:
            continue
        kind = step["kind"]
        param = {"jpeg": "quality", "blur": "kernel", "noise": "variance", "crop": "fraction", "relight": "strength"}[kind]
        out.append({"kind": kind, "value": draw_value(rng, step[param], kind in ("jpeg", "blur")),
                    "next": rng.next()})  # the stream's next number: where the step's own draws start
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    cases = []
    for name, img in images():
        png(OUT / f"input_{name}.png", img)
        for q in (10, 75, 95):
            out, data = jpeg(img, q)
            (OUT / f"jpeg_q{q}_{name}.jpg").write_bytes(data)
            case = f"jpeg_q{q}_{name}"
            png(OUT / f"{case}.png", out)
            cases.append({"case": case, "image": name, "kind": "jpeg", "value": q, "jpeg": f"{case}.jpg"})
        for k in (3, 5, 7, 9, 15):
            case = f"blur_k{k}_{name}"
            png(OUT / f"{case}.png", cv2.GaussianBlur(img, (k, k), 0))
            cases.append({"case": case, "image": name, "kind": "blur", "value": k})
        for kind, values, tag, op in (("noise", (5.0, 20.0), lambda v: f"v{int(v)}", lambda im, v, r: (noise(im, v, r), {})),
                                      ("crop", (0.05, 0.2), lambda v: f"f{int(v * 100)}", crop),
                                      ("relight", (0.1, 0.4), lambda v: f"s{int(v * 10)}", relight)):
            for i, v in enumerate(values):
                key = f"key{i}_{name}"
                case = f"{kind}_{tag(v)}_{name}"
                out, extra = op(img, v, SeededRandom(7, "fixture", key))
                png(OUT / f"{case}.png", out)
                cases.append({"case": case, "image": name, "kind": kind, "value": v, "stream": [7, "fixture", key], **extra})
    spec = {"seed": 3, "splits": ["test"], "steps": [
        {"kind": "jpeg", "quality": {"uniform": [10, 75]}, "probability": 0.5},
        {"kind": "blur", "kernel": {"choice": [1, 3, 5, 7, 9]}},
        {"kind": "noise", "variance": {"uniform": [5.0, 20.0]}, "probability": 0.5}]}
    keys = ["EDSR-demo-x2__img0001", "Bicubic-x4__img0029", "RCAN-div2k-x4-L1-s1__img000123"]
    doc = {"generator": "Scripts/make_perturbation_fixtures.py", "versions": {
        "numpy": np.__version__, "Pillow": PIL.__version__, "opencv": cv2.__version__,
        "libjpeg": PIL.features.version("jpg") if hasattr(PIL, "features") else None},
        "cases": cases, "spec": spec, "draws": {k: draws(spec, k) for k in keys}}
    (OUT / "perturb.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    import PIL.features  # noqa: F401  (for the libjpeg version in the JSON)
    main()
