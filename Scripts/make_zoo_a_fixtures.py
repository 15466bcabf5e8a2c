#!/usr/bin/env python3
"""Parity fixtures for SRFBN, SAN, DRN and LIIF: tiny PyTorch networks written from the official
descriptions (Paper99/SRFBN_CVPR19 networks/srfbn_arch.py + blocks.py, daitao/SAN model/san.py +
MPNCOV, guoyongcs/DRN model/drn.py + common.py, yinboc/liif models/liif.py + edsr.py + rdn.py + mlp.py;
no code copied), with perturbed random weights (mean shifts drifted, PReLU slopes and SAN's gammas
random), saved in the official containers, and their outputs on odd-sized inputs.

The modules mirror the official structure and key names. Each wrapper takes and returns RGB in [0, 1]
and applies the official test-time image convention: SRFBN, SAN and DRN see x * 255 (rgb_range 255)
and return the last output / 255; LIIF normalises (x - 0.5) / 0.5 and queries every pixel centre of the
target grid with cell = 2 / size, then * 0.5 + 0.5.

Containers (the originals' vintage): SRFBN  legacy {'state_dict': {module.*}, 'epoch', 'best_pred',
'best_epoch', 'records'}; SAN, DRN  legacy plain state_dict; LIIF  zip {'model': {'name', 'args', 'sd'},
'optimizer': {'name', 'args', 'sd'}, 'epoch'}.

Writes Tests/SRModelsTests/Fixtures/zoo-a/ (<name>.pth, <name>_in.npy, <name>_out.npy, manifest.json).
Run:  python3 Scripts/make_zoo_a_fixtures.py
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_fixtures import calibrate, make_input  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SRModelsTests", "Fixtures", "zoo-a")
MEAN = (0.4488, 0.4371, 0.4040)


def conv(cin, cout, k=3, bias=True):
    return nn.Conv2d(cin, cout, k, 1, k // 2, bias=bias)


class MeanShift(nn.Conv2d):
    """EDSR-style 1x1 mean shift, perturbed so that the file's values (not the defaults) must be used."""

    def __init__(self, sign, rgb_range=255.0, g=None):
        super().__init__(3, 3, 1)
        with torch.no_grad():
            noise = torch.randn(3, 3, generator=g) * 0.01 if g is not None else torch.zeros(3, 3)
            self.weight.copy_((torch.eye(3) + noise).view(3, 3, 1, 1))
            drift = torch.randn(3, generator=g) * 0.5 if g is not None else torch.zeros(3)
            self.bias.copy_(sign * rgb_range * torch.tensor(MEAN) + drift)


def upsampler(scale, f):
    layers = []
    for _ in range(scale.bit_length() - 1):
        layers += [conv(f, 4 * f), nn.PixelShuffle(2)]
    return nn.Sequential(*layers)


# ---------------------------------------------------------------- SRFBN

PROJ = {2: (6, 2, 2), 3: (7, 3, 2), 4: (8, 4, 2), 8: (12, 8, 2)}


def conv_block(cin, cout, k, stride=1, padding=None, act=True):
    c = nn.Conv2d(cin, cout, k, stride, (k - 1) // 2 if padding is None else padding)
    return nn.Sequential(c, nn.PReLU(1, 0.2)) if act else nn.Sequential(c)


def deconv_block(cin, cout, k, stride, padding):
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, k, stride, padding), nn.PReLU(1, 0.2))


