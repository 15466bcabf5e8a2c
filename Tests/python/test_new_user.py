"""What a new Python user meets (issue 13): option checks with the valid choices, protocol lookup
from any folder, messages for small images, empty splits and unfinished builds, which library is used."""
import json
import os
import shutil
import subprocess
import sys

import pytest

import sisr_loader
from sisr_loader import Loader, LoaderError

from conftest import REPO, find_sisr


def test_unknown_options_are_refused_with_the_valid_ones(release):
    with pytest.raises(LoaderError, match=r'unknown option "batchsize" \(did you mean batch_size\?\); valid options: split'):
        Loader(release, batchsize=8, patch=32)


@pytest.mark.parametrize("options, message", [
    (dict(layout="nhwc"), 'option layout: "nhwc" is not one of float32-nchw, uint8-nhwc'),
    (dict(tail="pad"), 'option tail: "pad" is not one of wrap, drop, partial'),
    (dict(split="validation"), 'option split: "validation" is not one of train, val, test'),
    (dict(threads=-3), "threads must be 0 (one thread per core) or a positive number, not -3"),
    (dict(batch_size="8"), "option batch_size must be an integer (got 8)"),
    (dict(hflip="yes"), "option hflip must be true or false (got yes)"),
])
def test_invalid_values_name_the_valid_choices(release, options, message):
    with pytest.raises(LoaderError) as e:
        Loader(release, patch=32, **options)
    assert message in str(e.value)
    assert "DecodingError" not in str(e.value)


def test_threads_zero_means_all_cores(release):
    with Loader(release, patch=32, threads=0) as loader:
        assert len(loader) > 0


def test_patch_larger_than_the_smallest_image_fails_at_open(release):
    # conftest's release has 80x72 images: 224 cannot fit, and the message says what can.
    with pytest.raises(LoaderError, match=r"the 224-pixel patch is larger than the smallest selected image, 80x72.*patch=72"):
        Loader(release)


def test_protocol_names_work_from_any_folder(release, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SISR_PROTOCOLS", raising=False)
    monkeypatch.delenv("SISR_MANIFESTS", raising=False)
    with Loader(release, split="train", protocol="attribution-demo", patch=32) as loader:
        assert len(loader.classes) == 20  # the demo zoo: 8 classical upsamplers + 12 trained networks
    with pytest.raises(LoaderError) as e:
        Loader(release, protocol="attribution-dem", patch=32)
    assert "Did you mean attribution-demo" in str(e.value) and "Known protocols: " in str(e.value)


def test_protocol_dirs_are_searched_first(release, tmp_path):
    (tmp_path / "mine.json").write_text(json.dumps({"name": "mine", "description": "", "models": {"family": ["demo"]},
                                                    "label": "scale", "withheld": None}))
    with Loader(release, protocol="mine", protocol_dirs=[str(tmp_path)], patch=32) as loader:
        assert loader.classes == ["x2", "x4"]


def test_unfinished_build_is_reported(tmp_path):
    sisr = find_sisr()
    if sisr is None:
        pytest.skip("sisr not built")
    out = tmp_path / "unfinished"
    subprocess.run([sisr, "build", "--out", str(out), "--count", "4", "--size", "40x32", "--samples-per-shard", "8",
                    "--worker", "0", "--workers", "2"], check=True, capture_output=True)
    with pytest.raises(LoaderError, match=r"unfinished build, \d+ of \d+ shards done; rerun the same command"):
        Loader(str(out), patch=32)


def test_empty_split_is_refused(tmp_path):
    sisr = find_sisr()
    if sisr is None:
        pytest.skip("sisr not built")
    out = tmp_path / "three"
    subprocess.run([sisr, "build", "--out", str(out), "--count", "3", "--size", "40x32",
                    "--models", "Nearest-NA-x2-NA-NA"], check=True, capture_output=True)
    splits = json.loads((out / "splits.json").read_text())
    empty = next(s for s in ("train", "val", "test") if not splits[s])
    with pytest.raises(LoaderError, match=f"split {empty} of release .* is empty"):
        Loader(str(out), split=empty, patch=32)


def test_library_kind_and_path():
    path = sisr_loader.library_path()
    assert path and os.path.exists(path)
    assert sisr_loader.library_kind(path) in ("release", "debug")
    assert sisr_loader.library_kind("/x/.build/x86_64-unknown-linux-gnu/release/libSISRLoaderC.so") == "release"
    assert sisr_loader.library_kind("/x/.build/debug/libSISRLoaderC.so") == "debug"


def test_source_tree_lookup_prefers_release(tmp_path):
    from sisr_loader._lib import built_libraries
    for kind in ("debug", "release"):
        d = tmp_path / ".build" / "x86_64-unknown-linux-gnu" / kind
        d.mkdir(parents=True)
        (d / "libSISRLoaderC.so").write_bytes(b"")
    os.utime(tmp_path / ".build/x86_64-unknown-linux-gnu/release/libSISRLoaderC.so", (1, 1))  # older, still first
    found = built_libraries(str(tmp_path))
    assert [sisr_loader.library_kind(p) for p in found] == ["release", "debug"]


def test_module_main_runs_with_its_defaults(release):
    # `python -m sisr_loader RELEASE` picks a patch that fits (64 for 80x72) and names the library.
    p = subprocess.run([sys.executable, "-m", "sisr_loader", release], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": os.path.join(REPO, "python")}, cwd="/")
    assert p.returncode == 0, p.stderr
    assert "patch 64" in p.stdout and "library " in p.stdout


def test_check_release_script_names_missing_shards(release, tmp_path):
    pytest.importorskip("zstandard")
    pytest.importorskip("PIL")
    broken = tmp_path / "r"
    shutil.copytree(release, broken)
    shard = json.loads((broken / "manifest.json").read_text())["shards"][0]["path"]
    os.remove(broken / shard)
    p = subprocess.run([sys.executable, os.path.join(REPO, "Scripts", "check_release.py"), str(broken)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert f"BAD {shard}: cannot read the shard" in p.stdout
    assert "Traceback" not in p.stderr


def test_check_release_script_without_its_packages_says_what_to_install(tmp_path):
    (tmp_path / "zstandard.py").write_text("raise ImportError('not installed', name='zstandard')\n")
    p = subprocess.run([sys.executable, os.path.join(REPO, "Scripts", "check_release.py"), "release"],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert p.returncode != 0
    assert "python3 -m pip install zstandard Pillow" in p.stderr
    assert "Traceback" not in p.stderr


def test_module_main_reports_a_bad_release_without_traceback(tmp_path):
    p = subprocess.run([sys.executable, "-m", "sisr_loader", str(tmp_path / "nope")], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": os.path.join(REPO, "python")})
    assert p.returncode != 0
    assert "no such folder" in p.stderr and "Traceback" not in p.stderr
