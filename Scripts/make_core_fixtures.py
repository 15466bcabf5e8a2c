#!/usr/bin/env python3
"""Fixtures for SISRCoreTests: MATLAB-bicubic resize, PNG decoding and the seeded PRNG.

References (all independent of the Swift code):
  * resize: BasicSR 1.4.2's own `imresize` (basicsr/utils/matlab_functions.py, run with torch),
    both as published (float32: `-out32.png`) and with its tensors switched to float64 (`-out.png`),
    fetched from PyPI as an sdist (`pip download --no-deps basicsr==1.4.2`) and imported directly,
    so BasicSR's package import side effects are avoided. Output = clip(x, 0, 1) * 255 rounded half
    away from zero to uint8, as the project's LR rule says.
  * PNG: Pillow writes images in every colour type; the expected pixels are Pillow's convert("RGB").
  * PRNG: the plain Python transcription of the SeededRandom specification (doc comment in
    Sources/SISRCore/Random/SeededRandom.swift) in python/sisr_loader/reference.py.

Usage: python3 Scripts/make_core_fixtures.py   (needs numpy, torch, Pillow; writes Tests/SISRCoreTests/Fixtures)
"""
import glob, hashlib, importlib.util, json, os, subprocess, sys, tarfile, tempfile
import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "SISRCoreTests", "Fixtures")


def basicsr_imresize():
    cache = os.path.join(tempfile.gettempdir(), "sisr-basicsr-1.4.2")
    path = os.path.join(cache, "basicsr-1.4.2", "basicsr", "utils", "matlab_functions.py")
    if not os.path.exists(path):
        os.makedirs(cache, exist_ok=True)
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                               "basicsr==1.4.2", "-d", cache])
        with tarfile.open(glob.glob(os.path.join(cache, "basicsr-1.4.2.tar.gz"))[0]) as t:
            t.extractall(cache)
    spec = importlib.util.spec_from_file_location("matlab_functions", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # The same BasicSR source run in float64 (the issue asks for float64 passes): swap its float32
    # tensor types for float64 ones; nothing else changes.
    import torch
    src = open(path).read().replace("torch.FloatTensor", "torch.DoubleTensor").replace(".float()", ".double()")
    ns = {}
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    exec(compile(src, path + " (float64)", "exec"), ns)
    torch.set_default_dtype(previous)

    def imresize64(img, scale):
        torch.set_default_dtype(torch.float64)
        try:
            return ns["imresize"](img, scale)
        finally:
            torch.set_default_dtype(previous)

    return mod.imresize, imresize64


def round_half_away(x):
    return np.where(x >= 0, np.floor(x + 0.5), np.ceil(x - 0.5))


def natural_like(rng, h, w):
    """Smooth random field + edges + noise, uint8 HxWx3: exercises over/undershoot and clipping."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        for _ in range(4):
            fx, fy, ph = rng.uniform(0.01, 0.4), rng.uniform(0.01, 0.4), rng.uniform(0, 6.28)
            img[..., c] += rng.uniform(20, 60) * np.sin(fx * xx + fy * yy + ph)
    img += 128
    img[(xx - w / 2) ** 2 + (yy - h / 3) ** 2 < (min(h, w) / 4) ** 2] = rng.uniform(0, 255, 3)
    img[:, : w // 5] = 255  # hard saturated band: clipping at the top
    img[: h // 6] = 0       # and at the bottom
    img += rng.normal(0, 6, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def make_resize(imresize32, imresize64):
    rng = np.random.default_rng(20261122)
    cases = [(37, 29, 0.5), (64, 64, 0.25), (61, 47, 0.25), (50, 70, 1 / 3), (45, 33, 0.6),
             (40, 30, 2.0), (23, 31, 1.5), (96, 72, 0.5)]
    index = []
    for i, (h, w, s) in enumerate(cases):
        img = natural_like(rng, h, w)
        name = f"case{i}"
        Image.fromarray(img).save(os.path.join(OUT, "resize", name + "-in.png"))
        for suffix, fn in (("-out.png", imresize64), ("-out32.png", imresize32)):
            out = fn(img.astype(np.float64) / 255.0, s)  # numpy HWC in, numpy HWC float out
            out = round_half_away(np.clip(out, 0, 1) * 255.0).astype(np.uint8)
            Image.fromarray(out).save(os.path.join(OUT, "resize", name + suffix))
        index.append({"name": name, "scale": s, "in": [w, h], "out": [out.shape[1], out.shape[0]]})
    with open(os.path.join(OUT, "resize", "cases.json"), "w") as f:
        json.dump(index, f, indent=1)


def make_png():
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (13, 17, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (13, 17), dtype=np.uint8)
    alpha = rng.integers(0, 256, (13, 17), dtype=np.uint8)
    imgs = {
        "rgb": Image.fromarray(rgb, "RGB"),
        "rgba": Image.fromarray(np.dstack([rgb, alpha]), "RGBA"),
        "gray": Image.fromarray(grey, "L"),
        "gray-alpha": Image.fromarray(np.dstack([grey, alpha]), "LA"),
        "palette": Image.fromarray(rgb, "RGB").quantize(colors=37),
        "gray1bit": Image.fromarray(grey > 128).convert("1"),
    }
    pal_t = Image.fromarray(rgb, "RGB").quantize(colors=16)
    pal_t.info["transparency"] = 3
    imgs["palette-trns"] = pal_t
    index = []
    for name, im in imgs.items():
        path = os.path.join(OUT, "png", name + ".png")
        im.save(path)
        expected = np.asarray(Image.open(path).convert("RGB"))
        with open(os.path.join(OUT, "png", name + ".rgb"), "wb") as f:
            f.write(expected.tobytes())
        index.append({"name": name, "mode": im.mode, "width": im.width, "height": im.height})
    Image.fromarray(rng.integers(0, 65536, (5, 6)).astype(np.uint16)).save(
        os.path.join(OUT, "png", "gray16.png"))
    with open(os.path.join(OUT, "png", "cases.json"), "w") as f:
        json.dump(index, f, indent=1)


# The PRNG is the loader reference's transcription of the SeededRandom specification.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from sisr_loader.reference import SeededRandom  # noqa: E402


def make_random():
    cases = []
    for seed, names in [(0, []), (7, ["split", "img0001"]), (2**63 + 5, ["x"])]:
        r = SeededRandom(seed, *names)
        raw = [str(r.next()) for _ in range(5)]
        ints = [r.next_int(n) for n in (1, 2, 3, 10, 1000003, 2**62 + 1)]
        dbl = [(r.next() >> 11) * 2.0**-53 for _ in range(3)]
        perm = list(range(20))
        r.shuffle(perm)
        cases.append({"seed": str(seed), "names": names, "next": raw, "ints": ints,
                      "doubles": dbl, "shuffle20": perm})
    with open(os.path.join(OUT, "random.json"), "w") as f:
        json.dump(cases, f, indent=1)


if __name__ == "__main__":
    os.makedirs(os.path.join(OUT, "resize"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "png"), exist_ok=True)
    make_resize(*basicsr_imresize())
    make_png()
    make_random()
    print("fixtures written to", OUT)
