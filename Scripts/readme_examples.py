#!/usr/bin/env python3
"""Runs every example of README.md and python/README.md, and the hints `sisr build` prints, as a new
user would: from a scratch folder outside the repository, with `sisr` on PATH, on the built-in
release. Commands that need what a test machine lacks (weights, photos, the paper's corpus, PyTorch
peers, minutes-long benchmarks, a cluster) are listed as SKIP with the reason; every other command
must exit 0. Exit status: 0 when nothing failed, 1 otherwise.

Usage: python3 Scripts/readme_examples.py [--bin DIR] [--keep]
  --bin DIR  folder holding `sisr` (default: the newest of .build/release and .build/debug)
  --keep     keep the scratch folder (printed) for inspection

Repository-relative paths in a command (`Scripts/`, `Benchmarks/`, `manifests/`) are made absolute,
since a user outside the checkout types the full path. Python blocks run with the checkout's
`python/` on PYTHONPATH (what `pip install ./python` provides).
"""
import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["README.md", "python/README.md"]

# (pattern, reason): a command matching the pattern is not run. Keep each reason specific.
SKIPS = [
    (r"^make (demo|test)", "sets up the checkout itself (make test is what runs this script)"),
    (r"^swift build", "builds the checkout (already built to run this script)"),
    (r"^pip install \./python", "installs from the checkout; these runs use its python/ folder directly"),
    (r"--images photos/", "needs a folder of photos and the paper's weights"),
    (r"--weights weights/", "needs the paper's pretrained weights in weights/"),
    (r"SISR-fingerprints-corpus|^sisr import --finalize", "needs the paper's published corpus"),
    (r"^sisr upscale .*--weights (\S+\.(pth|pt|safetensors)|EnhanceNet-Code/weights)", "needs a downloaded checkpoint"),
    (r"^sisr inspect-weights model\.pth", "needs a checkpoint file"),
    (r"^sisr bench-(models|transformer)", "benchmark: minutes of CPU time"),
    (r"^sisr train ", "trains a network: needs the datasets its option file names (DIV2K), minutes to days of CPU"),
    (r"Benchmarks/|SCRATCH=", "benchmark against PyTorch/Pillow/OpenCV peers: minutes, extra packages"),
    (r"^#SBATCH|^srun |^#!/bin/bash|^# afterwards", "needs a Slurm cluster"),
    (r"^make fuzz|Fuzz/run\.sh|sisr-fuzz", "fuzzing: minutes per harness on the sanitizer build (make test runs each for 20 s)"),
    (r"^sisr prepare lr --hr /data/", "needs the DIV2K/Flickr2K downloads"),
    (r"^sisr prepare photos --input photos/", "needs a folder of photos"),
    (r"sisr_loader\.train.*--weights convnext|^#SBATCH --gres|^srun torchrun", "trains ConvNeXt-Tiny at paper size: ImageNet weights, the paper's corpus, GPUs"),
    (r"sisr_loader\.train|--predictions runs/", "trains ConvNeXt with PyTorch (or scores that run): minutes of CPU (make test-recipe runs the recipe on CPU)"),
    (r"sisr_basicsr\.train|^torchrun |^sbatch |^export PYTHONPATH", "GPU training with BasicSR (a cluster)"),
    (r"^sisr build --zoo manifests/zoo\.json --weights weights ", "needs the 180 trained checkpoints"),
]


def blocks(path):
    """(line number, language, text) of each fenced code block."""
    out, lang, start, lines = [], None, 0, []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.match(r"^```(\w*)\s*$", line)
        if m and lang is None:
            lang, start, lines = m.group(1) or "text", n + 1, []
        elif line.startswith("```") and lang is not None:
            out.append((start, lang, "".join(lines)))
            lang = None
        elif lang is not None:
            lines.append(line)
    return out


def shell_commands(start, text):
    """(line number, command) per logical line (backslash continuations joined, comments dropped)."""
    out, buf, first = [], "", start
    for n, line in enumerate(text.splitlines(), start):
        if not buf:
            first = n
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        cmd = buf.strip()
        buf = ""
        if cmd and not (cmd.startswith("#") and not cmd.startswith("#SBATCH") and not cmd.startswith("#!")):
            out.append((first, cmd))
    return out


