#!/usr/bin/env python3
"""Peer for `sisr bench-core`: the same measurements with Pillow, OpenCV and BasicSR's imresize.

Prints JSON {name: MB/s of raw RGB8 pixels}. The image is the same procedural image, exported by
`sisr degrade --scale 1` from a PNG the caller passes (so both sides work on identical pixels).
"""
import io, json, sys, time, statistics
import numpy as np
from PIL import Image

path, repeats = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
img = Image.open(path).convert("RGB")
arr = np.asarray(img)
mb = arr.nbytes / 1e6


def med(fn):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def pil_encode(level):
    b = io.BytesIO()
    img.save(b, format="PNG", compress_level=level)
    return b.getvalue()


res = {}
res["pillow_png_encode_level6"] = mb / med(lambda: pil_encode(6))
res["pillow_png_encode_level0"] = mb / med(lambda: pil_encode(0))
for name, level in (("level6", 6), ("level0", 0)):
    data = pil_encode(level)
    res[f"pillow_png_decode_{name}"] = mb / med(lambda: np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
try:
    import cv2
    cv2.setNumThreads(1)
    ok, enc = cv2.imencode(".png", arr[..., ::-1])
    res["opencv_png_decode_default"] = mb / med(lambda: cv2.imdecode(enc, cv2.IMREAD_COLOR))
except ImportError:
    pass
for s in (2, 4):
    res[f"pillow_resize_bicubic_down_x{s}"] = mb / med(lambda: img.resize((img.width // s, img.height // s), Image.BICUBIC))
try:
    sys.path.insert(0, "Scripts")
    from make_core_fixtures import basicsr_imresize
    import torch
    torch.set_num_threads(1)
    imresize32, _ = basicsr_imresize()
    f = arr.astype(np.float64) / 255
    for s in (2, 4):
        res[f"basicsr_imresize_down_x{s}"] = mb / med(lambda: imresize32(f, 1 / s))
except Exception as e:  # BasicSR's sdist or torch missing: skip that peer
    print(f"basicsr peer skipped: {e}", file=sys.stderr)
print(json.dumps({k: round(v, 1) for k, v in res.items()}, sort_keys=True))
