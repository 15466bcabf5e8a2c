#!/usr/bin/env python3
"""Training fixtures for Tests/SISRTrainingTests: tiny EDSR / RCAN / RDN / RRDBNet (and the
VGG-style discriminator) trained for 5 iterations by PyTorch, as BasicSR's SRModel / SRGANModel do.

Networks come from BasicSR 1.4.2's own arch files (EDSR, RCAN, RRDBNet, VGGStyleDiscriminator), imported
from an installed `basicsr` or from an unpacked sdist (BASICSR_SRC=/path/to/basicsr-1.4.2, e.g. after
`pip download basicsr==1.4.2 --no-deps`), with the package's heavy imports stubbed out; RDN is
EDSR-PyTorch's layout (BasicSR has none), imported from make_model_fixtures.py. Perceptual networks are torchvision's VGG19
`features` (built by torchvision's own `make_layers` with narrow widths) and torchvision BasicBlocks in
ResNet18's layout.

Each case writes `<case>.safetensors` with the initial parameters (`init.<key>`), the batches
(`lq.<i>`, `gt.<i>`), the loss of every iteration (`loss.<i>`, and for GAN cases `loss_d.<i>`), every
parameter's gradient at iteration 1 (`grad.<key>`), the parameters after 5 iterations (`final.<key>`)
and their EMA (`ema.<key>`), plus an entry in `manifest.json` describing the case. Adam (betas 0.9/0.99),
BasicSR's MultiStepRestartLR stepping (milestone 3, gamma 0.5) and EMA (decay 0.9) as in the loop.

Also writes `check_torch_load.py`-style verification: `--check DIR` loads every `.pth` under DIR with
`torch.load(weights_only=True)` and `load_state_dict(strict=True)` into the matching BasicSR network.

Usage: python3 Scripts/make_training_fixtures.py [--out Tests/SISRTrainingTests/Fixtures/training]
"""
import argparse
import copy
import importlib.util
import json
import os
import struct
import sys
import types
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

torch.set_default_dtype(torch.float32)


def load_basicsr():
    """BasicSR's arch modules and lr_scheduler without importing the whole package."""
    try:
        import basicsr.archs.edsr_arch as edsr  # noqa: F401
        import basicsr.archs.rcan_arch as rcan
        import basicsr.archs.rrdbnet_arch as rrdb
        import basicsr.archs.discriminator_arch as disc
        import basicsr.models.lr_scheduler as sched
        return edsr, rcan, rrdb, disc, sched
    except Exception:
        pass
    src = os.environ.get("BASICSR_SRC")
    if not src:
        sys.exit("basicsr is not importable; set BASICSR_SRC to an unpacked basicsr-1.4.2 sdist")
    root = os.path.join(src, "basicsr")

    def package(name, path):
        m = types.ModuleType(name)
        m.__path__ = [path]
        sys.modules[name] = m
        return m

    package("basicsr", root)
    package("basicsr.archs", os.path.join(root, "archs"))
    package("basicsr.models", os.path.join(root, "models"))
    utils = package("basicsr.utils", os.path.join(root, "utils"))
    utils.get_root_logger = lambda *a, **k: None
    ops = package("basicsr.ops", os.path.join(root, "ops"))
    dcn = types.ModuleType("basicsr.ops.dcn")
    dcn.ModulatedDeformConvPack = object
    dcn.modulated_deform_conv = None
    sys.modules["basicsr.ops.dcn"] = dcn
    ops.dcn = dcn

    def load(name, rel):
        spec = importlib.util.spec_from_file_location(name, os.path.join(root, rel))
        m = importlib.util.module_from_spec(spec)
        sys.modules[name] = m
        spec.loader.exec_module(m)
        return m

    load("basicsr.utils.registry", "utils/registry.py")
    load("basicsr.archs.arch_util", "archs/arch_util.py")
    mods = [load(f"basicsr.archs.{n}", f"archs/{n}.py") for n in ("edsr_arch", "rcan_arch", "rrdbnet_arch", "discriminator_arch")]
    return (*mods, load("basicsr.models.lr_scheduler", "models/lr_scheduler.py"))


