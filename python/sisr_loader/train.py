"""The paper's reference classifier, trained through the loader: ``python -m sisr_loader.train``.

Recipe (Vonderfecht & Liu, TMLR 2022, section 4): an ImageNet-pretrained torchvision ConvNeXt-Tiny
with its last linear layer replaced for the protocol's classes; 3 epochs training only the new head,
then 15 epochs training all weights; Adamax, learning rate 5e-4, batch 16, cross-entropy; 224-pixel
random crops for training, centre crops for validation and test (the loader's crops). The checkpoint
with the best validation accuracy is kept, and its predictions (class scores and penultimate
features) on the test split are written in the format ``sisr evaluate`` reads (docs/FORMAT.md
"Predictions"). The paper's second recipe, the 25-pretrained-model classifier initialised from the
custom-model attribution classifier, is ``--init-from <that run>/best.pt``.

Outputs in ``--out``: ``last.pt`` (for ``--resume``), ``best.pt``, ``epoch-<n>.pt`` (with
``--keep-epochs``), ``history.json``, ``curves.png`` (training and validation loss and accuracy per
epoch), ``predictions.jsonl`` and ``summary.json``.

Multi-GPU: ``torchrun --nproc_per_node=G -m sisr_loader.train ...``; each process reads its share of
every batch through the loader's rank/world (``RANK``/``WORLD_SIZE`` from torchrun), and gradients are
averaged by DistributedDataParallel, so ``--batch-size`` is per process (the paper: 16 in all).
"""
import argparse
import io
import json
import os
import sys
import time

