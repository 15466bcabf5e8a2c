#!/usr/bin/env python3
"""Writes manifests/zoo.json: the 205 models of "Fingerprints of Super Resolution Networks".

Plain Python (no torch). Run from the repository root: python3 Scripts/make_zoo.py
Facts come from /work/shared/research/sr-architectures.md (sections 0, 2, 4 and 8); choices the
paper does not state are marked in each entry's "note".
Output: json.dumps(indent=2, sort_keys=True, ensure_ascii=False) plus a newline (the same bytes as
sisr's canonical pretty JSON).
"""
import json
import os

DIV2K_MEAN = [0.4488, 0.4371, 0.404]

CUSTOM_ARCHS = ["EDSR", "RDN", "RCAN", "SwinIR", "NLSN"]
SCALES = [2, 4]
LOSSES = ["L1", "VGG_GAN", "ResNet_GAN"]
DATASETS = [("div2k", 1), ("div2k", 2), ("div2k", 3), ("flickr2k", 1), ("quarter_div2k", 1), ("quarter_flickr2k", 1)]

# Pretrained models exactly as in the paper repo's PSNR table (each followed by -NA-pretrained).
PRETRAINED = [
    "DRN-div2k-x4-L1", "EDSR-div2k-x2-L1", "EDSR-div2k-x4-L1", "ESRGAN-NA-x4-ESRGAN", "EnhanceNet-NA-x4-EnhanceNet",
    "LIIF-div2k-x2-L1", "LIIF-div2k-x4-L1", "NCSR-div2k-x4-NCSR_GAN", "NLSN-div2k-x2-L1", "NLSN-div2k-x4-L1",
    "RCAN-div2k-x2-L1", "RCAN-div2k-x4-L1", "RDN-div2k-x2-L1", "RDN-div2k-x4-L1", "Real_ESRGAN-div2k-x2-GAN",
    "Real_ESRGAN-div2k-x4-GAN", "SAN-div2k-x4-L1", "SPSR-div2k-x4-SPSR_GAN", "SRFBN-NA-x2-L1", "SRFBN-NA-x4-L1",
    "SwinIR-div2k-x2-L1", "SwinIR-div2k-x4-GAN", "SwinIR-div2k-x4-L1", "proSR-div2k-x4-L1", "proSR-div2k-x4-ProSRGAN",
]

RUNNABLE_ENGINES = {"EDSR", "RCAN", "RDN", "RRDBNet", "SwinIR", "NLSN"}
RUNNABLE_ENGINES |= {"SRFBN", "SAN", "DRN", "LIIF"}  # zoo-a (issue 15)
RUNNABLE_ENGINES |= {"proSR", "EnhanceNet", "SPSR", "NCSR"}


def custom_config(arch, scale):
    """BasicSR reference configs (research note sections 2 and 8; the paper's sizes are unknown)."""
    if arch == "EDSR":
        return {"num_feat": 64, "num_block": 16, "res_scale": 1, "img_range": 255, "rgb_mean": DIV2K_MEAN, "upscale": scale}
    if arch == "RCAN":
        return {"num_feat": 64, "num_group": 10, "num_block": 20, "squeeze_factor": 16, "res_scale": 1,
                "img_range": 255, "rgb_mean": DIV2K_MEAN, "upscale": scale}
    if arch == "RDN":  # EDSR-PyTorch RDN config B: G0 = num_feat, D = num_block, C = num_layer, G = num_grow_ch
        return {"num_feat": 64, "num_block": 16, "num_layer": 8, "num_grow_ch": 64, "img_range": 255, "upscale": scale}
    if arch == "SwinIR":
        return swinir(scale, img_size=48, upsampler="pixelshuffle", padding="reflect")
    if arch == "NLSN":
        return {"n_resblocks": 32, "n_feats": 256, "res_scale": 0.1, "chunk_size": 144, "n_hashes": 4,
                "reduction": 4, "rgb_range": 1, "hash_seed": 0, "scale": scale}
    raise ValueError(arch)


def swinir(scale, img_size, upsampler, padding):
    return {"img_size": img_size, "window_size": 8, "embed_dim": 180, "depths": [6] * 6, "num_heads": [6] * 6,
            "mlp_ratio": 2, "img_range": 1, "upsampler": upsampler, "resi_connection": "1conv", "num_feat": 64,
            "padding": padding, "upscale": scale}


def rrdb(scale):
    return {"num_feat": 64, "num_block": 23, "num_grow_ch": 32, "scale": scale}


def weights(file, fmt, layout, container, source, sha256=None):
    return {"file": file, "sha256": sha256, "format": fmt, "key_layout": layout, "container": container,
            "source": source, "seed": None}