EDSR_M, RCAN_M, RRDB_M, DISC_M, SCHED_M = load_basicsr()

# RDN (EDSR-PyTorch's layout; BasicSR has none) is the one Scripts/make_model_fixtures.py defines.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_fixtures import RDN  # noqa: E402


VGG_NAMES = []
for _b, _n in enumerate([2, 2, 4, 4, 4]):
    for _i in range(1, _n + 1):
        VGG_NAMES += [f"conv{_b + 1}_{_i}", f"relu{_b + 1}_{_i}"]
    VGG_NAMES.append(f"pool{_b + 1}")


def tiny_vgg19(widths):
    """torchvision VGG19 `features` with narrow widths (same indices/keys as the real vgg19)."""
    cfg = []
    for w, n in zip(widths, [2, 2, 4, 4, 4]):
        cfg += [w] * n + ["M"]
    return torchvision.models.vgg.make_layers(cfg, batch_norm=False)


class VGGPerceptual(nn.Module):
    """BasicSR PerceptualLoss + VGGFeatureExtractor (use_input_norm, no range_norm, style 0)."""

    def __init__(self, features, layer_weights, criterion, weight):
        super().__init__()
        self.features = features
        self.layer_weights, self.criterion, self.weight = layer_weights, criterion, weight
        self.register_buffer("mean", torch.Tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.Tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad = False

    def extract(self, x):
        x = (x - self.mean) / self.std
        out = {}
        depth = max(VGG_NAMES.index(k) for k in self.layer_weights)
        for i, layer in enumerate(self.features):
            if i > depth:
                break
            x = layer(x)
            if VGG_NAMES[i] in self.layer_weights:
                out[VGG_NAMES[i]] = x.clone()
        return out

    def forward(self, x, gt):
        fx, fg = self.extract(x), self.extract(gt.detach())
        crit = F.l1_loss if self.criterion == "l1" else F.mse_loss
        loss = 0
        for k in sorted(fx):
            loss += crit(fx[k], fg[k]) * self.layer_weights[k]
        return loss * self.weight


class TinyResNet(nn.Module):
    """torchvision ResNet18 layout (conv1, bn1, maxpool, layer1..3 of BasicBlocks) with narrow widths."""

    def __init__(self, w):
        super().__init__()
        rn = torchvision.models.resnet
        self.conv1 = nn.Conv2d(3, w[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(w[0])
        layers, cin = [], w[0]
        for s, c in enumerate(w):
            stride = 1 if s == 0 else 2
            down = None if stride == 1 and cin == c else nn.Sequential(rn.conv1x1(cin, c, stride), nn.BatchNorm2d(c))
            layers.append(nn.Sequential(rn.BasicBlock(cin, c, stride, down), rn.BasicBlock(c, c)))
            cin = c
        self.layer1, self.layer2, self.layer3 = layers
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                nn.init.uniform_(m.running_mean, -0.2, 0.2)
                nn.init.uniform_(m.running_var, 0.5, 1.5)
                nn.init.uniform_(m.weight, 0.5, 1.5)
                nn.init.uniform_(m.bias, -0.2, 0.2)
        self.eval()
        self.register_buffer("mean", torch.Tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.Tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad = False

    def forward(self, x, gt):
        def f(t):
            t = (t - self.mean) / self.std
            t = F.max_pool2d(F.relu(self.bn1(self.conv1(t))), 3, 2, 1)
            return self.layer3(self.layer2(self.layer1(t)))
        return F.mse_loss(f(x), f(gt.detach()))


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().to(torch.float32)
        b = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


ITERS, LR, MILESTONE, GAMMA, EMA = 5, 2e-4, 3, 0.5, 0.9


def run_case(name, gen, lq_shape, scale, pixel=None, percep=None, gan=None, batches=ITERS, dtype=torch.float32):
    """Trains `gen` for ITERS iterations (SRModel, or SRGANModel when `gan` = (discriminator, weight))
    on `batches` distinct batches used in turn."""
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()) % 10000)
    n, c, h, w = lq_shape
    lqs = [torch.rand(lq_shape, generator=g) for _ in range(batches)]
    gts = [torch.rand((n, c, h * scale, w * scale), generator=g) for _ in range(batches)]
    lqs, gts = [t.to(dtype) for t in lqs], [t.to(dtype) for t in gts]
    gen.to(dtype)
    if percep is not None:
        percep.to(dtype)
    if gan:
        gan[0].to(dtype)
    out = {f"init.{k}": v.clone() for k, v in gen.state_dict().items()}
    net_d = gan[0] if gan else None
    if net_d is not None:
        out.update({f"init_d.{k}": v.clone().float() for k, v in net_d.state_dict().items()})
    ema = {k: v.detach().clone() for k, v in gen.named_parameters()}
    opt_g = torch.optim.Adam(gen.parameters(), lr=LR, betas=(0.9, 0.99))
    sch_g = SCHED_M.MultiStepRestartLR(opt_g, milestones=[MILESTONE], gamma=GAMMA)
    if net_d is not None:
        opt_d = torch.optim.Adam(net_d.parameters(), lr=LR, betas=(0.9, 0.99))
        sch_d = SCHED_M.MultiStepRestartLR(opt_d, milestones=[MILESTONE], gamma=GAMMA)
    for it in range(1, ITERS + 1):
        if it > 1:
            sch_g.step()
            if net_d is not None:
                sch_d.step()
        lq, gt = lqs[(it - 1) % batches], gts[(it - 1) % batches]
        if net_d is not None:
            for p in net_d.parameters():
                p.requires_grad = False
        opt_g.zero_grad()
        output = gen(lq)
        terms = []
        if pixel:
            kind, weight = pixel
            terms.append((F.l1_loss if kind == "l1" else F.mse_loss)(output, gt) * weight)
        if percep is not None:
            terms.append(percep(output, gt))
        if net_d is not None:
            pred = net_d(output)
            terms.append(F.binary_cross_entropy_with_logits(pred, torch.ones_like(pred)) * gan[1])
        loss = sum(terms)
        loss.backward()
        if it == 1:
            out.update({f"grad.{k}": p.grad.clone() for k, p in gen.named_parameters()})
        opt_g.step()
        out[f"loss.{it}"] = loss.detach().reshape(1)
        if net_d is not None:
            for p in net_d.parameters():
                p.requires_grad = True
            opt_d.zero_grad()
            real = net_d(gt)
            l_real = F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
            l_real.backward()
            fake = net_d(output.detach())
            l_fake = F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
            l_fake.backward()
            if it == 1:
                out.update({f"grad_d.{k}": p.grad.clone() for k, p in net_d.named_parameters()})
            opt_d.step()
            out[f"loss_d.{it}"] = torch.stack([l_real.detach(), l_fake.detach()])
        with torch.no_grad():
            for k, p in gen.named_parameters():
                ema[k].mul_(EMA).add_(p, alpha=1 - EMA)
        if it <= batches:
            out[f"lq.{it}"], out[f"gt.{it}"] = lq, gt
    out.update({f"final.{k}": v.clone() for k, v in gen.state_dict().items()})
    out.update({f"ema.{k}": v for k, v in ema.items()})
    if net_d is not None:
        out.update({f"final_d.{k}": v.clone().float() for k, v in net_d.state_dict().items()})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Tests/SISRTrainingTests/Fixtures/training")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(1234)
    manifest = {"iterations": ITERS, "lr": LR, "betas": [0.9, 0.99], "milestones": [MILESTONE], "gamma": GAMMA,
                "ema_decay": EMA, "cases": []}

    vgg_widths = [4, 4, 8, 8, 8]
    vgg = tiny_vgg19(vgg_widths)
    torch.save({f"features.{k}": v for k, v in vgg.state_dict().items()}, os.path.join(args.out, "tiny_vgg19.pth"))
    resnet = TinyResNet([4, 8, 8])
    torch.save({k: v for k, v in resnet.state_dict().items() if k not in ("mean", "std")}, os.path.join(args.out, "tiny_resnet18.pth"))

    cases = [
        ("edsr_l1", "edsr", dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=2, upscale=2, res_scale=1),
         lambda cfg: EDSR_M.EDSR(**cfg), (2, 3, 8, 8), dict(pixel=("l1", 1.0))),
        ("rcan_mse", "rcan", dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_group=2, num_block=2, squeeze_factor=4, upscale=2, res_scale=0.5),
         lambda cfg: RCAN_M.RCAN(**cfg), (2, 3, 8, 8), dict(pixel=("l2", 1.0))),
        ("rdn_l1", "rdn", dict(num_feat=8, num_block=2, num_layer=2, num_grow_ch=4, upscale=4, img_range=255.0),
         lambda cfg: RDN(cfg["num_feat"], cfg["num_block"], cfg["num_layer"], cfg["num_grow_ch"], cfg["upscale"],
                         cfg["img_range"]), (2, 3, 6, 6), dict(pixel=("l1", 1.0))),
        ("rrdbnet_percep", "rrdbnet", dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=8, num_block=1, num_grow_ch=4),
         lambda cfg: RRDB_M.RRDBNet(**cfg), (2, 3, 8, 8),
         dict(pixel=("l1", 0.01), percep=VGGPerceptual(vgg, {"conv3_4": 0.5, "relu5_4": 1.0}, "l1", 1.0))),
        ("rrdbnet_x2_resnet", "rrdbnet", dict(num_in_ch=3, num_out_ch=3, scale=2, num_feat=8, num_block=1, num_grow_ch=4),
         lambda cfg: RRDB_M.RRDBNet(**cfg), (2, 3, 16, 16), dict(percep=resnet)),
    ]
    for name, arch, cfg, make, shape, losses in cases:
        net = make(cfg)
        tensors = run_case(name, net, shape, cfg.get("upscale", cfg.get("scale")), **losses)
        write_safetensors(os.path.join(args.out, f"{name}.safetensors"), tensors)
        entry = {"name": name, "arch": arch, "config": {k: v for k, v in cfg.items()}, "lq_shape": list(shape), "batches": ITERS}
        if "pixel" in losses:
            entry["pixel"] = {"criterion": losses["pixel"][0], "weight": losses["pixel"][1]}
        if losses.get("percep") is vgg or isinstance(losses.get("percep"), VGGPerceptual):
            p = losses["percep"]
            entry["perceptual"] = {"network": "vgg19", "weights": "tiny_vgg19.pth", "layers": p.layer_weights, "criterion": p.criterion, "weight": p.weight}
        elif losses.get("percep") is resnet:
            entry["perceptual"] = {"network": "resnet18", "weights": "tiny_resnet18.pth", "layers": {"layer3": 1.0}, "criterion": "l2", "weight": 1.0}
        manifest["cases"].append(entry)

    # SRGAN: EDSR x4 generator (32 -> 128 px), discriminator num_feat 2, L1 1e-2 + VGG + GAN 5e-3.
    cfg = dict(num_in_ch=3, num_out_ch=3, num_feat=8, num_block=1, upscale=4, res_scale=1)
    gen = EDSR_M.EDSR(**cfg)
    disc = DISC_M.VGGStyleDiscriminator(num_in_ch=3, num_feat=2, input_size=128)
    percep = VGGPerceptual(copy.deepcopy(vgg), {"relu5_4": 1.0}, "l2", 1.0)
    # Reference in float64 (from float32 inputs and weights): BatchNorm's backward at batch 2 amplifies
    # float32 rounding in any implementation, and Adam turns tiny gradient differences into steps of lr.
    tensors = run_case("edsr_gan", gen, (2, 3, 32, 32), 4, pixel=("l1", 0.01), percep=percep, gan=(disc, 5e-3), batches=1,
                       dtype=torch.float64)
    write_safetensors(os.path.join(args.out, "edsr_gan.safetensors"), tensors)
    manifest["cases"].append({
        "name": "edsr_gan", "arch": "edsr", "config": cfg, "lq_shape": [2, 3, 32, 32],
        "pixel": {"criterion": "l1", "weight": 0.01}, "batches": 1,
        "perceptual": {"network": "vgg19", "weights": "tiny_vgg19.pth", "layers": {"relu5_4": 1.0}, "criterion": "l2", "weight": 1.0},
        "gan": {"num_feat": 2, "input_size": 128, "weight": 5e-3}, "reference_dtype": "float64"})
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
