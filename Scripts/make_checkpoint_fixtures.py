#!/usr/bin/env python3
"""Writes tiny checkpoint fixtures for SRModelsTests' Weights tests.

Run from the repo root:  python3 Scripts/make_checkpoint_fixtures.py
Output: Tests/SRModelsTests/Fixtures/weights/*.pth, *.safetensors and expected.json (every tensor's
dtype, shape and float32 values as the Swift loader must return them, after unwrapping).

The "malicious" files are only ever WRITTEN here: pickling an object whose __reduce__ returns
os.system does not call it. Never torch.load them.
"""
import argparse
import collections
import enum
import io
import json
import os
import pickle
import struct
import zlib
import zipfile

import numpy as np
import torch

OUT = os.path.join("Tests", "SRModelsTests", "Fixtures", "weights")
g = torch.Generator().manual_seed(1234)


def rnd(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=g).to(dtype)


def expected(sd):
    """name -> {dtype, shape, values} with values as float32 (what Swift returns)."""
    names = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}
    out = collections.OrderedDict()
    for k, v in sd.items():
        out[k] = {"dtype": names[v.dtype], "shape": list(v.shape),
                  "values": [float(x) for x in v.detach().to(torch.float32).reshape(-1).tolist()]}
    return out


def save(name, obj, **kw):
    torch.save(obj, os.path.join(OUT, name), **kw)


class Evil:
    """Pickles as a call to os.system. Writing it runs nothing."""

    def __reduce__(self):
        return (os.system, ("echo this-must-never-run",))


class EvilEval:
    def __reduce__(self):
        return (eval, ("1+1",))


class EvilSubprocess:
    def __reduce__(self):
        import subprocess
        return (subprocess.check_output, (["true"],))


class Config(dict):
    """Like easydict.EasyDict: a dict subclass pickled with NEWOBJ + SETITEMS + BUILD."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.__dict__.update(kw)


class Mode(enum.Enum):
    FAST = 1
    SLOW = 2


# ---- hand-made zip checkpoints with chosen (bad) tensor metadata -------------------------------

class FakeStorage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class FakeTensorV1:
    """torch 0.3-era encoding: _rebuild_tensor(storage, offset, size, stride)."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride))

    def __reduce__(self):
        return (torch._utils._rebuild_tensor, self.args)


class LegacyPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel, getattr(obj, "view", None))
        return None


def write_custom_legacy(name, obj, storages):
    """The legacy container by hand: magic, 1001, sys_info, main pickle, key list, then per key an
    int64 element count and the raw little-endian float32 data."""
    buf = io.BytesIO()
    LegacyPickler(buf, protocol=2).dump(obj)
    keys = sorted(storages)
    out = [pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2), pickle.dumps(1001, protocol=2),
           pickle.dumps({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2),
           buf.getvalue(), pickle.dumps(keys, protocol=2)]
    for k in keys:
        arr = np.asarray(storages[k], dtype="<f4")
        out.append(struct.pack("<q", arr.size) + arr.tobytes())
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(b"".join(out))


