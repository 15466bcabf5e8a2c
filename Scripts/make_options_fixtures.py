#!/usr/bin/env python3
"""Fixture for SISRTrainingTests: how PyYAML (BasicSR's YAML reader) types plain and tagged scalars.

Writes Tests/SISRTrainingTests/Fixtures/pyyaml_scalars.json: [{"yaml": text, "type": ..., "value": ...}].
Run: python3 Scripts/make_options_fixtures.py   (needs PyYAML)
"""
import json
import math
import os

import yaml

SCALARS = [
    "1e-4", "1.0e-4", "1.0e4", "1.0e+4", "2e-4", ".5", "-.5", "+1.5", "1_000.5", "5e3", "0.999", "1.",
    "100", "-3", "+7", "0", "1_000", "50000", "true", "True", "yes", "no", "on", "Off", "null", "~", "",
    "vgg19", "l2", "relu5_4", ".inf", "-.inf", "1e3", "3.0", "EDSR", "'1.0'", '"2"', "!!float 1e-4",
    "!!float 5e3", "!!float 2", "!!int 42", "!!str 3", "!!float 1_0.5",
]


def describe(v):
    if v is None:
        return {"type": "null", "value": None}
    if isinstance(v, bool):
        return {"type": "bool", "value": v}
    if isinstance(v, int):
        return {"type": "int", "value": v}
    if isinstance(v, float):
        return {"type": "float", "value": v if math.isfinite(v) else repr(v)}
    return {"type": "str", "value": v}


def main():
    out = []
    for s in SCALARS:
        v = yaml.load("k: " + s, Loader=yaml.SafeLoader)["k"]
        out.append({"yaml": s, **describe(v)})
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SISRTrainingTests", "Fixtures", "pyyaml_scalars.json")
    with open(path, "w") as f:
        json.dump({"pyyaml": yaml.__version__, "scalars": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
