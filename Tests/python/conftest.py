"""pytest setup: import sisr_loader from the source tree and build a tiny release with `sisr build`.

Needs `swift build` first (libSISRLoaderC and sisr); tests skip with a message otherwise. Set
SISR_LOADER_LIB / SISR_BIN to point at other builds.
"""
import glob
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "python"))


def find_sisr():
    env = os.environ.get("SISR_BIN")
    if env:
        return env
    found = glob.glob(os.path.join(REPO, ".build*", "*", "sisr")) + glob.glob(os.path.join(REPO, ".build*", "*", "*", "sisr"))
    found = [f for f in found if os.path.isfile(f) and os.access(f, os.X_OK)]
    return max(found, key=os.path.getmtime) if found else None


@pytest.fixture(scope="session")
def release(tmp_path_factory):
    import sisr_loader
    if sisr_loader.library_path() is None:
        pytest.skip("libSISRLoaderC not built: run `swift build` first")
    sisr = find_sisr()
    if sisr is None:
        pytest.skip("sisr not built: run `swift build` first")
    out = tmp_path_factory.mktemp("release") / "r"
    cmd = [sisr, "build", "--out", str(out), "--count", "10", "--size", "80x72", "--samples-per-shard", "12"]
    subprocess.run(cmd, check=True, capture_output=True)
    return str(out)
