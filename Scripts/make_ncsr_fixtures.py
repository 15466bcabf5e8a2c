#!/usr/bin/env python3
"""Parity fixture for NCSR: a tiny conditional flow with perturbed seeded weights in the official key
layout (younggeun-kim/NCSR code/models/modules: NCSRNet_arch, RRDBNet_arch, FlowUpsamplerNet, FlowStep,
FlowAffineCouplingsAblation, Split2d, flow.Conv2d/Conv2dZeros, FlowActNorms, Permutations), saved with
torch.save (zip, plain state dict), sampled in reverse on an odd-sized input padded as code/test.py
pads it, with the latent noise passed explicitly (the top latent and each split's eps) so the Swift
sampler can be handed the same noise. Modules are written from the official description; no code is
copied. The official code fixes the conditional width at 64 * (blocks + 1); here it is nf * (blocks + 1).

Writes into Tests/SRModelsTests/Fixtures/pretrained/: ncsr.pth, ncsr_in.npy (uint8 / 255, unpadded),
ncsr_noise_{z,split1,split2}.npy, ncsr_out.npy (the sample before clamping, cropped to 4H x 4W) and
ncsr.json. Run:  python3 Scripts/make_ncsr_fixtures.py
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SRModelsTests", "Fixtures", "pretrained")
CFG = dict(nf=2, nb=2, gc=2, K=1, L=3, S=[0, 16, 16], std_channels=3, additionalFlowNoAffine=1,
           hidden_channels=2, stackRRDB_blocks=[1, 0])


class RDB(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        for i in range(5):
            setattr(self, "conv%d" % (i + 1), nn.Conv2d(nf + i * gc, gc if i < 4 else nf, 3, 1, 1))

    def forward(self, x):
        feats = [x]
        for i in range(4):
            feats.append(F.leaky_relu(getattr(self, "conv%d" % (i + 1))(torch.cat(feats, 1)), 0.2))
        return self.conv5(torch.cat(feats, 1)) * 0.2 + x


class RRDBBlock(nn.Module):
    def __init__(self, nf, gc):
        super().__init__()
        self.RDB1, self.RDB2, self.RDB3 = RDB(nf, gc), RDB(nf, gc), RDB(nf, gc)

    def forward(self, x):
        return self.RDB3(self.RDB2(self.RDB1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    def __init__(self, nf, nb, gc):
        super().__init__()
        self.conv_first = nn.Conv2d(3, nf, 3, 1, 1)
        self.RRDB_trunk = nn.Sequential(*[RRDBBlock(nf, gc) for _ in range(nb)])
        self.trunk_conv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.upconv1, self.upconv2, self.HRconv = (nn.Conv2d(nf, nf, 3, 1, 1) for _ in range(3))
        self.conv_last = nn.Conv2d(nf, 3, 3, 1, 1)

    def conditionals(self, x, blocks, L):
        fea = self.conv_first(x)
        found = {}
        for i, m in enumerate(self.RRDB_trunk):
            fea = m(fea)
            found[i] = fea
        stacked = torch.cat([found[i] for i in blocks], 1)
        last = fea + self.trunk_conv(fea)
        up2 = self.upconv1(F.interpolate(last, scale_factor=2, mode="nearest"))
        up0 = F.interpolate(last, scale_factor=0.5, mode="bilinear", align_corners=False, recompute_scale_factor=True)
        return [torch.cat([f, F.interpolate(stacked, f.shape[2:])], 1) for f in (up2, last, up0)[:L]]


class ActNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.logs = nn.Parameter(torch.zeros(1, c, 1, 1))


class ActConv(nn.Conv2d):
    def __init__(self, cin, cout, k):
        super().__init__(cin, cout, k, 1, k // 2, bias=False)
        self.actnorm = ActNorm(cout)

    def forward(self, x):
        return (super().forward(x) + self.actnorm.bias) * torch.exp(self.actnorm.logs)


class ZeroConv(nn.Conv2d):
    def __init__(self, cin, cout):
        super().__init__(cin, cout, 3, 1, 1)
        self.logs = nn.Parameter(torch.zeros(cout, 1, 1))

    def forward(self, x):
        return super().forward(x) * torch.exp(self.logs * 3)


def coupling_net(cin, hidden, cout):
    return nn.Sequential(ActConv(cin, hidden, 3), nn.ReLU(), ActConv(hidden, hidden, 1), nn.ReLU(), ZeroConv(hidden, cout))


def shift_scale(h):
    return h[:, 0::2], torch.sigmoid(h[:, 1::2] + 2.) + 0.0001


class Coupling(nn.Module):
    def __init__(self, c, cond, hidden, std_channels, std_mode):
        super().__init__()
        self.nn, self.std_mode = c // 2, std_mode
        self.fAffine = coupling_net(c // 2 + cond, hidden, 2 * (c - c // 2))
        self.fFeatures = coupling_net(cond, hidden, 2 * c)
        self.fAffine_std = coupling_net(c // 2 + std_channels, hidden, 2 * (c - c // 2))

    def reverse(self, z, ft, std):
        def second(z, f, extra):
            z1, z2 = z[:, :self.nn], z[:, self.nn:]
            shift, scale = shift_scale(f(torch.cat([z1, extra], 1)))
            return torch.cat([z1, z2 / scale - shift], 1)
        z = second(z, self.fAffine, ft)
        if self.std_mode:
            z = second(z, self.fAffine_std, std.expand(-1, 3, z.shape[2], z.shape[3]))
        shift, scale = shift_scale(self.fFeatures(ft))
        return z / scale - shift


class InvConv(nn.Module):
    def __init__(self, c, g):
        super().__init__()
        q = torch.linalg.qr(torch.randn(c, c, generator=g, dtype=torch.float64))[0]
        self.weight = nn.Parameter((q + 0.05 * torch.randn(c, c, generator=g, dtype=torch.float64)).float())


class FlowStep(nn.Module):
    def __init__(self, c, g, coupling=None):
        super().__init__()
        self.actnorm = ActNorm(c)
        self.invconv = InvConv(c, g)
        if coupling is not None:
            self.affine = coupling

    def reverse(self, z, ft, std):
        if hasattr(self, "affine"):
            z = self.affine.reverse(z, ft, std)
        w = torch.inverse(self.invconv.weight.double()).float()
        z = F.conv2d(z, w.view(*w.shape, 1, 1))
        return z * torch.exp(-self.actnorm.logs) - self.actnorm.bias


class Split(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.consume = int(round(c * 0.5))
        self.conv = ZeroConv(c - self.consume, 2 * self.consume)

    def reverse(self, z1, eps):
        h = self.conv(z1)
        return torch.cat([z1, h[:, 0::2] + torch.exp(h[:, 1::2]) * eps], 1)


class Squeeze(nn.Module):
    pass


class FlowUpsampler(nn.Module):
    def __init__(self, cfg, g):
        super().__init__()
        self.layers, self.level_of = nn.ModuleList(), []
        c, cond = 3, cfg["nf"] * (len(cfg["stackRRDB_blocks"]) + 1)
        for level in range(1, cfg["L"] + 1):
            c *= 4
            self.layers.append(Squeeze())
            for _ in range(cfg["additionalFlowNoAffine"]):
                self.layers.append(FlowStep(c, g))
            for k in range(cfg["K"]):
                std = cfg["S"][level - 1] >= cfg["K"] - k
                self.layers.append(FlowStep(c, g, Coupling(c, cond, cfg["hidden_channels"], cfg["std_channels"], std)))
            if level < cfg["L"]:
                self.layers.append(Split(c))
                c -= self.layers[-1].consume
            self.level_of += [level] * (len(self.layers) - len(self.level_of))
        self.C = c
        self.f = nn.Sequential(nn.Conv2d(cond, 2 * 3 * 64 // 2 // 2, 3, 1, 1))

    def reverse(self, z, conds, noise, std):
        for layer, level in zip(reversed(self.layers), reversed(self.level_of)):
            if isinstance(layer, Split):
                z = layer.reverse(z, noise["split%d" % level])
            elif isinstance(layer, FlowStep):
                z = layer.reverse(z, conds[level - 1], std)
            else:
                z = F.pixel_shuffle(z, 2)
        return z


class NCSR(nn.Module):
    def __init__(self, cfg, g):
        super().__init__()
        self.cfg = cfg
        self.RRDB = RRDBNet(cfg["nf"], cfg["nb"], cfg["gc"])
        self.flowUpsamplerNet = FlowUpsampler(cfg, g)

    def sample(self, lr, noise):
        conds = self.RRDB.conditionals(lr, self.cfg["stackRRDB_blocks"], self.cfg["L"])
        std = torch.zeros(1, 1, 1, 1)
        return self.flowUpsamplerNet.reverse(noise["z"], conds, noise, std)


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(12)
    net = NCSR(CFG, g).eval()
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("invconv.weight"):
                continue
            fan = p[0].numel() if p.dim() > 1 else p.numel()
            zero_conv = ".conv." in name or ".4." in name  # Conv2dZeros: priors and coupling outputs
            amp = 0.3 if name.endswith("logs") or name.endswith("bias") else (0.1 if zero_conv else 1.0) / max(fan, 1) ** 0.5
            # actnorm logs mostly positive (its reverse divides by exp(logs)); prior/output logs negative.
            shift = (0.1 if name.endswith("actnorm.logs") else -0.25) if name.endswith("logs") else 0
            p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * (0.15 if name.endswith("logs") else amp) + shift)
    torch.save(net.state_dict(), os.path.join(OUT, "ncsr.pth"))

    rng = np.random.default_rng(13)
    h, w = 9, 11
    lr = np.clip(np.linspace(30, 220, h * w).reshape(h, w)[..., None] + rng.integers(-30, 31, (h, w, 3)), 0, 255).astype(np.uint8)
    padded = np.pad(lr, [(0, h % 2), (0, w % 2), (0, 0)], "reflect")  # test.py: impad to even sides
    x = torch.from_numpy(padded.transpose(2, 0, 1)[None].astype(np.float32)) / 255
    ph, pw = padded.shape[:2]
    heat = 0.8
    shapes = {"z": (1, net.flowUpsamplerNet.C, 4 * ph // 8, 4 * pw // 8), "split2": (1, 12, ph, pw), "split1": (1, 6, 2 * ph, 2 * pw)}
    noise = {k: torch.normal(0.0, heat, s, generator=g) for k, s in shapes.items()}
    with torch.no_grad():
        out = net.sample(x, noise)[:, :, :4 * h, :4 * w]
    print("output range", float(out.min()), float(out.max()))
    np.save(os.path.join(OUT, "ncsr_in.npy"), (lr.transpose(2, 0, 1)[None] / 255.0).astype(np.float32))
    for k, v in noise.items():
        np.save(os.path.join(OUT, "ncsr_noise_%s.npy" % k), v.numpy().astype(np.float32))
    np.save(os.path.join(OUT, "ncsr_out.npy"), out.numpy().astype(np.float32))
    config = {k: v for k, v in CFG.items() if k in ("S", "stackRRDB_blocks")}
    entry = dict(name="ncsr", arch="ncsr", weights="ncsr.pth", container="torch zip, plain state_dict", config=config,
                 scale=4, input="ncsr_in.npy", output="ncsr_out.npy", noise={k: "ncsr_noise_%s.npy" % k for k in noise})
    with open(os.path.join(OUT, "ncsr.json"), "w") as f:
        json.dump({"fixtures": [entry]}, f, indent=1)
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        if name.startswith("ncsr"):
            print("%8d  %s" % (os.path.getsize(os.path.join(OUT, name)), name))


if __name__ == "__main__":
    main()