class FeedbackBlock(nn.Module):
    def __init__(self, f, groups, scale):
        super().__init__()
        k, s, p = PROJ[scale]
        self.compress_in = conv_block(2 * f, f, 1)
        self.upBlocks = nn.ModuleList([deconv_block(f, f, k, s, p) for _ in range(groups)])
        self.downBlocks = nn.ModuleList([conv_block(f, f, k, s, p) for _ in range(groups)])
        self.uptranBlocks = nn.ModuleList([conv_block(f * (i + 1), f, 1) for i in range(1, groups)])
        self.downtranBlocks = nn.ModuleList([conv_block(f * (i + 1), f, 1) for i in range(1, groups)])
        self.compress_out = conv_block(groups * f, f, 1)

    def forward(self, x, hidden):
        lr = [self.compress_in(torch.cat([x, hidden], 1))]
        hr = []
        for i in range(len(self.upBlocks)):
            l = torch.cat(lr, 1)
            if i > 0:
                l = self.uptranBlocks[i - 1](l)
            hr.append(self.upBlocks[i](l))
            h = torch.cat(hr, 1)
            if i > 0:
                h = self.downtranBlocks[i - 1](h)
            lr.append(self.downBlocks[i](h))
        return self.compress_out(torch.cat(lr[1:], 1))


class SRFBN(nn.Module):
    def __init__(self, f, steps, groups, scale, g):
        super().__init__()
        k, s, p = PROJ[scale]
        self.scale, self.steps = scale, steps
        self.sub_mean = MeanShift(-1, g=g)
        self.conv_in = conv_block(3, 4 * f, 3)
        self.feat_in = conv_block(4 * f, f, 1)
        self.block = FeedbackBlock(f, groups, scale)
        self.out = deconv_block(f, f, k, s, p)
        self.conv_out = conv_block(f, 3, 3, act=False)
        self.add_mean = MeanShift(1, g=g)

    def forward(self, x):
        x = self.sub_mean(x * 255)
        inter = F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
        x = self.feat_in(self.conv_in(x))
        hidden, outs = x, []
        for _ in range(self.steps):
            hidden = self.block(x, hidden)
            outs.append(self.add_mean(inter + self.conv_out(self.out(hidden))))
        return outs[-1] / 255


# ---------------------------------------------------------------- SAN

def covpool(x):
    b, c, h, w = x.shape
    m = h * w
    x = x.reshape(b, c, m)
    i_hat = (-1.0 / m / m) * torch.ones(m, m) + (1.0 / m) * torch.eye(m)
    return x.bmm(i_hat.view(1, m, m).repeat(b, 1, 1)).bmm(x.transpose(1, 2))


def sqrtm(a, iters):
    b, n, _ = a.shape
    i3 = 3.0 * torch.eye(n).view(1, n, n).repeat(b, 1, 1)
    norm = (1.0 / 3.0) * a.mul(i3).sum(dim=1).sum(dim=1)
    a = a.div(norm.view(b, 1, 1))
    zy = 0.5 * (i3 - a)
    y, z = a.bmm(zy), zy
    for _ in range(1, iters - 1):
        zy = 0.5 * (i3 - z.bmm(y))
        y, z = y.bmm(zy), zy.bmm(z)
    zy = 0.5 * y.bmm(i3 - z.bmm(y))
    return zy * torch.sqrt(norm).view(b, 1, 1)


