"""The paper's ConvNeXt recipe (python -m sisr_loader.train) for a few steps on CPU on the built-in
default release, then `sisr evaluate` scores its predictions; the 25-pretrained-style second recipe
(--init-from), --resume, --predict under a robustness protocol.

Needs torch and torchvision (skipped, with the reason, without them) and a `swift build`
(libSISRLoaderC and sisr). Run with `make test-recipe`; not part of `make test` (CI has no torch).
"""
import glob
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))
torch = pytest.importorskip("torch", reason="PyTorch is not installed: `python3 -m pip install torch torchvision`")
pytest.importorskip("torchvision", reason="torchvision is not installed: `python3 -m pip install torchvision`")


def find_sisr():
    env = os.environ.get("SISR_BIN")
    if env:
        return env
    found = [f for f in glob.glob(os.path.join(REPO, ".build*", "*", "sisr")) if os.access(f, os.X_OK)]
    return max(found, key=os.path.getmtime) if found else None


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    import sisr_loader
    sisr = find_sisr()
    if sisr is None or sisr_loader.library_path() is None:
        pytest.skip("sisr / libSISRLoaderC not built: run `swift build` first")
    release = tmp_path_factory.mktemp("rel") / "release"
    subprocess.run([sisr, "build", "--out", str(release)], check=True, capture_output=True)  # built-in default
    return sisr, str(release), tmp_path_factory.mktemp("runs")


def train(*args):
    cmd = [sys.executable, "-m", "sisr_loader.train", *args, "--crop", "64", "--workers", "0", "--device", "cpu"]
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"), OMP_NUM_THREADS="2")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return done.stderr


def evaluate(sisr, release, protocol, predictions, out):
    done = subprocess.run([sisr, "evaluate", "--protocol", protocol, "--release", release, "--predictions", predictions,
                           "--out", out], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    with open(out) as f:
        return json.load(f)


def test_help_lists_every_option():
    done = subprocess.run([sys.executable, "-m", "sisr_loader.train", "--help"], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.path.join(REPO, "python")))
    assert done.returncode == 0
    for option in ("--protocol", "--arch", "--weights", "--init-from", "--head-epochs", "--full-epochs", "--lr",
                   "--batch-size", "--crop", "--resume", "--predict", "--max-steps", "--workers", "--device"):
        assert option in done.stdout


def test_recipe_trains_predicts_and_evaluates(setup):
    sisr, release, runs = setup
    out = str(runs / "custom")
    log = train(release, "--protocol", "attribution-demo", "--out", out, "--head-epochs", "1", "--full-epochs", "1",
                "--max-steps", "2")
    assert "random initialisation" in log  # no --weights: says so
    for name in ("last.pt", "best.pt", "history.json", "curves.png", "predictions.jsonl", "summary.json"):
        assert os.path.exists(os.path.join(out, name)), name
    history = json.load(open(os.path.join(out, "history.json")))["records"]
    assert [r["phase"] for r in history] == ["head", "full"]
    assert all(r["train_images"] == 32 for r in history)  # 2 steps of 16
    lines = [json.loads(l) for l in open(os.path.join(out, "predictions.jsonl"))]
    assert len(lines) == 48 and len(lines[0]["scores"]) == 16 and len(lines[0]["features"]) == 768
    report = evaluate(sisr, release, "attribution-demo", os.path.join(out, "predictions.jsonl"), str(runs / "report.json"))
    assert report["overall"]["total"] == 48
    assert report["distanceRatio"] is not None

    # --resume continues after the last finished epoch: one more full epoch.
    log = train(release, "--protocol", "attribution-demo", "--out", out, "--head-epochs", "1", "--full-epochs", "2",
                "--max-steps", "1", "--resume")
    assert "resumed after epoch 1" in log
    assert len(json.load(open(os.path.join(out, "history.json")))["records"]) == 3

    # The second recipe: a new head (2 scale classes) on the trained backbone.
    out2 = str(runs / "from-custom")
    log = train(release, "--protocol", "parsing-demo-scale", "--out", out2, "--init-from", os.path.join(out, "best.pt"),
                "--head-epochs", "1", "--full-epochs", "0", "--max-steps", "1")
    assert "initialised from" in log
    report = evaluate(sisr, release, "parsing-demo-scale", os.path.join(out2, "predictions.jsonl"), str(runs / "r2.json"))
    assert report["overall"]["total"] == 48

    # One classifier scored under a robustness protocol: the same test keys, other (perturbed) inputs.
    def predict(protocol, name):
        train(release, "--protocol", protocol, "--out", str(runs / name), "--predict", os.path.join(out, "best.pt"))
        with open(runs / name / "predictions.jsonl") as f:
            return {row["key"]: row["scores"] for row in map(json.loads, f)}
    clean, perturbed = predict("attribution-demo", "clean"), predict("attribution-demo-yu-jpeg", "jpeg")
    assert perturbed.keys() == clean.keys() and perturbed != clean
    report = evaluate(sisr, release, "attribution-demo-yu-jpeg", str(runs / "jpeg" / "predictions.jsonl"), str(runs / "r3.json"))
    assert report["overall"]["total"] == 48


def test_weights_file_is_loaded_or_refused(setup):
    """--weights takes a torchvision state dict (here a random one in torchvision's layout); a file of
    another architecture and a checkpoint of other classes are refused with the file named."""
    import torchvision
    sisr, release, runs = setup
    good, bad = str(runs / "convnext_tiny-fake.pth"), str(runs / "resnet18-fake.pth")
    torch.save(torchvision.models.convnext_tiny(weights=None).state_dict(), good)
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), bad)
    out = str(runs / "weights")
    log = train(release, "--out", out, "--weights", good, "--head-epochs", "0", "--full-epochs", "0")
    assert f"ImageNet weights: {good}" in log and "random initialisation" not in log
    assert os.path.exists(os.path.join(out, "predictions.jsonl"))
    cmd = [sys.executable, "-m", "sisr_loader.train", release, "--out", str(runs / "bad"), "--crop", "64",
           "--workers", "0", "--device", "cpu"]
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"))
    done = subprocess.run(cmd + ["--weights", bad], capture_output=True, text=True, env=env, cwd=REPO)
    assert done.returncode != 0 and f"{bad}: not convnext_tiny ImageNet weights" in done.stderr
    done = subprocess.run(cmd + ["--protocol", "parsing-demo-scale", "--predict", os.path.join(out, "best.pt")],
                          capture_output=True, text=True, env=env, cwd=REPO)
    assert done.returncode != 0 and "trained for 16 classes of attribution-demo" in done.stderr