def pretrained_spec(arch, scale, loss):
    """(engine, config, weights, note) of a pretrained model (research note section 4). Config keys are
    those of SRModels' architecture configs (BasicSR / official constructor names)."""
    edsr_url = "https://cv.snu.ac.kr/research/EDSR/models/"
    if arch == "EDSR":
        f = {2: "edsr_x2-0edfb8a3.pt", 4: "edsr_x4-4f62e9ef.pt"}[scale]
        cfg = {"num_feat": 256, "num_block": 32, "res_scale": 0.1, "img_range": 255, "rgb_mean": DIV2K_MEAN, "upscale": scale}
        return "EDSR", cfg, weights(f, "pytorch-pth", "edsr-pytorch", "", edsr_url + f), \
            "EDSR-L (256 features, 32 blocks) official weights; sub_mean/add_mean read from the file"
    if arch == "RCAN":
        f = f"RCAN_BIX{scale}.pt"
        return "RCAN", custom_config("RCAN", scale), weights(f, "pytorch-pth", "rcan-official", "", "yulunzhang/RCAN (README links)"), \
            "official RCAN 10x20x64; MeanShift values read from the file"
    if arch == "RDN":
        f = f"rdn_x{scale}.pth"
        cfg = dict(custom_config("RDN", scale), img_range=1)
        return "RDN", cfg, weights(f, "pytorch-pth", "yjn870", "", "yjn870/RDN-pytorch (README links)"), \
            "which PyTorch RDN weights the paper used is unknown; yjn870's port assumed (input in [0,1])"
    if arch == "NLSN":
        f = f"model_x{scale}.pt"
        return "NLSN", custom_config("NLSN", scale), weights(f, "pytorch-pth", "nlsn", "", "HarukiYqM/Non-Local-Sparse-Attention (Google Drive)"), \
            "NLSN hashing draws random rotations per call: outputs are not deterministic unless seeded"
    if arch == "SwinIR" and loss == "L1":
        f = f"001_classicalSR_DIV2K_s48w8_SwinIR-M_x{scale}.pth"
        return "SwinIR", swinir(scale, 48, "pixelshuffle", "symmetric"), \
            weights(f, "pytorch-pth", "swinir", "params", "https://github.com/JingyunLiang/SwinIR/releases/download/v0.0/" + f), None
    if arch == "SwinIR":
        f = "003_realSR_BSRGAN_DFO_s64w8_SwinIR-M_x4_GAN.pth"
        return "SwinIR", swinir(scale, 64, "nearest+conv", "symmetric"), \
            weights(f, "pytorch-pth", "swinir", "params_ema", "https://github.com/JingyunLiang/SwinIR/releases/download/v0.0/" + f), \
            "the paper's SwinIR GAN file is not stated; the only M-size GAN model assumed"
    if arch == "ESRGAN":
        return "RRDBNet", rrdb(4), weights("RRDB_ESRGAN_x4.pth", "pytorch-pth", "esrgan-official", "", "xinntao/ESRGAN (README links)"), None
    if arch == "Real_ESRGAN":
        f = {2: "RealESRGAN_x2plus.pth", 4: "RealESRGAN_x4plus.pth"}[scale]
        tag = {2: "v0.2.1", 4: "v0.1.0"}[scale]
        return "RRDBNet", rrdb(scale), weights(f, "pytorch-pth", "basicsr", "params_ema",
                                               f"https://github.com/xinntao/Real-ESRGAN/releases/download/{tag}/{f}"), \
            "x2 uses pixel-unshuffle input; Real-ESRGAN pads to even size (reflect)" if scale == 2 else None
    spec = zoo_a_spec(arch, scale)
    if spec is not None:
        return spec
    other = {
        "DRN": ("DRNS4x.pt", "pytorch-pth", "drn", "", "guoyongcs/DRN releases", "DRN-S vs DRN-L unknown"),
        "EnhanceNet": ("weights", "tensorflow", "enhancenet-tf1", "", "msmsajjadi/EnhanceNet-Code", "TensorFlow 1 checkpoint"),
        "LIIF": ("edsr-baseline-liif.pth", "pytorch-pth", "liif", "model.sd", "yinboc/liif (Dropbox)", "LIIF encoder (EDSR-baseline or RDN) unknown"),
        "NCSR": ("4X.pth", "pytorch-pth", "srflow", "", "younggeun-kim/NCSR", "normalising flow sampled at heat 0.9 (test.py's default; the paper's is not stated) with SeededRandom latents for the seed"),
        "SAN": ("SAN_BI4X.pt", "pytorch-pth", "edsr-pytorch", "", "daitao/SAN (Google Drive)", None),
        "SPSR": ("spsr.pth", "pytorch-pth", "mmsr", "", "Maclory/SPSR (Google Drive)", None),
        "SRFBN": (f"SRFBN_x{scale}_BI.pth", "pytorch-pth", "srfbn", "state_dict", "Paper99/SRFBN_CVPR19 (Google Drive)", None),
        "proSR": ("proSRGAN_x4.pth" if loss == "ProSRGAN" else "proSR_x4.pth", "pytorch-pth", "prosr", "state_dict",
                  "fperazzi/proSR (Dropbox)", None),
    }[arch]
    f, fmt, layout, container, source, note = other
    config = {"upscale": scale}
    # ProSR's forward argument; NCSR's test.py sampling arguments (heat 0.9, seed 0: the latents are
    # drawn from SeededRandom with this seed, so the output is fixed for it).
    config = {"proSR": {"upscale_factor": scale}, "NCSR": {"scale": scale, "heat": 0.9, "seed": 0}}.get(arch, config)
    return arch, config, weights(f, fmt, layout, container, source), note


