#!/usr/bin/env python3
"""Writes the SwinIR and NLSN parity fixtures of SRModelsTests (Tests/SRModelsTests/Fixtures/transformer/).

For each case:
  <case>.pth       the model's state_dict, written by torch.save (what a release would ship)
  <case>_io.pth    {"input": (1,3,H,W) float32 in [0,1], "output": the reference output (unclamped),
                    and for NLSN "rotations.<i>": the rotations used by body.<i>}
  <case>.json      the Swift model config (snake_case keys) and the input size
The reference modules live in Scripts/transformer_reference.py. Usage:
  python3 Scripts/make_transformer_fixtures.py [OUT_DIR]
Deterministic: seeded init, single-threaded torch.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import transformer_reference as ref  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SRModelsTests", "Fixtures", "transformer")


def perturb(model, seed):
    """Make LayerNorm affine terms and bias tables non-trivial so that the test sees them."""
    g = torch.Generator().manual_seed(seed + 1000)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif "norm" in name and name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("relative_position_bias_table"):
                p.copy_(0.5 * torch.randn(p.shape, generator=g))


def rescale_last(model, last, run, target_std=0.2):
    """Scale the last conv so that the output varies by about target_std around the mean."""
    with torch.no_grad():
        y = run()
        dev = (y - model_mean()).std().item()
        k = target_std / max(dev, 1e-6)
        last.weight.mul_(k)
        last.bias.mul_(k)


def model_mean():
    return torch.tensor(ref.RGB_MEAN).view(1, 3, 1, 1)


def make_input(seed, h, w):
    g = torch.Generator().manual_seed(seed)
    # uint8-valued pixels, like a decoded PNG; smooth-ish plus noise
    base = torch.rand(1, 3, (h + 3) // 4, (w + 3) // 4, generator=g)
    base = torch.nn.functional.interpolate(base, size=(h, w), mode="bilinear", align_corners=False)
    x = (0.7 * base + 0.3 * torch.rand(1, 3, h, w, generator=g)).clamp(0, 1)
    return torch.round(x * 255) / 255


def save(case, model, cfg, io, h, w):
    torch.save(model.state_dict(), os.path.join(OUT, f"{case}.pth"))
    torch.save(io, os.path.join(OUT, f"{case}_io.pth"))
    with open(os.path.join(OUT, f"{case}.json"), "w") as f:
        json.dump({"config": cfg, "height": h, "width": w}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{case}: in {h}x{w} -> out {tuple(io['output'].shape)}")


def swinir_case(case, seed, h, w, scale, padding, upsampler="pixelshuffle", embed=16, depths=(2, 2),
                heads=(2, 2), window=4, img_size=8, num_feat=16):
    torch.manual_seed(seed)
    model = ref.SwinIR(upscale=scale, img_size=img_size, window_size=window, embed_dim=embed,
                       depths=depths, num_heads=heads, mlp_ratio=2.0, upsampler=upsampler, num_feat=num_feat)
    model.eval()
    perturb(model, seed)
    x = make_input(seed, h, w)
    with torch.no_grad():
        rescale_last(model, model.conv_last, lambda: ref.swinir_infer(model, x, padding))
        y = ref.swinir_infer(model, x, padding)
    cfg = {"upscale": scale, "img_size": img_size, "window_size": window, "embed_dim": embed,
           "depths": list(depths), "num_heads": list(heads), "mlp_ratio": 2.0, "upsampler": upsampler,
           "resi_connection": "1conv", "num_feat": num_feat, "img_range": 1.0, "padding": padding}
    save(case, model, cfg, {"input": x, "output": y}, h, w)


def nlsn_case(case, seed, h, w, scale, n_resblocks=8, n_feats=16, res_scale=0.1, chunk=16, hashes=4,
              rot_seed=7):
    torch.manual_seed(seed)
    model = ref.NLSN(scale=scale, n_resblocks=n_resblocks, n_feats=n_feats, res_scale=res_scale,
                     chunk_size=chunk, n_hashes=hashes, reduction=4, rgb_range=1.0)
    model.eval()
    ref.nlsn_set_rotations(model, rot_seed, h, w)
    x = make_input(seed, h, w)
    with torch.no_grad():
        rescale_last(model, model.tail[1], lambda: model(x))
        y = model(x)
    cfg = {"scale": scale, "n_resblocks": n_resblocks, "n_feats": n_feats, "res_scale": res_scale,
           "chunk_size": chunk, "n_hashes": hashes, "reduction": 4, "rgb_range": 1.0, "hash_seed": rot_seed}
    io = {"input": x, "output": y}
    for i, m in model.nlsa_modules():
        io[f"rotations.{i}"] = m.rotations
    save(case, model, cfg, io, h, w)


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    # x2, window 4, BasicSR reflect padding, non-square, sides not multiples of the window
    swinir_case("swinir_x2", 1, 13, 11, 2, "reflect")
    # x4, window 8, official symmetric padding
    swinir_case("swinir_x4", 2, 9, 14, 4, "symmetric", window=8, img_size=16, heads=(2, 4))
    # real-world GAN x4 (nearest+conv), window 4, symmetric padding
    swinir_case("swinir_gan_x4", 3, 10, 7, 4, "symmetric", upsampler="nearest+conv", depths=(2, 3),
                heads=(4, 2))
    # NLSN x2: L = 195 (12 buckets, tail padded by 13), 4 hash rounds
    nlsn_case("nlsn_x2", 4, 15, 13, 2, rot_seed=7)
    # NLSN x4: L = 120 (8 buckets, tail padded by 8), 2 hash rounds, res_scale 0.5
    nlsn_case("nlsn_x4", 5, 12, 10, 4, res_scale=0.5, hashes=2, rot_seed=11)


if __name__ == "__main__":
    main()