ARCHS = {
    # name: (torchvision constructor, attribute path of the final nn.Linear)
    "convnext_tiny": ("convnext_tiny", ("classifier", 2)),
    "efficientnet_b2": ("efficientnet_b2", ("classifier", 1)),
    "resnet50": ("resnet50", ("fc",)),
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m sisr_loader.train",
        description="Train the paper's ConvNeXt attribution/parsing classifier on a SISR release through "
                    "sisr_loader, and write test-split predictions for `sisr evaluate`.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("release", help="release folder (sisr build / sisr import output)")
    p.add_argument("--protocol", default="attribution-demo",
                   help="protocol name (manifests/protocols) or .json path; robustness protocols "
                        "(e.g. attribution-all-yu-jpeg) perturb only the test images")
    p.add_argument("--out", default="runs/convnext", help="output folder")
    p.add_argument("--arch", default="convnext_tiny", choices=sorted(ARCHS), help="torchvision architecture")
    p.add_argument("--weights", help="torchvision ImageNet weights (.pth state dict, e.g. convnext_tiny-983f1562.pth); "
                                     "without it the network starts from random initialisation (and says so)")
    p.add_argument("--init-from", help="start from this run's checkpoint (best.pt / last.pt) instead of ImageNet "
                                      "weights: every weight but the head, which is new for this protocol's classes "
                                      "(the paper's 25-pretrained classifier from the custom attribution classifier)")
    p.add_argument("--head-epochs", type=int, default=3, help="epochs training only the new head")
    p.add_argument("--full-epochs", type=int, default=15, help="epochs training all weights, after the head epochs")
    p.add_argument("--lr", type=float, default=5e-4, help="Adamax learning rate (both phases)")
    p.add_argument("--batch-size", type=int, default=16, help="images per batch and process")
    p.add_argument("--crop", type=int, default=224,
                   help="square crop side: random crops for training, centre crops for val/test "
                        "(the built-in 128x96 release needs 96 or less)")
    p.add_argument("--hflip", action="store_true", help="also mirror training crops at random (not in the paper)")
    p.add_argument("--seed", type=int, default=0, help="seed of the loader's order and crops, and of torch")
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes per process (0: none)")
    p.add_argument("--threads", type=int, default=1, help="loader decoding threads per worker (0: all cores)")
    p.add_argument("--device", default="auto", help="auto (cuda:<LOCAL_RANK> if available, else cpu), cpu, cuda, cuda:N")
    p.add_argument("--max-steps", type=int, default=0, help="stop each epoch after this many batches (0: whole epoch; for tests)")
    p.add_argument("--resume", action="store_true",
                   help="continue after the last finished epoch of --out/last.pt (same options); starts afresh "
                        "when there is none yet (a requeued cluster job)")
    p.add_argument("--keep-epochs", action="store_true", help="also keep a checkpoint per epoch (epoch-<n>.pt)")
    p.add_argument("--predict", metavar="CHECKPOINT",
                   help="train nothing: load this checkpoint and write the test predictions of --protocol "
                        "(score one classifier under every robustness protocol)")
    p.add_argument("--no-features", action="store_true", help="leave the penultimate features out of the predictions")
    args = p.parse_args(argv)
    for name in ("head_epochs", "full_epochs", "max_steps", "workers", "threads"):
        if getattr(args, name) < 0:
            p.error(f"--{name.replace('_', '-')} must not be negative")
    if args.batch_size < 1 or args.crop < 1 or not args.lr > 0:
        p.error("--batch-size and --crop must be at least 1, --lr positive")
    if args.weights and args.init_from:
        p.error("--weights and --init-from exclude each other (--init-from already holds a trained backbone)")
    return args


def need_torch():
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
    except ImportError as e:
        sys.exit(f"sisr_loader.train needs PyTorch and torchvision ({e}); install them with "
                 "`python3 -m pip install torch torchvision`")


def final_linear(model, arch):
    m = model
    for part in ARCHS[arch][1]:
        m = m[part] if isinstance(part, int) else getattr(m, part)
    return m


def replace_head(model, arch, classes):
    import torch.nn as nn
    path = ARCHS[arch][1]
    parent = model
    for part in path[:-1]:
        parent = parent[part] if isinstance(part, int) else getattr(parent, part)
    old = final_linear(model, arch)
    new = nn.Linear(old.in_features, classes)
    if isinstance(path[-1], int):
        parent[path[-1]] = new
    else:
        setattr(parent, path[-1], new)
    return new


def build_model(args, classes, log):
    import torch
    import torchvision
    model = getattr(torchvision.models, ARCHS[args.arch][0])(weights=None)
    if args.weights:
        state = torch.load(args.weights, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            sys.exit(f"{args.weights}: not {args.arch} ImageNet weights (missing {list(missing)[:5]}, "
                     f"unexpected {list(unexpected)[:5]})")
        log(f"ImageNet weights: {args.weights}")
    elif not args.init_from and not args.predict:
        log(f"no --weights given: {args.arch} starts from random initialisation (the paper fine-tunes "
            "ImageNet weights; pass torchvision's .pth, e.g. convnext_tiny-983f1562.pth)")
    head = replace_head(model, args.arch, len(classes))
    if args.init_from:
        ckpt = torch.load(args.init_from, map_location="cpu", weights_only=False)
        if ckpt.get("arch") != args.arch:
            sys.exit(f"{args.init_from}: a {ckpt.get('arch')} checkpoint, not {args.arch}")
        head_keys = {k for k in ckpt["model"] if k.startswith(head_prefix(model, head))}
        body = {k: v for k, v in ckpt["model"].items() if k not in head_keys}
        missing, unexpected = model.load_state_dict(body, strict=False)
        if unexpected or any(not k.startswith(head_prefix(model, head)) for k in missing):
            sys.exit(f"{args.init_from}: does not fit {args.arch} (missing {missing[:5]}, unexpected {unexpected[:5]})")
        log(f"initialised from {args.init_from} ({len(ckpt['classes'])} classes of {ckpt['protocol']}); new head for {len(classes)} classes")
    return model, head


def head_prefix(model, head):
    for name, module in model.named_modules():
        if module is head:
            return name + "."
    raise RuntimeError("head not found")


def loader_options(args, split, rank, world, protocol, train):
    o = dict(split=split, protocol=protocol, batch_size=args.batch_size, patch=args.crop, seed=args.seed,
             normalize=True, rank=rank, world=world, crop="random" if train else "center", shuffle=train)
    if train:
        o["hflip"] = args.hflip
    else:
        o["tail"] = "partial" if world == 1 else "wrap"
    return o


def split_available(release, options):
    from .loader import Loader, LoaderError
    try:
        with Loader(release, **options) as loader:
            return loader.classes, len(loader), loader.samples
    except LoaderError as e:
        if "is empty" in str(e):
            return None
        raise


def batches(args, options, epoch):
    import torch
    from torch.utils.data import DataLoader
    from .torch_dataset import SISRIterableDataset
    ds = SISRIterableDataset(args.release, epoch=epoch, threads=args.threads, **options)
    return DataLoader(ds, batch_size=None, num_workers=args.workers, persistent_workers=False,
                      pin_memory=torch.cuda.is_available())


def evaluate(args, model, head, options, device, features=False):
    """Loss, accuracy and per-sample (key, scores, features) over a val/test split (all ranks gathered)."""
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    captured = {}
    hook = head.register_forward_hook(lambda m, inp, out: captured.__setitem__("x", inp[0])) if features else None
    model.eval()
    rows, loss_sum, n = {}, 0.0, 0
    with torch.no_grad():
        for step, (images, labels, keys) in enumerate(batches(args, options, 0)):
            if args.max_steps and step >= args.max_steps and not features:
                break
            images, labels = images.to(device), labels.to(device)
            logits = model(images).float()
            losses = F.cross_entropy(logits, labels, reduction="none").cpu()
            probs = torch.softmax(logits, dim=1).cpu()
            feats = captured["x"].float().flatten(1).cpu() if features else None
            for i, key in enumerate(keys):
                if key in rows:
                    continue  # wrap-around padding of the last batch
                rows[key] = (int(labels[i]), probs[i].tolist(), feats[i].tolist() if features else None)
                loss_sum += float(losses[i])
                n += 1
    if hook:
        hook.remove()
    if dist.is_available() and dist.is_initialized():
        parts = [None] * dist.get_world_size()
        dist.all_gather_object(parts, rows)
        merged = {}
        for part in parts:
            merged.update(part)
        rows = merged
        n = len(rows)
        loss_sum = None
    correct = sum(1 for label, scores, _ in rows.values() if max(range(len(scores)), key=scores.__getitem__) == label)
    total = len(rows)
    return {"loss": (loss_sum / n) if loss_sum is not None and n else None,
            "accuracy": correct / total if total else None, "count": total}, rows


def write_predictions(path, rows, classes, with_features):
    lines = []
    for key in sorted(rows, key=str.encode):
        _, scores, feats = rows[key]
        best = max(range(len(scores)), key=scores.__getitem__)  # ties: smallest class index
        obj = {"key": key, "label": classes[best], "scores": [float(s) for s in scores]}
        if with_features and feats is not None:
            obj["features"] = [float(f) for f in feats]
        lines.append(json.dumps(obj, sort_keys=True, separators=(",", ":")))
    atomic_write(path, ("\n".join(lines) + "\n").encode())


def atomic_write(path, data):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save(obj, path):
    import torch
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write(path, buf.getvalue())


def plot_curves(history, path):
    """Loss (left) and accuracy (right) per epoch, training in blue and validation in orange (Pillow)."""
    from PIL import Image, ImageDraw
    w, h, pad = 900, 340, 40
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    panels = [("loss", [("train_loss", (31, 119, 180)), ("val_loss", (255, 127, 14))]),
              ("accuracy", [("train_accuracy", (31, 119, 180)), ("val_accuracy", (255, 127, 14))])]
    epochs = [r["epoch"] for r in history]
    for p, (title, series) in enumerate(panels):
        x0, x1, y0, y1 = pad + p * (w // 2), (p + 1) * (w // 2) - 10, 30, h - pad
        d.rectangle([x0, y0, x1, y1], outline=(0, 0, 0))
        values = [r[k] for r in history for k, _ in series if r.get(k) is not None]
        lo, hi = (0.0, 1.0) if title == "accuracy" else ((min(values), max(values)) if values else (0.0, 1.0))
        if hi - lo < 1e-12:
            hi = lo + 1
        d.text((x0, 8), f"{title} per epoch (blue: train, orange: val); {lo:.3g} .. {hi:.3g}", fill=(0, 0, 0))
        n = max(len(epochs) - 1, 1)
        for key, colour in series:
            pts = [(x0 + (x1 - x0) * i / n, y1 - (y1 - y0) * (r[key] - lo) / (hi - lo))
                   for i, r in enumerate(history) if r.get(key) is not None]
            if len(pts) > 1:
                d.line(pts, fill=colour, width=2)
            for x, y in pts:
                d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        if epochs:
            d.text((x0, y1 + 6), f"epoch {epochs[0]}", fill=(0, 0, 0))
            d.text((x1 - 60, y1 + 6), f"epoch {epochs[-1]}", fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    atomic_write(path, buf.getvalue())


def setup_distributed(args):
    import torch
    import torch.distributed as dist
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if args.device == "auto":
        device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def main(argv=None):
    args = parse_args(argv)
    need_torch()
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F

    rank, world, device = setup_distributed(args)
    is_main = rank == 0

    def log(msg):
        if is_main:
            print(f"[train] {msg}", file=sys.stderr, flush=True)

    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    last_path, best_path = os.path.join(args.out, "last.pt"), os.path.join(args.out, "best.pt")
    train_opts = loader_options(args, "train", rank, world, args.protocol, True)
    val_opts = loader_options(args, "val", rank, world, args.protocol, False)
    test_opts = loader_options(args, "test", rank, world, args.protocol, False)
    from .loader import Loader
    with Loader(args.release, **test_opts) as probe:
        classes = probe.classes

    if args.predict:
        ckpt = torch.load(args.predict, map_location="cpu", weights_only=False)
        if ckpt["classes"] != classes:
            sys.exit(f"{args.predict}: trained for {len(ckpt['classes'])} classes of {ckpt['protocol']}, "
                     f"protocol {args.protocol} has {len(classes)} ({classes[:3]}...)")
        args.arch = ckpt["arch"]
        model, head = build_model(args, classes, log)
        model.load_state_dict(ckpt["model"])
        model.to(device)
        metrics, rows = evaluate(args, model, head, test_opts, device, features=not args.no_features)
        if is_main:
            path = os.path.join(args.out, "predictions.jsonl")
            write_predictions(path, rows, classes, not args.no_features)
            log(f"{args.protocol} test: accuracy {metrics['accuracy']:.4f} on {metrics['count']} images -> {path}")
        return 0

    val_available = split_available(args.release, val_opts) is not None
    if not val_available:
        log("the val split is empty for this protocol: best.pt is the last epoch's checkpoint")
    model, head = build_model(args, classes, log)
    model.to(device)
    ddp = model

    def wrap():  # DistributedDataParallel over the parameters the phase trains (rebuilt at each phase)
        if world == 1:
            return model
        return torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    head_params = list(head.parameters())
    total_epochs = args.head_epochs + args.full_epochs
    history, start_epoch, best_acc, optimizer, phase = [], 0, -1.0, None, None

    def make_optimizer(new_phase):
        for prm in model.parameters():
            prm.requires_grad = new_phase == "full"
        for prm in head_params:
            prm.requires_grad = True
        params = head_params if new_phase == "head" else list(model.parameters())
        return torch.optim.Adamax(params, lr=args.lr)

    if args.resume and not os.path.exists(last_path):
        log(f"--resume: no {last_path} yet, starting from the beginning")
    elif args.resume:
        ckpt = torch.load(last_path, map_location="cpu", weights_only=False)
        if ckpt["classes"] != classes or ckpt["arch"] != args.arch:
            sys.exit(f"--resume: {last_path} is a {ckpt['arch']} run of {ckpt['protocol']}, not {args.arch} on {args.protocol}")
        model.load_state_dict(ckpt["model"])
        phase = ckpt["phase"]
        optimizer = make_optimizer(phase)
        optimizer.load_state_dict(ckpt["optimizer"])
        history, start_epoch, best_acc = ckpt["history"], ckpt["epoch"] + 1, ckpt["best_accuracy"]
        torch.set_rng_state(ckpt["torch_rng"])
        log(f"resumed after epoch {ckpt['epoch']} ({phase} phase) from {last_path}")

    for epoch in range(start_epoch, total_epochs):
        want = "head" if epoch < args.head_epochs else "full"
        if want != phase or ddp is model and world > 1:
            if want != phase:
                phase, optimizer = want, make_optimizer(want)
            ddp = wrap()
            log(f"epoch {epoch}: {'training the new head only' if want == 'head' else 'training all weights'} (Adamax lr {args.lr})")
        model.train()
        t0, seen, loss_sum, correct = time.time(), 0, 0.0, 0
        for step, (images, labels, _) in enumerate(batches(args, train_opts, epoch)):
            if args.max_steps and step >= args.max_steps:
                break
            images, labels = images.to(device, non_blocking=True), labels.to(device, non_blocking=True)
            logits = ddp(images)
            loss = F.cross_entropy(logits, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            seen += len(labels)
            loss_sum += loss.item() * len(labels)
            correct += int((logits.argmax(1) == labels).sum())
        if world > 1:  # every rank's share of the epoch
            totals = torch.tensor([seen, loss_sum, correct], dtype=torch.float64, device=device)
            dist.all_reduce(totals)
            seen, loss_sum, correct = int(totals[0]), float(totals[1]), int(totals[2])
        record = {"epoch": epoch, "phase": phase, "train_loss": loss_sum / max(seen, 1),
                  "train_accuracy": correct / max(seen, 1), "train_images": seen, "seconds": round(time.time() - t0, 3)}
        if val_available:
            metrics, _ = evaluate(args, model, head, val_opts, device)
            record.update(val_loss=metrics["loss"], val_accuracy=metrics["accuracy"], val_images=metrics["count"])
        history.append(record)
        acc = record.get("val_accuracy")
        improved = acc is None or acc > best_acc
        if improved and acc is not None:
            best_acc = acc
        if is_main:
            state = {"arch": args.arch, "classes": classes, "protocol": args.protocol, "model": model.state_dict(),
                     "optimizer": optimizer.state_dict(), "phase": phase, "epoch": epoch, "history": history,
                     "best_accuracy": best_acc, "torch_rng": torch.get_rng_state(), "args": vars(args)}
            save(state, last_path)
            if args.keep_epochs:
                save(state, os.path.join(args.out, f"epoch-{epoch:03d}.pt"))
            if improved:
                save({k: state[k] for k in ("arch", "classes", "protocol", "model", "epoch", "history")}, best_path)
            atomic_write(os.path.join(args.out, "history.json"), (json.dumps({"records": history}, indent=2) + "\n").encode())
            plot_curves(history, os.path.join(args.out, "curves.png"))
            val_loss = f" loss {record['val_loss']:.4f}" if record.get("val_loss") is not None else ""
            val = f", val{val_loss} accuracy {record['val_accuracy']:.4f}" if val_available else ""
            log(f"epoch {epoch} ({phase}): train loss {record['train_loss']:.4f} accuracy {record['train_accuracy']:.4f} "
                f"on {seen} images in {record['seconds']:.1f} s{val}{' (best)' if improved else ''}")
        if world > 1:
            dist.barrier()

    if total_epochs == 0 or not os.path.exists(best_path):
        if is_main:
            save({"arch": args.arch, "classes": classes, "protocol": args.protocol, "model": model.state_dict(),
                  "epoch": -1, "history": history}, best_path)
        if world > 1:
            dist.barrier()
    best = torch.load(best_path, map_location="cpu", weights_only=False)
    model.load_state_dict(best["model"])
    metrics, rows = evaluate(args, model, head, test_opts, device, features=not args.no_features)
    if is_main:
        path = os.path.join(args.out, "predictions.jsonl")
        write_predictions(path, rows, classes, not args.no_features)
        summary = {"protocol": args.protocol, "arch": args.arch, "classes": len(classes), "best_epoch": best["epoch"],
                   "test_accuracy": metrics["accuracy"], "test_images": metrics["count"], "predictions": path}
        atomic_write(os.path.join(args.out, "summary.json"), (json.dumps(summary, indent=2) + "\n").encode())
        log(f"best epoch {best['epoch']}; test accuracy {metrics['accuracy']:.4f} on {metrics['count']} images -> {path}")
        log(f"score it: sisr evaluate --protocol {args.protocol} --release {args.release} --predictions {path}")
    if world > 1:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
