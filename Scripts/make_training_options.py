#!/usr/bin/env python3
"""Writes manifests/training/: one BasicSR 1.4.2 option file per custom model of manifests/zoo.json,
and index.tsv (array task -> GPUs -> file) for the cluster launchers (docs/training.md).

Every value here that the paper does not state is listed, with its source, in
manifests/training/README.md. Run from anywhere: python3 Scripts/make_training_options.py
Standard library only (the YAML is written by hand, in the layout of BasicSR's options/train files).
"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "manifests", "training")

TOTAL_ITER = 50000  # the paper: 50,000 iterations per model
GT_SIZE = 128  # VGGStyleDiscriminator accepts 128 or 256 only; one size for all three losses
BATCH = 16  # total per iteration (BasicSR's EDSR/RCAN/ESRGAN reference files)

# Architecture-specific choices (BasicSR reference options; the official repositories for RDN, NLSN).
ARCH = {
    "EDSR": {"lr": "1e-4", "gpus": 1},
    "RCAN": {"lr": "1e-4", "gpus": 1},
    "RDN": {"lr": "1e-4", "gpus": 1},
    "SwinIR": {"lr": "2e-4", "gpus": 4},
    "NLSN": {"lr": "1e-4", "gpus": 4},
}

# Training data per dataset label: (BasicSR dataset name, HR folder, LR folder stem, meta_info file).
DATASETS = {
    "div2k": ("DIV2K", "datasets/DIV2K/DIV2K_train_HR", "datasets/DIV2K/DIV2K_train_LR_bicubic", "div2k.txt"),
    "quarter_div2k": (
        "DIV2K_quarter", "datasets/DIV2K/DIV2K_train_HR", "datasets/DIV2K/DIV2K_train_LR_bicubic", "quarter_div2k.txt"),
    "flickr2k": ("Flickr2K", "datasets/Flickr2K/Flickr2K_HR", "datasets/Flickr2K/Flickr2K_LR_bicubic", "flickr2k.txt"),
    "quarter_flickr2k": (
        "Flickr2K_quarter", "datasets/Flickr2K/Flickr2K_HR", "datasets/Flickr2K/Flickr2K_LR_bicubic",
        "quarter_flickr2k.txt"),
}

# The generator keys BasicSR (or sisr_basicsr) takes beyond the zoo's engine configuration.
EXTRA_G = {
    "EDSR": {"num_in_ch": 3, "num_out_ch": 3},
    "RCAN": {"num_in_ch": 3, "num_out_ch": 3},
    "RDN": {"num_in_ch": 3, "num_out_ch": 3},
    "SwinIR": {"in_chans": 3},
    "NLSN": {},
}
# Engine-only keys (inference padding, fixed head width) that are not constructor arguments.
ENGINE_ONLY = {"SwinIR": {"padding", "num_feat"}}


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "~"
    if isinstance(v, float):
        r = repr(v)
        return r if "." in r and "e" not in r else "!!float " + r
    if isinstance(v, list):
        return "[" + ", ".join(scalar(x) for x in v) + "]"
    if isinstance(v, str) and v.startswith("!!float "):
        return v
    if isinstance(v, str):
        return "'" + v + "'" if any(c in v for c in "{}:#") else v
    return str(v)


def emit(obj, indent=0):
    lines = []
    for k, v in obj.items():
        pad = "  " * indent
        if isinstance(v, dict):
            lines.append(f"{pad}{k}:")
            lines.extend(emit(v, indent + 1))
        else:
            lines.append(f"{pad}{k}: {scalar(v)}")
    return lines


def network_g(model):
    arch = model["architecture"]["engine"]
    config = {k: v for k, v in model["architecture"]["config"].items() if k not in ENGINE_ONLY.get(arch, set())}
    g = {"type": arch}
    g.update(EXTRA_G[arch])
    for k in sorted(config):
        v = config[k]
        g[k] = float(v) if k in ("img_range", "res_scale", "mlp_ratio", "rgb_range") else v
    return g


def dataset(label, scale, gpus):
    name, hr, lr, meta = DATASETS[label]
    return {
        "name": name,
        "type": "PairedImageDataset",
        "dataroot_gt": hr,
        "dataroot_lq": f"{lr}/X{scale}",
        "meta_info_file": f"manifests/training/meta_info/{meta}",
        "filename_tmpl": "{}" + f"x{scale}",
        "io_backend": {"type": "disk"},
        "gt_size": GT_SIZE,
        "use_hflip": True,
        "use_rot": True,
        "num_worker_per_gpu": 6,
        "batch_size_per_gpu": BATCH // gpus,
        "dataset_enlarge_ratio": 100,
    }



def options(model):
    labels = model["labels"]
    arch, scale, loss = labels["architecture"], model["scale"], labels["loss"]
    seed = int(labels["seed"].lstrip("s"))
    a = ARCH[arch]
    adam = {"type": "Adam", "lr": "!!float " + a["lr"], "weight_decay": 0, "betas": [0.9, 0.99]}
    train = {
        "ema_decay": 0.999,
        "optim_g": dict(adam),
    }
    if loss != "L1":
        train["optim_d"] = {**adam, "lr": "!!float 1e-4"}
    train["scheduler"] = {"type": "MultiStepLR", "milestones": [TOTAL_ITER], "gamma": 0.5}
    train["total_iter"] = TOTAL_ITER
    train["warmup_iter"] = -1
    if loss == "L1":
        train["pixel_opt"] = {"type": "L1Loss", "loss_weight": 1.0, "reduction": "mean"}
    elif loss == "VGG_GAN":
        train["perceptual_opt"] = {
            "type": "PerceptualLoss", "layer_weights": {"relu5_4": 1.0}, "vgg_type": "vgg19", "use_input_norm": True,
            "range_norm": False, "perceptual_weight": 1.0, "style_weight": 0, "criterion": "l2",
        }
    elif loss == "ResNet_GAN":
        train["perceptual_opt"] = {
            "type": "ResNetPerceptualLoss", "layer_weights": {"layer3": 1.0}, "resnet_type": "resnet18",
            "use_input_norm": True, "range_norm": False, "perceptual_weight": 1.0, "criterion": "l2",
        }
    else:
        raise SystemExit(f"{model['name']}: unknown loss {loss}")
    if loss != "L1":
        train["gan_opt"] = {
            "type": "GANLoss", "gan_type": "vanilla", "real_label_val": 1.0, "fake_label_val": 0.0,
            "loss_weight": "!!float 1e-3",
        }
        train["net_d_iters"] = 1
        train["net_d_init_iters"] = 0
    opts = {
        "name": model["name"],
        "model_type": "SRModel" if loss == "L1" else "SRGANModel",
        "scale": scale,
        "num_gpu": a["gpus"],
        "manual_seed": seed,
        "datasets": {
            "train": dataset(labels["dataset"], scale, a["gpus"]),
            "val": {
                "name": "DIV2K_val",
                "type": "PairedImageDataset",
                "dataroot_gt": "datasets/DIV2K/DIV2K_valid_HR",
                "dataroot_lq": f"datasets/DIV2K/DIV2K_valid_LR_bicubic/X{scale}",
                "filename_tmpl": "{}" + f"x{scale}",
                "io_backend": {"type": "disk"},
            },
        },
        "network_g": network_g(model),
    }
    if loss != "L1":
        opts["network_d"] = {"type": "VGGStyleDiscriminator", "num_in_ch": 3, "num_feat": 64, "input_size": GT_SIZE}
    opts["path"] = {"pretrain_network_g": None, "strict_load_g": True, "resume_state": None}
    opts["train"] = train
    opts["val"] = {
        "val_freq": "!!float 1e4",
        "save_img": False,
        "metrics": {"psnr": {"type": "calculate_psnr", "crop_border": scale, "test_y_channel": False}},
    }
    opts["logger"] = {"print_freq": 100, "save_checkpoint_freq": "!!float 5e3", "use_tb_logger": True}
    return opts


def main():
    with open(os.path.join(ROOT, "manifests", "zoo.json")) as f:
        zoo = json.load(f)
    custom = [m for m in zoo["models"] if m["labels"]["family"] == "custom"]
    assert len(custom) == 180, len(custom)
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".yml"):
            os.remove(os.path.join(OUT, old))
    index = []
    for m in custom:
        text = "# Generated by Scripts/make_training_options.py from manifests/zoo.json; assumptions: README.md.\n"
        text += "\n".join(emit(options(m))) + "\n"
        with open(os.path.join(OUT, m["name"] + ".yml"), "w") as f:
            f.write(text)
        index.append((ARCH[m["labels"]["architecture"]]["gpus"], m["name"]))
    # 1-GPU models first, then 4-GPU ones, so each group is one contiguous array range.
    index.sort(key=lambda e: (e[0], e[1]))
    with open(os.path.join(OUT, "index.tsv"), "w") as f:
        f.write("task\tgpus\toptions\n")
        for i, (gpus, name) in enumerate(index):
            f.write(f"{i}\t{gpus}\tmanifests/training/{name}.yml\n")
    print(f"wrote {len(custom)} option files and index.tsv to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
