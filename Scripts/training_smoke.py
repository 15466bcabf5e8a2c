#!/usr/bin/env python3
"""`make test-training`: the cluster path end to end, on CPU and tiny networks.

For each architecture x loss family it derives a tiny option file from manifests/training/ (same
keys and losses, small sizes, 4 iterations, CPU), runs BasicSR's own training entry point
(`python -m sisr_basicsr.train`), collects the checkpoints with `sisr collect-weights`, runs
`sisr build` with them, and compares `sisr upscale` outputs with PyTorch inference of the same
checkpoints (`params_ema`, eval mode) on LR images made by `sisr degrade`: uint8 values identical
>= 99.9% per model. Feature networks (VGG19, ResNet18) get seeded random weights here (nothing is
downloaded); real runs use ImageNet weights.

Usage: python Scripts/training_smoke.py --sisr .build/debug/sisr --work /tmp/sisr-training-smoke
"""
import argparse
import copy
import json
import os
import shutil
import subprocess
import sys

import cv2
import numpy as np
import torch
import torchvision
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))
import sisr_basicsr  # noqa: E402,F401
from basicsr.archs import build_network  # noqa: E402

ITERS = 4
TINY = {
    "EDSR": {"num_feat": 16, "num_block": 2},
    "RCAN": {"num_feat": 16, "num_group": 2, "num_block": 2, "squeeze_factor": 4},
    "RDN": {"num_feat": 16, "num_block": 2, "num_layer": 2, "num_grow_ch": 8},
    "SwinIR": {"embed_dim": 12, "depths": [2], "num_heads": [2]},
    "NLSN": {"n_feats": 16, "n_resblocks": 2},
}
LOSSES = ["L1", "VGG_GAN", "ResNet_GAN"]


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def tiny_options(model, data, scale):
    with open(os.path.join(ROOT, "manifests", "training", model + ".yml")) as f:
        opt = yaml.safe_load(f)
    arch = opt["network_g"]["type"]
    opt["network_g"].update(TINY[arch])
    opt["num_gpu"] = 0
    train = opt["datasets"]["train"]
    train.update({
        "dataroot_gt": os.path.join(data, "Tiny_HR"), "dataroot_lq": os.path.join(data, f"Tiny_LR_bicubic/X{scale}"),
        "batch_size_per_gpu": 2, "num_worker_per_gpu": 0, "dataset_enlarge_ratio": 1,
    })
    train.pop("meta_info_file")
    del opt["datasets"]["val"]
    del opt["val"]
    opt["train"]["total_iter"] = ITERS
    opt["logger"] = {"print_freq": 1, "save_checkpoint_freq": ITERS, "use_tb_logger": False}
    return opt


def engine_config(zoo_config, arch):
    c = dict(zoo_config)
    c.update(TINY[arch])
    return c