# --- zoo-a (issue 15): SRFBN, SAN, DRN, LIIF. Config keys are the official constructors' / options' names.
def zoo_a_spec(arch, scale):
    if arch == "SRFBN":
        f = f"SRFBN_x{scale}_BI.pth"
        cfg = {"in_channels": 3, "out_channels": 3, "num_features": 64, "num_steps": 4, "num_groups": 6,
               "upscale_factor": scale, "act_type": "prelu"}
        return "SRFBN", cfg, weights(f, "pytorch-pth", "srfbn", "state_dict", "Paper99/SRFBN_CVPR19 (Google Drive)"), \
            "official SRFBN (64 features, 4 steps, 6 groups), output of the last step; image in [0,255] as in the official test; " \
            "whole image (the official test chops)"
    if arch == "SAN":
        cfg = {"n_resgroups": 20, "n_resblocks": 10, "n_feats": 64, "reduction": 16, "rgb_range": 255, "scale": scale}
        return "SAN", cfg, weights("SAN_BIX4.pt", "pytorch-pth", "san", "", "daitao/SAN (README: ../model/SAN_BIX4.pt, Google Drive)"), \
            "official SAN 20x10x64; mean shifts read from the file; whole image (the README's test command chops, " \
            "which changes the output: both attentions are global)"
    if arch == "DRN":
        cfg = {"n_blocks": 30, "n_feats": 16, "negval": 0.2, "rgb_range": 255, "scale": scale}
        return "DRN", cfg, weights("DRNS4x.pt", "pytorch-pth", "drn", "", "guoyongcs/DRN releases"), \
            "DRN-S primal model: the file of the official README's x4 test command; the paper does not say S or L. " \
            "DRNL4x.pt (DRN-L, 40 blocks, 20 features) runs by swapping the file and config (sizes are inferred)"
    if arch == "LIIF":
        return "LIIF", {"scale": scale}, weights("edsr-baseline-liif.pth", "pytorch-pth", "liif", "model.sd", "yinboc/liif (Dropbox)"), \
            "one checkpoint serves x2 and x4 (queried at the target size); EDSR-baseline encoder assumed (the README's " \
            "first model, the paper does not say); rdn-liif.pth also runs: the encoder is read from the checkpoint"
    return None
# --- end zoo-a


def entry(name, arch, scale, loss, dataset, seed, pretrained, engine, config, w, note):
    runnable = engine in RUNNABLE_ENGINES
    if not runnable:
        why = f"{engine} is not implemented yet (unavailable)"
        note = why if note is None else f"{why}; {note}"
    return {
        "name": name,
        "labels": {"model": name, "architecture": arch, "scale": f"x{scale}", "loss": loss, "dataset": dataset,
                   "seed": seed, "pretrained": "true" if pretrained else "false",
                   "family": "pretrained" if pretrained else "custom"},
        "scale": scale,
        "architecture": {"engine": engine, "config": config},
        "weights": w,
        "runnable": runnable,
        "note": note,
    }


def main():
    models = []
    for arch in CUSTOM_ARCHS:
        for dataset, seed in DATASETS:
            for scale in SCALES:
                for loss in LOSSES:
                    name = f"{arch}-{dataset}-x{scale}-{loss}-s{seed}"
                    w = weights(f"{name}.pth", "pytorch-pth", "basicsr", "params_ema",
                                "not published: train with BasicSR for 50,000 iterations (paper)")
                    models.append(entry(name, arch, scale, loss, dataset, f"s{seed}", False, arch, custom_config(arch, scale), w,
                                        "custom model: weights were never published; architecture size is BasicSR's reference config (paper does not say)"))
    for base in PRETRAINED:
        arch, dataset, xscale, loss = base.split("-")
        scale = int(xscale[1:])
        engine, config, w, note = pretrained_spec(arch, scale, loss)
        models.append(entry(f"{base}-NA-pretrained", arch, scale, loss, dataset, "NA", True, engine, config, w, note))
    assert len(models) == 205 and len({m["name"] for m in models}) == 205
    zoo = {"format": "sisr-zoo", "format_version": 1, "name": "paper",
           "description": "The 205 models of Fingerprints of Super Resolution Networks (Vonderfecht & Liu, TMLR 2022): "
                          "180 custom (5 architectures x 2 scales x 3 losses x 6 dataset/seed) and 25 pretrained.",
           "models": models}
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    with open(os.path.join(root, "manifests", "zoo.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(zoo, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