class SOCA(nn.Module):
    def __init__(self, f, reduction):
        super().__init__()
        self.conv_du = nn.Sequential(nn.Conv2d(f, f // reduction, 1), nn.ReLU(), nn.Conv2d(f // reduction, f, 1), nn.Sigmoid())

    def forward(self, x):
        b, c, h, w = x.shape  # inputs are far below the official 1000-pixel crop
        y = torch.mean(sqrtm(covpool(x), 5), 1).view(b, c, 1, 1)
        return self.conv_du(y) * x


class NonLocal(nn.Module):
    """Embedded Gaussian non-local block; phi and g sub-sample by 2x2 max pooling (as upstream in 2-D)."""

    def __init__(self, f, inter):
        super().__init__()
        self.inter = inter
        self.g = nn.Sequential(nn.Conv2d(f, inter, 1), nn.MaxPool2d(2))
        self.theta = nn.Conv2d(f, inter, 1)
        self.phi = nn.Sequential(nn.Conv2d(f, inter, 1), nn.MaxPool2d(2))
        self.W = nn.Conv2d(inter, f, 1)

    def forward(self, x):
        b, _, h, w = x.shape
        g = self.g(x).view(b, self.inter, -1).permute(0, 2, 1)
        t = self.theta(x).view(b, self.inter, -1).permute(0, 2, 1)
        p = self.phi(x).view(b, self.inter, -1)
        y = torch.matmul(F.softmax(torch.matmul(t, p), dim=-1), g)
        y = y.permute(0, 2, 1).contiguous().view(b, self.inter, h, w)
        return self.W(y) + x


class NonlocalCA(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.soca = SOCA(f, 8)  # defined upstream, unused in forward
        self.non_local = NonLocal(f, f // 8)

    def forward(self, x):
        h1, w1 = x.shape[2] // 2, x.shape[3] // 2
        out = torch.zeros_like(x)
        for rs in (slice(None, h1), slice(h1, None)):
            for cs in (slice(None, w1), slice(w1, None)):
                out[:, :, rs, cs] = self.non_local(x[:, :, rs, cs])
        return out


class RB(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.conv_first = nn.Sequential(conv(f, f), nn.ReLU(), conv(f, f))

    def forward(self, x):
        return self.conv_first(x) + x


class LSRAG(nn.Module):
    def __init__(self, f, reduction, blocks):
        super().__init__()
        self.rcab = nn.ModuleList([RB(f) for _ in range(blocks)])
        self.soca = SOCA(f, reduction)
        self.conv_last = conv(f, f)
        self.gamma = nn.Parameter(torch.zeros(1))  # unused upstream

    def forward(self, x):
        r = x
        for b in self.rcab:
            x = b(x)
        return self.conv_last(self.soca(x)) + r


class SAN(nn.Module):
    def __init__(self, f, groups, blocks, reduction, scale, g):
        super().__init__()
        self.sub_mean = MeanShift(-1, g=g)
        self.head = nn.Sequential(conv(3, f))
        self.gamma = nn.Parameter(torch.zeros(1))
        self.RG = nn.ModuleList([LSRAG(f, reduction, blocks) for _ in range(groups)])
        self.conv_last = conv(f, f)  # unused upstream
        self.tail = nn.Sequential(upsampler(scale, f), conv(f, 3))
        self.add_mean = MeanShift(1, g=g)
        self.non_local = NonlocalCA(f)

    def forward(self, x):
        x = self.head(self.sub_mean(x * 255))
        xx = self.non_local(x)
        r = xx
        for l in self.RG:
            xx = l(xx) + self.gamma * r
        res = self.non_local(xx) + x
        return self.add_mean(self.tail(res)) / 255


# ---------------------------------------------------------------- DRN

class CALayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv_du = nn.Sequential(nn.Conv2d(c, c // 16, 1), nn.ReLU(), nn.Conv2d(c // 16, c, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.conv_du(F.adaptive_avg_pool2d(x, 1))


class RCAB(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(conv(c, c), nn.ReLU(), conv(c, c), CALayer(c))

    def forward(self, x):
        return self.body(x) + x


class DownBlock(nn.Module):
    def __init__(self, c, negval):
        super().__init__()
        self.dual_module = nn.Sequential(
            nn.Sequential(nn.Conv2d(c, c, 3, 2, 1, bias=False), nn.LeakyReLU(negval)),
            nn.Conv2d(c, 2 * c, 3, 1, 1, bias=False))

    def forward(self, x):
        return self.dual_module(x)


class DRN(nn.Module):
    def __init__(self, f, blocks, scale, g, negval=0.2):
        super().__init__()
        self.scale, phases = scale, scale.bit_length() - 1
        self.sub_mean = MeanShift(-1, g=g)
        self.head = conv(3, f)
        self.down = nn.ModuleList([DownBlock(f * 2 ** p, negval) for p in range(phases)])
        top = f * 2 ** phases
        ups = [nn.Sequential(*[RCAB(top) for _ in range(blocks)], upsampler(2, top), nn.Conv2d(top, top // 2, 1))]
        for p in range(phases - 1, 0, -1):
            c = 2 * f * 2 ** p
            ups.append(nn.Sequential(*[RCAB(c) for _ in range(blocks)], upsampler(2, c), nn.Conv2d(c, f * 2 ** (p - 1), 1)))
        self.up_blocks = nn.ModuleList(ups)
        self.tail = nn.ModuleList([conv(top, 3)] + [conv(f * 2 ** p, 3) for p in range(phases, 0, -1)])
        self.add_mean = MeanShift(1, g=g)

    def forward(self, x):
        x = F.interpolate(x * 255, scale_factor=self.scale, mode="bicubic", align_corners=False)
        x = self.head(self.sub_mean(x))
        copies = []
        for d in self.down:
            copies.append(x)
            x = d(x)
        results = [self.add_mean(self.tail[0](x))]
        for i, up in enumerate(self.up_blocks):
            x = torch.cat((up(x), copies[len(copies) - 1 - i]), 1)
            results.append(self.add_mean(self.tail[i + 1](x)))
        return results[-1] / 255


# ---------------------------------------------------------------- LIIF

class EDSRBaseline(nn.Module):
    """LIIF's edsr-baseline encoder (no_upsampling, rgb_range 1, mean shifts stored but not applied)."""

    def __init__(self, blocks, f):
        super().__init__()
        self.sub_mean = MeanShift(-1, rgb_range=1.0)
        self.add_mean = MeanShift(1, rgb_range=1.0)
        self.head = nn.Sequential(conv(3, f))
        self.body = nn.Sequential(*[_Res(nn.Sequential(conv(f, f), nn.ReLU(), conv(f, f))) for _ in range(blocks)], conv(f, f))
        self.out_dim = f

    def forward(self, x):
        x = self.head(x)
        return self.body(x) + x


class _Res(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return self.body(x) + x


class RDB(nn.Module):
    def __init__(self, g0, g, c):
        super().__init__()
        self.convs = nn.Sequential(*[_DenseLayer(g0 + i * g, g) for i in range(c)])
        self.LFF = nn.Conv2d(g0 + c * g, g0, 1)

    def forward(self, x):
        return self.LFF(self.convs(x)) + x


class _DenseLayer(nn.Module):
    def __init__(self, cin, g):
        super().__init__()
        self.conv = nn.Sequential(conv(cin, g), nn.ReLU())

    def forward(self, x):
        return torch.cat((x, self.conv(x)), 1)


class RDNEncoder(nn.Module):
    def __init__(self, g0, d, c, g):
        super().__init__()
        self.SFENet1, self.SFENet2 = conv(3, g0), conv(g0, g0)
        self.RDBs = nn.ModuleList([RDB(g0, g, c) for _ in range(d)])
        self.GFF = nn.Sequential(nn.Conv2d(d * g0, g0, 1), conv(g0, g0))
        self.out_dim = g0

    def forward(self, x):
        f1 = self.SFENet1(x)
        x, outs = self.SFENet2(f1), []
        for b in self.RDBs:
            x = b(x)
            outs.append(x)
        return self.GFF(torch.cat(outs, 1)) + f1


class MLP(nn.Module):
    def __init__(self, in_dim, out_dim, hidden):
        super().__init__()
        layers, last = [], in_dim
        for h in hidden:
            layers += [nn.Linear(last, h), nn.ReLU()]
            last = h
        layers.append(nn.Linear(last, out_dim))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def make_coord(shape):
    seqs = []
    for n in shape:
        r = 1.0 / n
        seqs.append(-1 + r + (2 * r) * torch.arange(n).float())
    return torch.stack(torch.meshgrid(*seqs, indexing="ij"), dim=-1).view(-1, 2)


class LIIF(nn.Module):
    def __init__(self, encoder, hidden):
        super().__init__()
        self.encoder = encoder
        self.imnet = MLP(encoder.out_dim * 9 + 4, 3, hidden)
        self.scale = 2

    def query(self, feat, coord, cell):
        h, w = feat.shape[-2:]
        feat = F.unfold(feat, 3, padding=1).view(feat.shape[0], feat.shape[1] * 9, h, w)
        rx, ry = 2 / h / 2, 2 / w / 2
        feat_coord = make_coord((h, w)).view(h, w, 2).permute(2, 0, 1).unsqueeze(0)
        preds, areas = [], []
        for vx in (-1, 1):
            for vy in (-1, 1):
                c = coord.clone()
                c[:, :, 0] += vx * rx + 1e-6
                c[:, :, 1] += vy * ry + 1e-6
                c.clamp_(-1 + 1e-6, 1 - 1e-6)
                grid = c.flip(-1).unsqueeze(1)
                q_feat = F.grid_sample(feat, grid, mode="nearest", align_corners=False)[:, :, 0, :].permute(0, 2, 1)
                q_coord = F.grid_sample(feat_coord, grid, mode="nearest", align_corners=False)[:, :, 0, :].permute(0, 2, 1)
                rel = coord - q_coord
                rel[:, :, 0] *= h
                rel[:, :, 1] *= w
                rel_cell = cell.clone()
                rel_cell[:, :, 0] *= h
                rel_cell[:, :, 1] *= w
                inp = torch.cat([q_feat, rel, rel_cell], dim=-1)
                preds.append(self.imnet(inp))
                areas.append(torch.abs(rel[:, :, 0] * rel[:, :, 1]) + 1e-9)
        tot = torch.stack(areas).sum(dim=0)
        areas = areas[::-1]
        ret = 0
        for p, a in zip(preds, areas):
            ret = ret + p * (a / tot).unsqueeze(-1)
        return ret

    def forward(self, x):
        hh, ww = x.shape[2] * self.scale, x.shape[3] * self.scale
        coord = make_coord((hh, ww)).unsqueeze(0)
        cell = torch.ones_like(coord)
        cell[:, :, 0] *= 2 / hh
        cell[:, :, 1] *= 2 / ww
        feat = self.encoder((x - 0.5) / 0.5)
        # batched_predict of the official test.py: queries in batches of 30000 (same values).
        pred = torch.cat([self.query(feat, coord[:, i:i + 30000], cell[:, i:i + 30000])
                          for i in range(0, coord.shape[1], 30000)], dim=1)
        return (pred * 0.5 + 0.5).view(1, hh, ww, 3).permute(0, 3, 1, 2)


# ---------------------------------------------------------------- output

def perturb(model, seed):
    torch.manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)) and not isinstance(m, MeanShift):
            m.reset_parameters()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gamma"):
                p.copy_(torch.rand(1) * 0.5 + 0.25)
            elif p.numel() == 1:  # PReLU slopes (and the odd one-channel bias)
                p.copy_(torch.rand(1) * 0.5)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    manifest = []

    def record(name, arch, model, x, scale, weights, container, config):
        with torch.no_grad():
            y = model(x)
        assert y.shape == (1, 3, x.shape[2] * scale, x.shape[3] * scale), y.shape
        tag = f"{name}_x{scale}" if arch == "liif" else name
        np.save(os.path.join(OUT, f"{tag}_in.npy"), x.numpy().astype("<f4"))
        np.save(os.path.join(OUT, f"{tag}_out.npy"), y.numpy().astype("<f4"))
        manifest.append({"name": tag, "arch": arch, "weights": weights, "container": container, "config": config,
                         "scale": scale, "input": f"{tag}_in.npy", "output": f"{tag}_out.npy"})
        frac = float(((y < 0) | (y > 1)).float().mean())
        print(f"{tag}: out [{float(y.min()):.3f}, {float(y.max()):.3f}], outside [0,1] {frac:.2%}")

    def build(name, arch, model, last, seed, h, w, scale, save, config=None):
        perturb(model, seed)
        model.eval()
        x = make_input(seed, h, w)
        calibrate(model, last, x)
        sd = {k: v.clone() for k, v in model.state_dict().items()}
        weights, container = save(name, sd)
        record(name, arch, model, x, scale, weights, container, config or {})
        return model

    def legacy(name, sd):
        torch.save(sd, os.path.join(OUT, name + ".pth"), _use_new_zipfile_serialization=False)
        return name + ".pth", "legacy state_dict"

    def srfbn_solver(name, sd):
        ck = {"epoch": 1000, "state_dict": {"module." + k: v for k, v in sd.items()}, "best_pred": 32.1,
              "best_epoch": 998, "records": {"train_loss": [0.5, 0.25], "val_loss": [0.3], "psnr": [31.5], "ssim": [0.9],
                                             "lr": [1e-4]}}
        torch.save(ck, os.path.join(OUT, name + ".pth"), _use_new_zipfile_serialization=False)
        return name + ".pth", "legacy SRSolver checkpoint, module. prefix"

    def liif_save(encoder_spec, hidden):
        def save(name, sd):
            enc_sd = {k: v for k, v in sd.items()}
            opt_sd = {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.zeros(2)}},
                      "param_groups": [{"lr": 1e-4, "params": [0]}]}
            ck = {"model": {"name": "liif", "args": {"encoder_spec": encoder_spec,
                                                      "imnet_spec": {"name": "mlp", "args": {"out_dim": 3, "hidden_list": hidden}}},
                            "sd": enc_sd},
                  "optimizer": {"name": "adam", "args": {"lr": 1e-4}, "sd": opt_sd}, "epoch": 1000}
            torch.save(ck, os.path.join(OUT, name + ".pth"))
            return name + ".pth", "zip LIIF checkpoint (model.sd)"
        return save

    for scale, seed, (h, w) in ((2, 21, (9, 11)), (4, 22, (7, 9))):
        g = torch.Generator().manual_seed(100 + seed)
        m = SRFBN(6, 2, 2, scale, g)
        build(f"srfbn_x{scale}", "srfbn", m, m.conv_out[0], seed, h, w, scale, srfbn_solver, {"num_steps": 2})

    g = torch.Generator().manual_seed(131)
    m = SAN(8, 2, 2, 2, 4, g)
    build("san_x4", "san", m, m.tail[1], 31, 11, 9, 4, legacy)

    g = torch.Generator().manual_seed(141)
    m = DRN(4, 1, 4, g)  # one RCAB per phase keeps the file under 100 KB
    build("drn_x4", "drn", m, m.tail[2], 41, 9, 11, 4, legacy)

    for name, enc, spec, hidden, seed, (h, w) in (
        ("liif_edsr", EDSRBaseline(2, 8), {"name": "edsr-baseline", "args": {"no_upsampling": True}}, [16, 12], 51, (9, 7)),
        # Config A/B sizes would make a multi-megabyte fixture: D, C, G are tiny here (read from the shapes).
        ("liif_rdn", RDNEncoder(6, 2, 3, 4), {"name": "rdn", "args": {"no_upsampling": True}}, [8], 52, (5, 7)),
    ):
        m = LIIF(enc, hidden)
        m = build(name, "liif", m, m.imnet.layers[-1], seed, h, w, 2, liif_save(spec, hidden), {"scale": 2})
        m.scale = 4
        x = make_input(seed, h, w)
        record(name, "liif", m, x, 4, name + ".pth", "zip LIIF checkpoint (model.sd)", {"scale": 4})

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"generator": "Scripts/make_zoo_a_fixtures.py", "torch": torch.__version__, "fixtures": manifest}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