def pytorch_sr(opt, checkpoint, lr_path):
    net = build_network(copy.deepcopy(opt["network_g"]))
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    net.load_state_dict(state["params_ema"], strict=True)
    net.eval()
    img = cv2.imread(lr_path, cv2.IMREAD_COLOR)[:, :, ::-1].astype(np.float32) / 255
    x = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None]
    h, w = x.shape[-2:]
    g = opt["network_g"]
    if g["type"] == "SwinIR":  # BasicSR's SwinIRModel.test: reflect-pad bottom/right to the window
        ws = g["window_size"]
        x = torch.nn.functional.pad(x, (0, (ws - w % ws) % ws, 0, (ws - h % ws) % ws), mode="reflect")
    with torch.no_grad():
        y = net(x)[0, :, : h * opt["scale"], : w * opt["scale"]].clamp(0, 1).numpy().transpose(1, 2, 0)
    return np.floor(y * np.float32(255) + np.float32(0.5)).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sisr", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--archs", default=",".join(TINY))
    ap.add_argument("--models", help="comma-separated zoo names instead of x2 L1, x4 VGG_GAN, x2 ResNet_GAN per arch")
    ap.add_argument("--keep", action="store_true", help="reuse --work: skip models whose checkpoint exists")
    args = ap.parse_args()
    sisr = os.path.abspath(args.sisr)
    work = os.path.abspath(args.work)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    torch.manual_seed(0)
    pre = os.path.join(work, "experiments", "pretrained_models")
    os.makedirs(pre, exist_ok=True)
    for net, file in [(torchvision.models.vgg19, "vgg19-dcbb9e9d.pth"), (torchvision.models.resnet18, "resnet18-f37072fd.pth")]:
        if not os.path.exists(os.path.join(pre, file)):  # seeded random stand-ins for the ImageNet weights
            torch.save(net(weights=None).state_dict(), os.path.join(pre, file))

    data = os.path.join(work, "datasets")
    run([sisr, "procedural", "--seed", "3", "--count", "6", "--width", "160", "--height", "144", os.path.join(work, "hr")])
    run([sisr, "prepare", "lr", "--hr", os.path.join(work, "hr"), "--out", data, "--name", "Tiny", "--scales", "2,4"])
    run([sisr, "procedural", "--seed", "9", "--count", "2", "--width", "96", "--height", "72", os.path.join(work, "test_hr")])

    with open(os.path.join(ROOT, "manifests", "zoo.json")) as f:
        zoo = json.load(f)
    entries = {m["name"]: m for m in zoo["models"]}
    chosen = [f"{a}-div2k-x{s}-{loss}-s1" for a in args.archs.split(",") for s, loss in zip([2, 4, 2], LOSSES)]
    if args.models:
        chosen = args.models.split(",")
    tiny_zoo = {**zoo, "name": "training-smoke", "models": []}
    options = {}
    for name in chosen:
        m = copy.deepcopy(entries[name])
        opt = tiny_options(name, data, m["scale"])
        options[name] = opt
        path = os.path.join(work, "options", name + ".yml")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            yaml.safe_dump(opt, f, sort_keys=False)
        env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "python")}
        done = os.path.join(work, "experiments", name, "models", f"net_g_{ITERS}.pth")
        if not (args.keep and os.path.exists(done)):
            shutil.rmtree(os.path.join(work, "experiments", name), ignore_errors=True)
            run([sys.executable, "-m", "sisr_basicsr.train", "-opt", path], cwd=work, env=env)
        m["architecture"]["config"] = engine_config(m["architecture"]["config"], m["labels"]["architecture"])
        tiny_zoo["models"].append(m)
    zoo_path = os.path.join(work, "tiny_zoo.json")
    with open(zoo_path, "w") as f:
        json.dump(tiny_zoo, f, indent=2)
    weights = os.path.join(work, "weights")
    run([sisr, "collect-weights", "--experiments", os.path.join(work, "experiments"), "--out", weights,
         "--zoo", zoo_path, "--iter", str(ITERS), "--all"])
    run([sisr, "build", "--zoo", zoo_path, "--weights", weights, "--images", os.path.join(work, "test_hr"),
         "--out", os.path.join(work, "release"), "--force"])
    run([sisr, "verify", os.path.join(work, "release")])

    results = []
    for m in tiny_zoo["models"]:
        name, scale = m["name"], m["scale"]
        lr_dir, sr_dir = os.path.join(work, "lr", str(scale)), os.path.join(work, "sr", name)
        os.makedirs(lr_dir, exist_ok=True)
        for img in sorted(os.listdir(os.path.join(work, "test_hr"))):
            lr = os.path.join(lr_dir, img)
            if not os.path.exists(lr):
                run([sisr, "degrade", "--scale", str(scale), os.path.join(work, "test_hr", img), lr])
        ckpt = os.path.join(weights, m["weights"]["file"])
        run([sisr, "upscale", "--arch", m["architecture"]["engine"].lower(), "--weights", ckpt, "--scale", str(scale),
             "--config", json.dumps(m["architecture"]["config"]), lr_dir, sr_dir])
        same = total = 0
        for img in sorted(os.listdir(lr_dir)):
            ours = cv2.imread(os.path.join(sr_dir, img), cv2.IMREAD_COLOR)[:, :, ::-1]
            ref = pytorch_sr(options[name], ckpt, os.path.join(lr_dir, img))
            assert ours.shape == ref.shape, (name, img, ours.shape, ref.shape)
            same += int((ours == ref).sum())
            total += ours.size
        results.append((name, same / total, int(np.abs(ours.astype(int) - ref.astype(int)).max())))
    print("\nmodel                              uint8 identical   max |diff| (last image)")
    ok = True
    for name, frac, worst in results:
        print(f"{name:34s} {100 * frac:9.4f} %   {worst}")
        ok &= frac >= 0.999
    print(f"{sum(f >= 0.999 for _, f, _ in results)} passed, {sum(f < 0.999 for _, f, _ in results)} failed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
