#!/usr/bin/env python3
"""Writes the fuzz seed corpora in Fuzz/corpus/<target>/ from the test fixtures and a tiny release
(plus Fuzz/release-files/, the zoo, splits and images files the `release` harness reads).

Usage: python3 Scripts/make_fuzz_seeds.py [path/to/sisr]   (default .build/debug/sisr)
Standard library only. Seeds are small on purpose: libFuzzer grows the corpus itself.
"""
import json, os, shutil, struct, subprocess, sys, tempfile, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")
WEIGHTS = os.path.join(ROOT, "Tests", "SRModelsTests", "Fixtures", "weights")
PNGS = os.path.join(ROOT, "Tests", "SISRCoreTests", "Fixtures", "png")


def put(target, name, data, root=CORPUS):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    sisr = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "sisr")
    shutil.rmtree(CORPUS, ignore_errors=True)
    for n in ["rgb", "rgba", "gray", "palette-trns", "gray1bit", "gray16"]:
        put("png", n + ".png", read(os.path.join(PNGS, n + ".png")))
    # pickles: every protocol's plain pickle, and the data.pkl of zip checkpoints.
    for case in json.loads(read(os.path.join(WEIGHTS, "pickles.json"))):
        put("pickle", "proto%d.pkl" % case["protocol"], bytes.fromhex(case["hex"]))
    for n in ["custom_ok.pth", "nested.pth", "module_proto4.pth", "zip_dtypes.pth"]:
        with zipfile.ZipFile(os.path.join(WEIGHTS, n)) as z:
            pkl = [i for i in z.namelist() if i.endswith("/data.pkl")][0]
            put("pickle", n.replace(".pth", ".pkl"), z.read(pkl))
    for n in ["custom_ok.pth", "legacy.pth", "legacy_views.pth", "zip64.pth", "nested.pth", "zip_dtypes.pth",
              "broadcast_bomb.pth", "reference.safetensors"]:
        put("pth", n, read(os.path.join(WEIGHTS, n)))
    put("safetensors", "reference.safetensors", read(os.path.join(WEIGHTS, "reference.safetensors")))
    put("safetensors", "empty.safetensors", struct.pack("<Q", 2) + b"{}")
    # A tiny release: 2 images of 16x16, one x2 model, 1 sample per shard, bands of 4 rows (format 3).
    tmp = tempfile.mkdtemp()
    try:
        out = os.path.join(tmp, "r")
        subprocess.run([sisr, "build", "--out", out, "--count", "2", "--size", "16x16", "--models",
                        "Nearest-NA-x2-NA-NA", "--samples-per-shard", "1", "--threads", "1", "--band-rows", "4"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        manifest = json.loads(read(os.path.join(out, "manifest.json")))
        index = read(os.path.join(out, "index.jsonl"))
        first = json.loads(index.splitlines()[0])
        shard = read(os.path.join(out, manifest["shards"][first["shard"]]["path"]))
        put("shard", "shard.tar.zst", shard)
        tar = subprocess.run(["zstd", "-dc"], input=shard, stdout=subprocess.PIPE, check=True).stdout
        put("shard", "shard.tar", tar)
        head = struct.pack("<IIHH", first["png_offset"], first["png_size"], first["width"], first["height"])
        put("sample", "sample", head + tar)
        region = shard[first["frame_offset"]:first["frame_offset"] + first["frame_size"]]
        key = first["key"].encode()
        put("bands", "bands", struct.pack("<HHBBB", first["width"] - 1, first["height"] - 1, 4, 8, len(key)) + key + region)
        put("release", "release", read(os.path.join(out, "manifest.json")) + b"\0" + index)
        for f in ["zoo.json", "splits.json", "images.json"]:
            put("release-files", f, read(os.path.join(out, f)), root=os.path.join(ROOT, "Fuzz"))
    finally:
        shutil.rmtree(tmp)
    lines = [{"key": "EDSR-x2__img000", "label": "EDSR", "scores": [0.7, 0.1, 0.1, 0.1]},
             {"key": "RCAN-x4__img001", "label": "RCAN", "features": [1.5, -2.0, 3e-5]},
             {"key": "SwinIR-x2__img002", "label": "SwinIR"}]
    put("predictions", "three.jsonl", "".join(json.dumps(l) + "\n" for l in lines).encode())


if __name__ == "__main__":
    main()