def write_zip64(name, records):
    """A STORED zip whose every size and offset goes through ZIP64 extra fields and records."""
    body, central = bytearray(), bytearray()
    for n, data in records:
        n = n.encode()
        crc, off = zlib.crc32(data), len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x5021, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(n), 20)
        body += n + struct.pack("<HHQQ", 1, 16, len(data), len(data)) + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x5021, crc, 0xFFFFFFFF,
                               0xFFFFFFFF, len(n), 28, 0, 0, 0, 0, 0xFFFFFFFF)
        central += n + struct.pack("<HHQQQ", 1, 24, len(data), len(data), off)
    cd_off, z64_off = len(body), len(body) + len(central)
    tail = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(records), len(records), len(central), cd_off)
    tail += struct.pack("<IIQI", 0x07064B50, 0, z64_off, 1)
    tail += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes(body + central + tail))


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class FakePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def render(v):
    """Canonical text of plain pickled data (mirrored by the Swift test's renderer)."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v) if -2 ** 63 <= v < 2 ** 63 else "L" + pickle.encode_long(v).hex()
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return "s" + v.encode().hex()
    if isinstance(v, bytes):
        return "b" + v.hex()
    if isinstance(v, tuple):
        return "(" + ",".join(render(x) for x in v) + ")"
    if isinstance(v, list):
        return "[" + ",".join(render(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(render(k) + ":" + render(x) for k, x in v.items()) + "}"
    raise TypeError(type(v))


def write_custom_zip(name, obj, records, raw_pickle=None, byteorder="little"):
    buf = io.BytesIO()
    if raw_pickle is None:
        FakePickler(buf, protocol=2).dump(obj)
        raw_pickle = buf.getvalue()
    with zipfile.ZipFile(os.path.join(OUT, name), "w", compression=zipfile.ZIP_STORED) as z:
        def put(n, data):  # fixed timestamp: same bytes on every run
            z.writestr(zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0)), data)

        put("archive/data.pkl", raw_pickle)
        put("archive/byteorder", byteorder)
        for key, data in records.items():
            put(f"archive/data/{key}", data)
        put("archive/version", "3\n")


def main():
    ap = argparse.ArgumentParser()
    ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    exp = {}

    # 1. zip format, several dtypes, views and a shared storage.
    a = rnd(3, 5)
    base = rnd(20)
    sd = collections.OrderedDict()
    sd["conv.weight"] = rnd(4, 3, 3, 3)
    sd["conv.bias"] = rnd(4)
    sd["half"] = rnd(5, dtype=torch.float16)
    sd["bf"] = rnd(2, 3, dtype=torch.bfloat16)
    sd["dbl"] = rnd(2, 3, dtype=torch.float64)
    sd["count"] = torch.tensor([7, -3, 1 << 20], dtype=torch.int64)
    sd["transposed"] = a.t()  # stride (1, 5)
    sd["shared_a"] = base[2:8].view(2, 3)  # offset 2 into a shared storage
    sd["shared_b"] = base[4:20:3]  # offset 4, stride 3, same storage
    sd["scalar"] = torch.tensor(3.5)
    sd["param"] = torch.nn.Parameter(rnd(2))
    save("zip_dtypes.pth", sd)
    exp["zip_dtypes.pth"] = {"format": "torch zip", "unwrap": [], "tensors": expected(sd)}

    # 2. a real module state dict (OrderedDict with _metadata, BUILD), pickle protocol 4.
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 3, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(rnd(*p.shape))
    msd = net.state_dict()
    save("module_proto4.pth", msd, pickle_protocol=4)
    exp["module_proto4.pth"] = {"format": "torch zip", "unwrap": [], "tensors": expected(msd)}

    # 3. BasicSR-style nesting: params_ema preferred over params, `module.` stripped.
    inner = collections.OrderedDict([("module.x", rnd(2, 2)), ("module.y.weight", rnd(3))])
    save("nested.pth", {"params": {"module.x": rnd(2, 2)}, "params_ema": inner})
    exp["nested.pth"] = {"format": "torch zip", "unwrap": ["params_ema"],
                         "tensors": expected(collections.OrderedDict((k[7:], v) for k, v in inner.items()))}

    # 4. LIIF layout: root['model']['sd'], with optimizer and epoch beside it.
    liif_sd = collections.OrderedDict([("encoder.head.0.weight", rnd(2, 3, 1, 1)), ("imnet.layers.0.bias", rnd(4))])
    save("liif.pth", {"model": {"name": "liif", "args": {"encoder_spec": {"name": "edsr-baseline"}}, "sd": liif_sd},
                      "optimizer": {"name": "adam", "args": {"lr": 1e-4}}, "epoch": 1000})
    exp["liif.pth"] = {"format": "torch zip", "unwrap": ["model", "sd"], "tensors": expected(liif_sd)}

    # 5. A training checkpoint with metadata objects: argparse.Namespace, NumPy scalar and array.
    import argparse as ap_mod
    train_sd = collections.OrderedDict([("module.head.weight", rnd(2, 3)),
                                        ("layers.0.attn_mask", rnd(2, 2)),
                                        ("layers.0.relative_position_index", torch.tensor([[0, 1], [1, 0]]))])
    save("training.pth", {"state_dict": train_sd, "epoch": 5, "best_pred": np.float64(31.5),
                          "records": np.arange(3, dtype=np.float32), "args": ap_mod.Namespace(scale=4, name="x"),
                          "flags": {1, 2}})
    exp["training.pth"] = {"format": "torch zip", "unwrap": ["state_dict"],
                           "tensors": expected(collections.OrderedDict((k.removeprefix("module."), v) for k, v in train_sd.items()))}

    # 5b. ProSR layout: `params` is a dict subclass of hyperparameters (with an enum), the weights sit
    # under `state_dict`. Its globals (__main__.Config, __main__.Mode) load only when allowed.
    prosr_sd = collections.OrderedDict([("net.0.weight", rnd(2, 2))])
    save("prosr_like.pth", {"class_name": "ProSR", "params": Config(scale=[2, 4], mode=Mode.FAST),
                            "state_dict": prosr_sd})
    exp["prosr_like.pth"] = {"format": "torch zip", "unwrap": ["state_dict"], "tensors": expected(prosr_sd)}

    # 6. Legacy (non-zip) format with a view and a shared storage.
    lbase = rnd(12)
    lsd = collections.OrderedDict()
    lsd["w"] = rnd(2, 3)
    lsd["h"] = rnd(4, dtype=torch.float16)
    lsd["t"] = rnd(3, 4).t()
    lsd["v1"] = lbase[:6].view(3, 2)
    lsd["v2"] = lbase[6:]
    lsd["n"] = torch.tensor([5], dtype=torch.int64)
    save("legacy.pth", lsd, _use_new_zipfile_serialization=False)
    exp["legacy.pth"] = {"format": "torch legacy", "unwrap": [], "tensors": expected(lsd)}

    # 7. safetensors written by the reference package (if installed).
    ssd = collections.OrderedDict([("a", rnd(2, 3)), ("s", torch.tensor(2.25)), ("b", rnd(3, dtype=torch.float16)),
                                   ("c", rnd(2, dtype=torch.bfloat16)), ("i", torch.tensor([1, 2, 3], dtype=torch.int64)),
                                   ("d", rnd(2, dtype=torch.float64))])
    try:
        from safetensors.torch import save_file
        save_file(dict(ssd), os.path.join(OUT, "reference.safetensors"), metadata={"format": "pt"})
        exp["reference.safetensors"] = {"format": "safetensors", "unwrap": [], "tensors": expected(ssd)}
    except ImportError:
        print("safetensors not installed: skipping reference.safetensors")

    # 8. Malicious pickles (written only; never loaded in Python).
    save("malicious.pth", {"w": rnd(2), "evil": Evil()})
    save("malicious_legacy.pth", {"evil": EvilEval()}, _use_new_zipfile_serialization=False)
    save("malicious_proto4.pth", {"evil": EvilSubprocess()}, pickle_protocol=4)

    # 9. Truncated copies.
    for src, dst in (("zip_dtypes.pth", "truncated.pth"), ("legacy.pth", "truncated_legacy.pth")):
        with open(os.path.join(OUT, src), "rb") as f:
            data = f.read()
        with open(os.path.join(OUT, dst), "wb") as f:
            f.write(data[: len(data) * 2 // 3])

    # 10. Hand-made zips with bad tensor metadata, an unknown opcode and a missing record.
    rec = np.arange(8, dtype="<f4").tobytes()  # 8 float32 elements
    s = FakeStorage("0", 8)
    write_custom_zip("custom_ok.pth", {"t": FakeTensor(s, 1, (2, 3), (1, 2)), "b": FakeTensor(s, 2, (3, 2), (0, 1))},
                     {"0": rec})
    exp["custom_ok.pth"] = {"format": "torch zip", "unwrap": [], "tensors": {
        "t": {"dtype": "F32", "shape": [2, 3], "values": [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]},
        "b": {"dtype": "F32", "shape": [3, 2], "values": [2.0, 3.0, 2.0, 3.0, 2.0, 3.0]}}}
    write_custom_zip("broadcast_bomb.pth", {"t": FakeTensor(s, 0, (1 << 20, 1 << 20), (0, 0))}, {"0": rec})
    write_custom_zip("bad_offset.pth", {"t": FakeTensor(s, 6, (4,), (1,))}, {"0": rec})
    write_custom_zip("bad_stride.pth", {"t": FakeTensor(s, 0, (3, 3), (3, 1))}, {"0": rec})
    write_custom_zip("numel_lie.pth", {"t": FakeTensor(FakeStorage("0", 1000), 0, (4,), (1,))}, {"0": rec})
    write_custom_zip("missing_record.pth", {"t": FakeTensor(FakeStorage("5", 8), 0, (4,), (1,))}, {"0": rec})
    write_custom_zip("unknown_opcode.pth", None, {}, raw_pickle=b"\x80\x02\x82\x01.")  # EXT1

    # Big-endian storage records (byteorder "big"), as a big-endian machine would write them.
    write_custom_zip("custom_big.pth", {"t": FakeTensor(s, 1, (2, 3), (1, 2)), "b": FakeTensor(s, 2, (3, 2), (0, 1))},
                     {"0": np.arange(8, dtype=">f4").tobytes()}, byteorder="big")
    exp["custom_big.pth"] = exp["custom_ok.pth"]

    # ZIP64 everywhere (sizes, offsets, end records): same content as custom_ok.pth.
    buf = io.BytesIO()
    FakePickler(buf, protocol=2).dump({"t": FakeTensor(s, 1, (2, 3), (1, 2)), "b": FakeTensor(s, 2, (3, 2), (0, 1))})
    write_zip64("zip64.pth", [("archive/data.pkl", buf.getvalue()), ("archive/data/0", rec)])
    assert zipfile.ZipFile(os.path.join(OUT, "zip64.pth")).read("archive/data/0") == rec
    exp["zip64.pth"] = exp["custom_ok.pth"]

    # Hand-made legacy files: a pre-0.4 storage view (view_metadata) and the 4-argument
    # _rebuild_tensor; then a view that reaches beyond its root storage.
    root = np.arange(10, dtype=np.float32) * 0.5
    view = FakeStorage("100", 10)
    view.view = ("200", 2, 5)  # elements 2..6 of storage 100
    plain = FakeStorage("100", 10)
    write_custom_legacy("legacy_views.pth", collections.OrderedDict(
        [("v", FakeTensorV1(view, 1, (2, 2), (2, 1))), ("p", FakeTensorV1(plain, 0, (3,), (4,)))]), {"100": root})
    exp["legacy_views.pth"] = {"format": "torch legacy", "unwrap": [], "tensors": {
        "v": {"dtype": "F32", "shape": [2, 2], "values": [1.5, 2.0, 2.5, 3.0]},
        "p": {"dtype": "F32", "shape": [3], "values": [0.0, 2.0, 4.0]}}}
    bad_view = FakeStorage("100", 10)
    bad_view.view = ("200", 8, 5)
    write_custom_legacy("legacy_bad_view.pth", {"v": FakeTensorV1(bad_view, 0, (2,), (1,))}, {"100": root})

    # Plain-data pickles in every protocol, with a canonical rendering the Swift test reproduces.
    data = {"a": [1, -2, 255, 65535, -70000, 2.5, -0.125, "x\u00e9\u4e2d\\n", True, False, None, (1, 2), ()],
            "big": 2 ** 70, "neg": -(2 ** 65) - 7, "i63": 2 ** 63, "b": b"\x00\x01\xff", "nested": {"k": [[]], 3: "int key"}}
    cases = [{"protocol": p, "hex": pickle.dumps(data, protocol=p).hex(), "render": render(data)} for p in range(6)]
    with open(os.path.join(OUT, "pickles.json"), "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
