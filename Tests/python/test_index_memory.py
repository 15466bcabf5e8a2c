"""Opening a loader costs memory per selected sample, not per record held whole (issue #16: at the
paper's 205,000 samples the whole index in memory took ~0.9 GB). Measured in fresh processes over
a release whose index is the test release's repeated (Benchmarks/index_memory.py)."""
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(REPO, "Benchmarks", "index_memory.py")


def opened(release):
    out = subprocess.run([sys.executable, TOOL, "open", release, "train", "32"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"samples=(\d+) .*peak_rss_mb=(\d+)", out)
    return int(m[1]), int(m[2])


def test_index_memory_per_sample_is_small(release, tmp_path):
    small, large = tmp_path / "x1", tmp_path / "x150"
    for copies, out in ((1, small), (150, large)):
        subprocess.run([sys.executable, TOOL, "make", release, str(copies), str(out)], check=True, capture_output=True)
    (n1, rss1), (n2, rss2) = opened(str(small)), opened(str(large))
    assert n2 == 150 * n1
    per_sample_kb = (rss2 - rss1) * 1024 / (n2 - n1)
    # Streaming the index: ~1.1 KB per selected (train) sample here, where each stands for ~1.6
    # records of the index; holding every record, as before, took 5.3 KB.
    assert per_sample_kb < 2, f"{per_sample_kb:.2f} KB per selected sample ({n1}: {rss1} MB, {n2}: {rss2} MB)"
