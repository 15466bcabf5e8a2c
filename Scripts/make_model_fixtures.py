#!/usr/bin/env python3
"""Parity fixtures for SRModels (EDSR, RCAN, RDN, RRDBNet): tiny seeded PyTorch networks saved with
torch.save, a 12x10 input and the float32 output of the PyTorch forward pass.

The modules below are written from the published structure (BasicSR's edsr/rcan/rrdbnet archs,
EDSR-PyTorch's rdn.py and edsr.py) as described in shared/research/sr-architectures.md; no code is
copied. Each network's last conv is rescaled after the seeded init so the output spreads over [0, 1]
without being clamped.

Writes into Tests/SRModelsTests/Fixtures/models/:
  <name>.pth           the checkpoint (containers vary: zip, legacy, params_ema + module., official keys)
  <name>_in.npy        input  [1, 3, 10, 12] float32 (uint8 / 255)
  <name>_out.npy       PyTorch output [1, 3, 10s, 12s] float32 (not clamped)
  manifest.json        one entry per fixture: arch, weights, config JSON, scale, input, output
Run:  python3 Scripts/make_model_fixtures.py
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SRModelsTests", "Fixtures", "models")
MEAN = (0.4488, 0.4371, 0.4040)


def conv(cin, cout, k=3):
    return nn.Conv2d(cin, cout, k, 1, k // 2)


class Upsample(nn.Sequential):
    """BasicSR Upsample: (conv F->4F, PixelShuffle 2) per factor 2, or conv F->9F, PixelShuffle 3."""

    def __init__(self, scale, f, fout=None):
        fout = fout or f
        layers, cin = [], f
        factors = [3] if scale == 3 else [2] * (scale.bit_length() - 1)
        for r in factors:
            layers += [conv(cin, fout * r * r), nn.PixelShuffle(r)]
            cin = fout
        super().__init__(*layers)


class ResBlock(nn.Module):
    def __init__(self, f, res_scale):
        super().__init__()
        self.conv1, self.conv2, self.res_scale = conv(f, f), conv(f, f), res_scale

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x))) * self.res_scale


class EDSR(nn.Module):
    """BasicSR EDSR; RCAN shares the skeleton with other `blocks` in the body."""

    def __init__(self, num_feat, num_block, upscale, res_scale=1.0, img_range=255.0, blocks=None):
        super().__init__()
        self.img_range = img_range
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.conv_first = conv(3, num_feat)
        if blocks is None:
            blocks = [ResBlock(num_feat, res_scale) for _ in range(num_block)]
        self.body = nn.Sequential(*blocks)
        self.conv_after_body = conv(num_feat, num_feat)
        self.upsample = Upsample(upscale, num_feat)
        self.conv_last = conv(num_feat, 3)

    def forward(self, x):
        x = (x - self.mean) * self.img_range
        x = self.conv_first(x)
        res = self.conv_after_body(self.body(x)) + x
        return self.conv_last(self.upsample(res)) / self.img_range + self.mean


class MeanShiftConv(nn.Conv2d):
    """EDSR-PyTorch MeanShift: a 1x1 conv with weight I/std and bias sign*range*mean/std."""

    def __init__(self, sign, jitter=None):
        super().__init__(3, 3, 1)
        w = torch.eye(3)
        b = sign * 255.0 * torch.tensor(MEAN)
        if jitter is not None:  # checkpoints may carry drifted values: make sure they are read
            w = w + jitter[0]
            b = b + jitter[1]
        self.weight.data = w.view(3, 3, 1, 1)
        self.bias.data = b


class OfficialResBlock(nn.Module):
    def __init__(self, f, res_scale):
        super().__init__()
        self.body = nn.Sequential(conv(f, f), nn.ReLU(True), conv(f, f))
        self.res_scale = res_scale

    def forward(self, x):
        return self.body(x).mul(self.res_scale) + x


class EDSROfficial(nn.Module):
    """EDSR-PyTorch edsr.py layout: sub_mean, head, body (+ trailing conv), tail, add_mean; input in [0,255]."""

    def __init__(self, f, nb, scale, res_scale, g):
        super().__init__()
        self.sub_mean = MeanShiftConv(-1, (0.02 * torch.randn(3, 3, generator=g), torch.randn(3, generator=g)))
        self.add_mean = MeanShiftConv(1, (0.02 * torch.randn(3, 3, generator=g), torch.randn(3, generator=g)))
        self.head = nn.Sequential(conv(3, f))
        self.body = nn.Sequential(*[OfficialResBlock(f, res_scale) for _ in range(nb)], conv(f, f))
        self.tail = nn.Sequential(Upsample(scale, f), conv(f, 3))

    def forward(self, x):
        x = self.head(self.sub_mean(x * 255.0))
        res = self.body(x) + x
        return self.add_mean(self.tail(res)) / 255.0


class ChannelAttention(nn.Module):
    def __init__(self, f, squeeze):
        super().__init__()
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(f, f // squeeze, 1), nn.ReLU(True),
            nn.Conv2d(f // squeeze, f, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.attention(x)


class RCAB(nn.Module):
    def __init__(self, f, squeeze, res_scale):
        super().__init__()
        self.res_scale = res_scale
        self.rcab = nn.Sequential(conv(f, f), nn.ReLU(True), conv(f, f), ChannelAttention(f, squeeze))

    def forward(self, x):
        return self.rcab(x) * self.res_scale + x


class ResidualGroup(nn.Module):
    def __init__(self, f, squeeze, nb, res_scale):
        super().__init__()
        self.residual_group = nn.Sequential(*[RCAB(f, squeeze, res_scale) for _ in range(nb)])
        self.conv = conv(f, f)

    def forward(self, x):
        return self.conv(self.residual_group(x)) + x


class RCAN(EDSR):
    def __init__(self, num_feat, num_group, num_block, squeeze_factor, upscale, res_scale=1.0, img_range=255.0):
        groups = [ResidualGroup(num_feat, squeeze_factor, num_block, res_scale) for _ in range(num_group)]
        super().__init__(num_feat, 0, upscale, res_scale, img_range, blocks=groups)


class RDBConv(nn.Module):
    def __init__(self, cin, g):
        super().__init__()
        self.conv = nn.Sequential(conv(cin, g), nn.ReLU())

    def forward(self, x):
        return torch.cat((x, self.conv(x)), 1)


class RDB(nn.Module):
    def __init__(self, g0, g, c):
        super().__init__()
        self.convs = nn.Sequential(*[RDBConv(g0 + i * g, g) for i in range(c)])
        self.LFF = nn.Conv2d(g0 + c * g, g0, 1)

    def forward(self, x):
        return self.LFF(self.convs(x)) + x


class RDN(nn.Module):
    """EDSR-PyTorch rdn.py; the wrapper feeds x * img_range and divides the output by it."""

    def __init__(self, g0, d, c, g, scale, img_range=255.0):
        super().__init__()
        self.img_range = img_range
        self.SFENet1, self.SFENet2 = conv(3, g0), conv(g0, g0)
        self.RDBs = nn.ModuleList([RDB(g0, g, c) for _ in range(d)])
        self.GFF = nn.Sequential(nn.Conv2d(d * g0, g0, 1), conv(g0, g0))
        self.UPNet = nn.Sequential(*Upsample(scale, g0, g), conv(g, 3))

    def forward(self, x):
        f1 = self.SFENet1(x * self.img_range)
        x = self.SFENet2(f1)
        outs = []
        for rdb in self.RDBs:
            x = rdb(x)
            outs.append(x)
        x = self.GFF(torch.cat(outs, 1)) + f1
        return self.UPNet(x) / self.img_range


class DenseBlock(nn.Module):
    def __init__(self, f, g):
        super().__init__()
        for i in range(5):
            setattr(self, f"conv{i + 1}", conv(f + i * g, f if i == 4 else g))

    def forward(self, x):
        feats = [x]
        for i in range(4):
            feats.append(F.leaky_relu(getattr(self, f"conv{i + 1}")(torch.cat(feats, 1)), 0.2))
        return self.conv5(torch.cat(feats, 1)) * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, f, g):
        super().__init__()
        self.rdb1, self.rdb2, self.rdb3 = DenseBlock(f, g), DenseBlock(f, g), DenseBlock(f, g)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


def unshuffle(x, s):
    b, c, h, w = x.shape
    return x.view(b, c, h // s, s, w // s, s).permute(0, 1, 3, 5, 2, 4).reshape(b, c * s * s, h // s, w // s)


class RRDBNet(nn.Module):
    def __init__(self, scale, num_feat, num_block, num_grow_ch):
        super().__init__()
        self.scale = scale
        u = {4: 1, 2: 2, 1: 4}[scale]
        self.conv_first = conv(3 * u * u, num_feat)
        self.body = nn.Sequential(*[RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = conv(num_feat, num_feat)
        self.conv_up1, self.conv_up2 = conv(num_feat, num_feat), conv(num_feat, num_feat)
        self.conv_hr, self.conv_last = conv(num_feat, num_feat), conv(num_feat, 3)

    def forward(self, x):
        h, w = x.shape[2:]
        u = {4: 1, 2: 2, 1: 4}[self.scale]
        if u > 1:  # Real-ESRGAN inference: reflect-pad bottom/right to a multiple of the unshuffle
            ph, pw = (u - h % u) % u, (u - w % u) % u
            if ph or pw:
                x = F.pad(x, (0, pw, 0, ph), mode="reflect")
            x = unshuffle(x, u)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = F.leaky_relu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        feat = F.leaky_relu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        out = self.conv_last(F.leaky_relu(self.conv_hr(feat), 0.2))
        return out[:, :, : h * self.scale, : w * self.scale]


@torch.no_grad()
def calibrate(model, last, x):
    """Rescale `last` (the final conv) so the output has std ~0.22 and channel means ~0.5."""
    last.bias.zero_()
    w0 = last.weight.clone()
    last.weight.zero_()
    base = model(x)
    last.weight.copy_(w0)
    lin = model(x) - base
    a = 0.22 / float(lin.std())
    last.weight.mul_(a)
    y = base + a * lin
    last.bias.fill_(1.0)
    slope = model(x) - y
    last.bias.copy_(((0.5 - y.mean(dim=(0, 2, 3))) / slope.mean(dim=(0, 2, 3))))


def rename(sd, fn):
    out = {}
    for k, v in sd.items():
        out[fn(k)] = v
    assert len(out) == len(sd)
    return out


def esrgan_new(k):
    p = k.split(".")
    top = {"conv_body": "trunk_conv", "conv_up1": "upconv1", "conv_up2": "upconv2", "conv_hr": "HRconv"}
    if p[0] in top:
        return ".".join([top[p[0]]] + p[1:])
    if p[0] == "body":
        return f"RRDB_trunk.{p[1]}.RDB{p[2][3:]}.{p[3]}.{p[4]}"
    return k


def esrgan_old(num_block):
    def fn(k):
        p = k.split(".")
        top = {"conv_first": "0", "conv_up1": "3", "conv_up2": "6", "conv_hr": "8", "conv_last": "10"}
        if p[0] in top:
            return f"model.{top[p[0]]}.{p[1]}"
        if p[0] == "conv_body":
            return f"model.1.sub.{num_block}.{p[1]}"
        return f"model.1.sub.{p[1]}.RDB{p[2][3:]}.{p[3]}.0.{p[4]}"
    return fn


def rcan_official(num_group, num_block):
    def fn(k):
        p = k.split(".")
        if p[0] == "conv_first":
            return "head.0." + p[1]
        if p[0] == "conv_last":
            return "tail.1." + p[1]
        if p[0] == "upsample":
            return f"tail.0.{p[1]}.{p[2]}"
        if p[0] == "conv_after_body":
            return f"body.{num_group}.{p[1]}"
        if p[2] == "conv":
            return f"body.{p[1]}.body.{num_block}.{p[3]}"
        g, b, idx = p[1], p[3], p[5]
        if idx in ("0", "2"):
            return f"body.{g}.body.{b}.body.{idx}.{p[6]}"
        return f"body.{g}.body.{b}.body.3.conv_du.{int(p[7]) - 1}.{p[8]}"
    return fn


def make_input(seed, h=10, w=12):
    g = torch.Generator().manual_seed(1000 + seed)
    return torch.randint(0, 256, (1, 3, h, w), generator=g).float() / 255.0


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    manifest = []

    def emit(name, arch, model, last, config, scale, save, seed, h=10, w=12, extra_keys=()):
        torch.manual_seed(seed)
        for m in model.modules():
            if isinstance(m, nn.Conv2d) and not isinstance(m, MeanShiftConv):
                m.reset_parameters()
        x = make_input(seed, h, w)
        model.eval()
        calibrate(model, last, x)
        with torch.no_grad():
            y = model(x)
        assert y.shape == (1, 3, h * scale, w * scale), y.shape
        frac = float(((y < 0) | (y > 1)).float().mean())
        np.save(os.path.join(OUT, f"{name}_in.npy"), x.numpy().astype("<f4"))
        np.save(os.path.join(OUT, f"{name}_out.npy"), y.numpy().astype("<f4"))
        sd = {k: v.clone() for k, v in model.state_dict().items()}
        files = save(name, sd)
        for fname, note in files:
            manifest.append({"name": name, "arch": arch, "weights": fname, "container": note, "config": config,
                             "scale": scale, "input": f"{name}_in.npy", "output": f"{name}_out.npy"})
        print(f"{name}: out range [{float(y.min()):.3f}, {float(y.max()):.3f}], outside [0,1]: {frac:.3%}, files {[f for f, _ in files]}")

    def zip_(name, sd):
        torch.save(sd, os.path.join(OUT, name + ".pth"))
        return [(name + ".pth", "zip")]

    def legacy(name, sd):
        torch.save(sd, os.path.join(OUT, name + ".pth"), _use_new_zipfile_serialization=False)
        return [(name + ".pth", "legacy")]

    def ema_module(name, sd):
        torch.save({"params_ema": {"module." + k: v for k, v in sd.items()}, "iter": 5},
                   os.path.join(OUT, name + ".pth"))
        return [(name + ".pth", "zip params_ema module.")]

    def renamed(fn, note, also_basic=True, zipfile=True):
        def save(name, sd):
            torch.save(rename(sd, fn), os.path.join(OUT, name + ".pth"), _use_new_zipfile_serialization=zipfile)
            files = [(name + ".pth", note)]
            if also_basic:
                torch.save(sd, os.path.join(OUT, name + "_basicsr.pth"))
                files.append((name + "_basicsr.pth", "zip"))
            return files
        return save

    # EDSR (BasicSR keys): 64x16-style with res_scale 1 and 256x32-style with res_scale 0.1, tiny widths.
    m = EDSR(8, 2, 2)
    emit("edsr_x2", "edsr", m, m.conv_last, {}, 2, zip_, 1)
    m = EDSR(8, 2, 3, res_scale=0.1)
    emit("edsr_x3_rs01", "edsr", m, m.conv_last, {"res_scale": 0.1}, 3, legacy, 2)
    m = EDSR(12, 3, 4, res_scale=0.1)
    emit("edsr_x4_rs01", "edsr", m, m.conv_last, {"res_scale": 0.1}, 4, ema_module, 3)
    # EDSR-PyTorch official keys with drifted sub_mean/add_mean.
    g = torch.Generator().manual_seed(44)
    m = EDSROfficial(8, 2, 2, 1.0, g)
    emit("edsr_official_x2", "edsr", m, m.tail[1], {}, 2, zip_, 4)
    # RCAN
    m = RCAN(8, 2, 2, 4, 2)
    emit("rcan_x2", "rcan", m, m.conv_last, {}, 2, zip_, 5)
    m = RCAN(8, 2, 3, 2, 3)
    emit("rcan_x3", "rcan", m, m.conv_last, {}, 3, legacy, 6)
    m = RCAN(16, 3, 2, 4, 4)
    emit("rcan_x4_official", "rcan", m, m.conv_last, {}, 4, renamed(rcan_official(3, 2), "zip RCAN official keys"), 7)
    # RDN (EDSR-PyTorch keys), G0 != G to exercise the growth dimension
    for s, seed in ((2, 8), (3, 9), (4, 10)):
        m = RDN(8, 2, 3, 6, s)
        emit(f"rdn_x{s}", "rdn", m, m.UPNet[-1], {}, s, zip_ if s != 4 else ema_module, seed)
    # RRDBNet: ESRGAN x4 (BasicSR, new and old ESRGAN keys), Real-ESRGAN x2 with unshuffle (even and odd input)
    m = RRDBNet(4, 8, 2, 4)
    emit("rrdbnet_x4", "rrdbnet", m, m.conv_last, {}, 4, renamed(esrgan_new, "zip ESRGAN keys"), 11)
    m = RRDBNet(4, 8, 2, 4)
    emit("rrdbnet_x4_old", "rrdbnet", m, m.conv_last, {}, 4, renamed(esrgan_old(2), "legacy old ESRGAN keys", False, False), 12)
    m = RRDBNet(2, 8, 2, 4)
    emit("rrdbnet_x2", "rrdbnet", m, m.conv_last, {}, 2, ema_module, 13)
    m = RRDBNet(2, 8, 1, 4)
    emit("rrdbnet_x2_odd", "rrdbnet", m, m.conv_last, {}, 2, zip_, 14, h=9, w=11)
    m = RRDBNet(1, 8, 1, 4)
    emit("rrdbnet_x1", "rrdbnet", m, m.conv_last, {}, 1, zip_, 15, h=8, w=12)

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"generator": "Scripts/make_model_fixtures.py", "torch": torch.__version__, "fixtures": manifest}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
