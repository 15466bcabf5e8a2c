#!/usr/bin/env python3
"""Writes manifests/protocols/*.json: one file per experiment of the paper (and a few for the demo zoo).

`paper` is filled from manifests/paper-results/<name>.json when that file exists (the table, and the
ConvNeXt `accuracy` as a fraction); protocols without paper results (the extra withheld values, the demo
protocols) get `"paper": null`.

Label values are those of manifests/zoo.json (custom family: 5 architectures x 2 scales x 3 losses x
4 datasets; seeds s1-s3 on div2k). With --zoo FILE the values are read from that zoo instead, and the
script stops if they differ from the built-in lists below. Schema: docs in manifests/protocols/README.md.

Robustness protocols (`<base>-jpeg75`, `<base>-yu-<attack>`) add a `perturbation` that the loader
applies to the test images, at the strengths of Yu et al., "Attributing Fake Images to GANs" (ICCV
2019, arXiv 1811.08180, section "Robustness"): noise variance U[5, 20], blur kernel from {1, 3, 5, 7, 9},
cropping 5-20 % of each side then resizing back, JPEG quality U[10, 75], relighting, and their
combination (each attack with probability 0.5, in the order relighting, cropping, blur, JPEG, noise).
Relighting is our stand-in (Yu et al. used SfSNet, a face model): strength U[0.1, 0.4].
"""
import argparse
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VALUES = {
    "architecture": ["EDSR", "NLSN", "RCAN", "RDN", "SwinIR"],
    "scale": ["x2", "x4"],
    "loss": ["L1", "ResNet_GAN", "VGG_GAN"],
    "dataset": ["div2k", "flickr2k", "quarter_div2k", "quarter_flickr2k"],
}
WITHHELD = dict(VALUES, seed=["s1", "s2", "s3"])
DEMO_ARCHITECTURES = ["Bicubic", "Bilinear", "EDSR", "Lanczos3", "Nearest", "RCAN", "RDN", "RRDBNet"]


