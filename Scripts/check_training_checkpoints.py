#!/usr/bin/env python3
"""End-to-end check of `sisr train` checkpoints with PyTorch and BasicSR (make training-check).

Makes a tiny HR-only dataset (random-texture PNGs), writes an SRGANModel option file (EDSR x2
generator, VGG-style discriminator), runs `sisr train` on it, then loads every `net_g_*.pth` and
`net_d_*.pth` with `torch.load(weights_only=True)` and `load_state_dict(strict=True)` into BasicSR's own
EDSR / VGGStyleDiscriminator (from an installed basicsr or BASICSR_SRC, see
make_training_fixtures.py), checks that `params` and `params_ema` equal the safetensors copy bit for
bit, and runs the loaded generator once.

Usage: python3 Scripts/check_training_checkpoints.py [--sisr .build/debug/sisr]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_training_fixtures import DISC_M, EDSR_M  # noqa: E402

OPTIONS = """
name: check
model_type: SRGANModel
scale: 2
num_gpu: 1
manual_seed: 3
datasets:
  train:
    name: check_train
    type: PairedImageDataset
    dataroot_gt: {root}/hr
    io_backend: {{type: disk}}
    gt_size: 128
    use_hflip: true
    use_rot: true
    num_worker_per_gpu: 0
    batch_size_per_gpu: 2
network_g: {{type: EDSR, num_in_ch: 3, num_out_ch: 3, num_feat: 8, num_block: 2, upscale: 2}}
network_d: {{type: VGGStyleDiscriminator, num_in_ch: 3, num_feat: 4, input_size: 128}}
path: {{pretrain_network_g: ~, strict_load_g: true, resume_state: ~}}
train:
  ema_decay: 0.9
  optim_g: {{type: Adam, lr: !!float 2e-4, weight_decay: 0, betas: [0.9, 0.99]}}
  optim_d: {{type: Adam, lr: !!float 2e-4, weight_decay: 0, betas: [0.9, 0.99]}}
  scheduler: {{type: MultiStepLR, milestones: [3], gamma: 0.5}}
  total_iter: 4
  warmup_iter: -1
  pixel_opt: {{type: L1Loss, loss_weight: 1.0, reduction: mean}}
  gan_opt: {{type: GANLoss, gan_type: vanilla, real_label_val: 1.0, fake_label_val: 0.0, loss_weight: !!float 5e-3}}
logger: {{print_freq: 1, save_checkpoint_freq: 2, use_tb_logger: false}}
"""


def read_safetensors(path):
    import json
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).copy()).reshape(v["shape"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sisr", default=".build/debug/sisr")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(f"{root}/hr")
        rng = np.random.default_rng(0)
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (140, 150, 3), dtype=np.uint8)).save(f"{root}/hr/{i}.png")
        with open(f"{root}/check.yml", "w") as f:
            f.write(OPTIONS.format(root=root))
        subprocess.run([args.sisr, "train", f"{root}/check.yml", "--out", root, "--threads", "2"], check=True)
        models = f"{root}/experiments/check/models"
        ok = 0
        for pth in sorted(glob.glob(f"{models}/net_g_*.pth")):
            ck = torch.load(pth, weights_only=True)
            assert sorted(ck) == ["params", "params_ema"], sorted(ck)
            st = read_safetensors(pth[:-4] + ".safetensors")
            for key in ("params", "params_ema"):
                net = EDSR_M.EDSR(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=2)
                net.load_state_dict(ck[key], strict=True)
                for k, v in ck[key].items():
                    assert torch.equal(v, st[f"{key}.{k}"]), (pth, key, k)
                y = net(torch.rand(1, 3, 16, 16))
                assert y.shape == (1, 3, 32, 32)
            ok += 1
        for pth in sorted(glob.glob(f"{models}/net_d_*.pth")):
            ck = torch.load(pth, weights_only=True)
            net = DISC_M.VGGStyleDiscriminator(num_in_ch=3, num_feat=4, input_size=128)
            net.load_state_dict(ck["params"], strict=True)
            assert ck["params"]["bn0_1.num_batches_tracked"].dtype == torch.int64
            ok += 1
        assert ok == 6, f"expected 3 generator and 3 discriminator checkpoints, checked {ok}"
        print(f"ok: {ok} checkpoints load in PyTorch with load_state_dict(strict=True) into BasicSR's networks")


if __name__ == "__main__":
    main()
