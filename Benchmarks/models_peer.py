#!/usr/bin/env python3
"""Peers for `sisr bench-models`: BasicSR 1.4.2's own modules (EDSR 64x16, RCAN 10x20, RRDBNet 23 blocks,
SwinIR-M, all x4, default random init) on a 240x180 input, in PyTorch CPU (channels-last layout, its
fastest here) and, for the convolutional networks, ONNX Runtime and OpenVINO (FP32 precision hint) on the
same networks exported from PyTorch; all at the same thread count.

Usage: models_peer.py THREADS WIDTH HEIGHT NETWORK
Prints one JSON line {"network": ..., "torch": s, "onnxruntime": s, "openvino": s, "versions": {...}}
(one timed run each, after a warm-up run; the caller interleaves and repeats). Missing packages give
{"skipped": reason}. BasicSR's source comes from its PyPI sdist (`pip download`), imported module by
module: its package __init__ needs `torchvision.transforms.functional_tensor`, which current
torchvision lacks (DESIGN.md section 7). ONNX files are cached in the temp directory.
"""
import glob
import importlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import types
import warnings

CACHE = os.path.join(tempfile.gettempdir(), "sisr-bench-models")


def basicsr_archs():
    """Imports basicsr.archs.{edsr,rcan,rrdbnet,swinir}_arch from the 1.4.2 sdist, bypassing the package
    __init__ files (which import every dataset, model and metric)."""
    root = os.path.join(CACHE, "basicsr-1.4.2")
    if not os.path.isdir(root):
        os.makedirs(CACHE, exist_ok=True)
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "basicsr==1.4.2",
                               "-d", CACHE])
        with tarfile.open(glob.glob(os.path.join(CACHE, "basicsr-1.4.2.tar.gz"))[0]) as t:
            t.extractall(CACHE)
    try:
        import torchvision  # noqa: F401  (arch_util imports it; only its DCN layer uses it)
    except (ImportError, RuntimeError):
        # No torchvision built for this torch (e.g. a CPU-only torch wheel): EDSR, RCAN, RRDBNet and
        # SwinIR never touch it, so an empty module stands in.
        # (basicsr.utils imports torchvision.utils.make_grid at import time.)
        stub, utils = types.ModuleType("torchvision"), types.ModuleType("torchvision.utils")
        stub.__path__, stub.__version__, stub.utils = [], "0", utils
        utils.make_grid = None
        sys.modules.update({"torchvision": stub, "torchvision.utils": utils})
    for name in ("basicsr", "basicsr.archs"):
        if name not in sys.modules:
            pkg = types.ModuleType(name)
            pkg.__path__ = [os.path.join(root, *name.split("."))]
            sys.modules[name] = pkg
    return {a: importlib.import_module(f"basicsr.archs.{a}_arch") for a in ("edsr", "rcan", "rrdbnet", "swinir")}


def build(name, archs):
    if name == "edsr_64x16":
        return archs["edsr"].EDSR(3, 3, num_feat=64, num_block=16, upscale=4)
    if name == "rcan_10x20":
        return archs["rcan"].RCAN(3, 3, num_feat=64, num_group=10, num_block=20, squeeze_factor=16, upscale=4)
    if name == "rrdbnet_23":
        return archs["rrdbnet"].RRDBNet(3, 3, scale=4, num_feat=64, num_block=23, num_grow_ch=32)
    if name == "swinir_m":
        return archs["swinir"].SwinIR(upscale=4, in_chans=3, img_size=64, window_size=8, img_range=1.0,
                                      depths=[6] * 6, embed_dim=180, num_heads=[6] * 6, mlp_ratio=2,
                                      upsampler="pixelshuffle", resi_connection="1conv")
    raise SystemExit(f"models_peer.py: unknown network {name}")


def timed(run):
    run()  # warm-up (first-call allocation, kernel selection)
    t = time.perf_counter()
    run()
    return time.perf_counter() - t


def main():
    threads, width, height, name = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    try:
        import torch
    except ImportError:
        print(json.dumps({"network": name, "skipped": "torch is not installed"}))
        return
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = build(name, basicsr_archs()).eval()
    x = torch.rand(1, 3, height, width)
    res = {"network": name, "versions": {"torch": torch.__version__}}
    if name == "swinir_m":
        # SwinIR's own test code: reflect-pad to a multiple of the window, crop the output.
        ph, pw = (-height) % 8, (-width) % 8
        xp = torch.cat([x, torch.flip(x, [2])], 2)[:, :, :height + ph, :]
        xp = torch.cat([xp, torch.flip(xp, [3])], 3)[:, :, :, :width + pw]
        with torch.inference_mode():
            res["torch"] = timed(lambda: net(xp)[..., :height * 4, :width * 4])
        print(json.dumps(res))
        return
    cl = net.to(memory_format=torch.channels_last)
    xc = x.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        res["torch"] = timed(lambda: cl(xc))
    onnx_path = os.path.join(CACHE, f"{name}_{width}x{height}.onnx")
    if not os.path.exists(onnx_path):
        os.makedirs(CACHE, exist_ok=True)
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # the TorchScript exporter
        torch.onnx.export(net.to(memory_format=torch.contiguous_format), x, onnx_path + ".tmp", dynamo=False,
                          input_names=["x"], output_names=["y"], opset_version=17)
        os.replace(onnx_path + ".tmp", onnx_path)
    feed = x.numpy()
    try:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
        res["onnxruntime"] = timed(lambda: sess.run(None, {"x": feed}))
        res["versions"]["onnxruntime"] = ort.__version__
    except ImportError:
        res["onnxruntime_skipped"] = "onnxruntime is not installed"
    try:
        import openvino as ov
        core = ov.Core()
        model = core.compile_model(core.read_model(onnx_path), "CPU", {
            "INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY"})
        req = model.create_infer_request()
        res["openvino"] = timed(lambda: req.infer({"x": feed}))
        res["versions"]["openvino"] = ov.__version__
    except ImportError:
        res["openvino_skipped"] = "openvino is not installed"
    print(json.dumps(res))


if __name__ == "__main__":
    main()