def strip_comment(cmd):
    """The command without a trailing `# comment` (outside quotes)."""
    quote = None
    for i, c in enumerate(cmd):
        if c in "'\"" and quote in (None, c):
            quote = None if quote else c
        elif c == "#" and quote is None and (i == 0 or cmd[i - 1] == " "):
            return cmd[:i].rstrip()
    return cmd


# Skipped only when `sisr` is a debug build (minutes there, seconds in a release build).
DEBUG_SKIPS = [
    (r"^sisr baseline prnu", "PRNU denoises every image: minutes in a debug build (run with --bin .build/release)"),
    (r"^sisr baseline cnn", "trains a network: minutes in a debug build (run with --bin .build/release)"),
    (r"^sisr bench-core", "benchmark: slow in a debug build (run with --bin .build/release)"),
]


def skip_reason(cmd, debug=False):
    for pattern, reason in SKIPS + (DEBUG_SKIPS if debug else []):
        if re.search(pattern, cmd):
            return reason
    return None


def missing_module(code):
    """Why a Python block cannot run here: a package it imports that is not installed (PyTorch is
    large and optional; `make test-recipe` installs it), else None."""
    for name in sorted(set(re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", code, re.M))):
        if importlib.util.find_spec(name) is None and not os.path.isdir(os.path.join(REPO, "python", name)):
            return f"needs the Python package {name}, not installed here (pip install {name})"
    return None


def absolute_repo_paths(cmd):
    return re.sub(r"(?<![\w/.])(Scripts|Benchmarks|manifests)/", lambda m: os.path.join(REPO, m.group(1)) + "/", cmd)


def default_bin():
    found = [os.path.join(REPO, ".build", c, "sisr") for c in ("release", "debug")]
    found = [f for f in found if os.path.isfile(f)]
    if not found:
        sys.exit("readme_examples: no .build/{release,debug}/sisr; run `swift build` first")
    return os.path.dirname(max(found, key=os.path.getmtime))


class Runner:
    def __init__(self, bindir, scratch):
        self.scratch, self.failed, self.ran, self.skipped = scratch, [], 0, 0
        self.debug = os.path.basename(os.path.realpath(bindir)) == "debug"
        self.env = dict(os.environ)
        self.env["PATH"] = bindir + os.pathsep + self.env.get("PATH", "")
        self.env["PYTHONPATH"] = os.path.join(REPO, "python") + os.pathsep + self.env.get("PYTHONPATH", "")
        for var in ("SISR_MANIFESTS", "SISR_PROTOCOLS"):  # a new user has neither
            self.env.pop(var, None)

    def run(self, where, cmd, kind="sh"):
        reason = skip_reason(cmd, self.debug) if kind == "sh" else missing_module(cmd)
        shown = cmd if len(cmd) < 110 else cmd[:107] + "..."
        if reason:
            self.skipped += 1
            print(f"SKIP {where}: {shown if kind == 'sh' else '(python block)'}\n     ({reason})")
            return None
        argv = ["bash", "-c", absolute_repo_paths(strip_comment(cmd))] if kind == "sh" else [sys.executable, "-c", cmd]
        t0 = time.time()
        p = subprocess.run(argv, cwd=self.scratch, env=self.env, capture_output=True, text=True)
        self.ran += 1
        status = "ok  " if p.returncode == 0 else "FAIL"
        print(f"{status} {where}: {shown if kind == 'sh' else '(python block)'}  [{time.time() - t0:.1f} s]")
        if p.returncode != 0:
            self.failed.append(where)
            tail = (p.stderr or p.stdout).strip().splitlines()[-6:]
            print("     exit %d: %s" % (p.returncode, "\n     ".join(tail)))
        return p


def hints(output):
    """Commands suggested on `Verify:` / `Inspect:` / `Load:` lines and `When ... done:` sentences."""
    out = []
    for line in output.splitlines():
        m = re.match(r"^(Verify|Inspect|Load):\s+(.*)$", line)
        if m:
            # `CMD   (or: OTHER)` and `CMD   or in Python: EXPR`
            text = re.sub(r"\s{2,}\(or: (.*)\)$", r"\n\1", m.group(2))
            for part in re.split(r"\n|\s{2,}or in Python:\s*", text):
                part = part.strip()
                if part.startswith("sisr_loader."):
                    out.append(("py", "import sisr_loader\nwith " + part + " as loader:\n    next(iter(loader.epoch(0)))"))
                elif part:
                    out.append(("sh", part))
        m = re.search(r"\. Verify: (sisr verify .*)$", line)
        if m:
            out.append(("sh", m.group(1)))
        m = re.search(r"done: (sisr \S+ --finalize .*)$", line)
        if m:
            out.append(("sh", m.group(1)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    bindir = os.path.abspath(args.bin or default_bin())
    scratch = tempfile.mkdtemp(prefix="sisr-readme-")
    assert not os.path.abspath(scratch).startswith(REPO + os.sep), "the scratch folder must be outside the checkout"
    print(f"sisr from {bindir}; running in {scratch}")
    r = Runner(bindir, scratch)
    # Inputs that examples name as placeholders of the user's own small files.
    subprocess.run([os.path.join(bindir, "sisr"), "procedural", "--count", "2", "--width", "128", "--height", "96",
                    os.path.join(scratch, "photos")], check=True, capture_output=True)
    shutil.copy(os.path.join(scratch, "photos", "img000001.png"), os.path.join(scratch, "photo.png"))
    for doc in DOCS:
        for start, lang, text in blocks(os.path.join(REPO, doc)):
            if lang in ("sh", "bash"):
                for n, cmd in shell_commands(start, text):
                    p = r.run(f"{doc}:{n}", cmd)
                    if p is not None and p.returncode == 0 and re.match(r"^sisr build(\s|$)", strip_comment(cmd)):
                        for kind, hint in hints(p.stdout):
                            r.run(f"{doc}:{n} hint", hint, kind)
            elif lang == "python":
                r.run(f"{doc}:{start}", text, "py")
            elif lang in ("swift", "yaml", "text"):
                r.skipped += 1
                print(f"SKIP {doc}:{start}: {lang} block\n     "
                      f"({'Swift API; Tests/DatasetLoaderTests/ReadmeSnippetTests.swift runs it' if lang == 'swift' else 'not a command'})")
    # A build split over two workers: each prints the command that finishes it.
    for w in (0, 1):
        p = r.run(f"hint check (worker {w})", f"sisr build --count 4 --out split-build --worker {w} --workers 2")
    if p is not None and p.returncode == 0:
        for kind, hint in hints(p.stdout):
            r.run("worker hint", hint, kind)
    # `sisr import` on a tiny corpus in the paper's layout (HR folder, one model folder, split files).
    corpus = os.path.join(scratch, "corpus")
    os.makedirs(os.path.join(corpus, "Nearest-NA-x2-NA-NA"))
    shutil.copytree(os.path.join(scratch, "photos"), os.path.join(corpus, "HR-HR-HR-HR-HR"))
    for name in os.listdir(os.path.join(scratch, "photos")):
        shutil.copy(os.path.join(scratch, "photos", name), os.path.join(corpus, "Nearest-NA-x2-NA-NA", name))
    first, second = sorted(n[:-4] for n in os.listdir(os.path.join(scratch, "photos")))[:2]
    for split, ids in (("train", first + "\n"), ("val", ""), ("test", second + "\n")):
        with open(os.path.join(corpus, f"{split}-split.txt"), "w") as f:
            f.write(ids)
    p = r.run("hint check (import)", "sisr import corpus --zoo demo --models Nearest-NA-x2-NA-NA --out imported")
    if p is not None and p.returncode == 0:
        for kind, hint in hints(p.stdout):
            r.run("import hint", hint, kind)
    print(f"\n{r.ran} commands run, {len(r.failed)} failed, {r.skipped} skipped (reasons above)")
    if args.keep:
        print(f"scratch kept: {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    if r.failed:
        print("failed: " + ", ".join(r.failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