def paper_reference(name):
    path = os.path.join(ROOT, "manifests", "paper-results", name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        results = json.load(f)["results"]
    overall = [r for r in results if r["metric"] == "accuracy" and r["method"].startswith("ConvNeXt")]
    chosen = overall[0] if overall else results[0]
    return {"table": chosen["table"], "accuracy": round(overall[0]["value"] / 100, 6) if overall else None}


def proto(name, description, models, label, withheld=None, table=None):
    return {"name": name, "description": description, "models": models, "label": label,
            "withheld": withheld, "paper": paper_reference(name)}


YU_ATTACKS = {
    "noise": ({"kind": "noise", "variance": {"uniform": [5.0, 20.0]}}, "Gaussian noise of variance U[5, 20]"),
    "blur": ({"kind": "blur", "kernel": {"choice": [1, 3, 5, 7, 9]}}, "Gaussian blur with a kernel of 1, 3, 5, 7 or 9 pixels"),
    "crop": ({"kind": "crop", "fraction": {"uniform": [0.05, 0.2]}}, "5-20 % of each side cropped away, resized back"),
    "jpeg": ({"kind": "jpeg", "quality": {"uniform": [10, 75]}}, "JPEG quality U[10, 75]"),
    "relight": ({"kind": "relight", "strength": {"uniform": [0.1, 0.4]}}, "relighting of strength U[0.1, 0.4] (a stand-in for SfSNet)"),
}
COMBINATION = ["relight", "crop", "blur", "jpeg", "noise"]
ROBUSTNESS_BASES = ["attribution-demo", "attribution-all"]


def perturbed(base, suffix, steps, what):
    p = dict(base, name=f"{base['name']}-{suffix}", paper=None)
    p["description"] = f"{base['description'][:-1]}; test images perturbed: {what} (Yu et al., ICCV 2019)."
    p["perturbation"] = {"seed": 0, "splits": ["test"], "steps": steps}
    return p


def robustness(base):
    out = [perturbed(base, "jpeg75", [{"kind": "jpeg", "quality": 75}], "JPEG quality 75")]
    for name, (step, what) in YU_ATTACKS.items():
        out.append(perturbed(base, f"yu-{name}", [step], what))
    steps = [dict(YU_ATTACKS[n][0], probability=0.5) for n in COMBINATION]
    out.append(perturbed(base, "yu-combination", steps, "each of relighting, cropping, blur, JPEG and noise with probability 0.5, in that order"))
    return out


def protocols():
    out = [
        proto("attribution-custom", "Model attribution among the 180 custom models (label = model).",
              {"family": ["custom"]}, "model", table="model attribution, custom models"),
        proto("attribution-pretrained", "Model attribution among the 25 pretrained models (label = model).",
              {"family": ["pretrained"]}, "model", table="model attribution, pretrained models"),
        proto("attribution-all", "Model attribution among all 205 models (label = model).",
              {"family": ["custom", "pretrained"]}, "model", table="model attribution, all models"),
        proto("seed-triplets", "Attribution among the 90 custom DIV2K models, which form 30 triplets differing only "
              "by training seed (s1, s2, s3); score with seed-triplet accuracy.",
              {"family": ["custom"], "dataset": ["div2k"]}, "model", table="seed triplets"),
    ]
    for label in ["scale", "loss", "architecture", "dataset"]:
        out.append(proto(f"parsing-{label}", f"Model parsing: predict the {label} of the custom model that made the image.",
                         {"family": ["custom"]}, label, table=f"model parsing, {label}"))
        for parameter, values in WITHHELD.items():
            if parameter == label:
                continue
            for value in values:
                out.append(proto(
                    f"parsing-{label}-without-{parameter}-{value}",
                    f"Model parsing of {label}, generalising to unseen {parameter}: train and validate on custom models "
                    f"whose {parameter} is not {value}; test only on those whose {parameter} is {value}.",
                    {"family": ["custom"]}, label, {"parameter": parameter, "value": value},
                    table=f"model parsing of {label} with {parameter} {value} withheld"))
    out.append(proto("attribution-demo", "Built-in default release: attribution among the demo models (label = model).",
                     {"family": ["demo"]}, "model"))
    out.append(proto("parsing-demo-scale", "Built-in default release: predict the scale of the demo model.",
                     {"family": ["demo"]}, "scale"))
    out.append(proto("parsing-demo-loss", "Built-in default release: predict the loss family of the demo x4 network "
                     "(L1, or perceptual with a seeded random VGG19 + GAN: RandVGG_GAN) across its four architectures.",
                     {"family": ["demo"], "scale": ["x4"], "loss": ["L1", "RandVGG_GAN"]}, "loss"))
    for arch in DEMO_ARCHITECTURES:
        out.append(proto(f"parsing-demo-scale-without-architecture-{arch}",
                         f"Built-in default release: predict the scale; train without {arch}, test only on {arch}.",
                         {"family": ["demo"]}, "scale", {"parameter": "architecture", "value": arch}))
    by_name = {p["name"]: p for p in out}
    for base in ROBUSTNESS_BASES:
        out += robustness(by_name[base])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--zoo", help="check the label values against this zoo JSON")
    ap.add_argument("--out", default=os.path.join(ROOT, "manifests", "protocols"))
    args = ap.parse_args()
    if args.zoo:
        with open(args.zoo) as f:
            custom = [m["labels"] for m in json.load(f)["models"] if m["labels"]["family"] == "custom"]
        for k, v in VALUES.items():
            found = sorted({m[k] for m in custom}, key=str.encode)
            if found != v:
                raise SystemExit(f"zoo {args.zoo} has {k} values {found}, this script expects {v}")
    os.makedirs(args.out, exist_ok=True)
    for p in protocols():
        with open(os.path.join(args.out, p["name"] + ".json"), "w") as f:
            json.dump(p, f, indent=2, sort_keys=True)
            f.write("\n")
    print(f"wrote {len(protocols())} protocols to {args.out}")


if __name__ == "__main__":
    main()
