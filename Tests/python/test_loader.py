"""The Python package against the pure-NumPy reference of the specification, and its contract."""
import json
import os
import shutil

import numpy as np
import pytest

import sisr_loader
from sisr_loader import Loader, LoaderError
from sisr_loader.reference import ReferenceRelease, reference_batches

SETTINGS = [
    dict(split="train", batch_size=5, patch=48, seed=3, hflip=True, normalize=True),
    dict(split="train", batch_size=4, patch=33, seed=0, window=2, layout="uint8-nhwc", rank=1, world=2, start=16),
    dict(split="val", batch_size=7, patch=72, layout="uint8-nhwc", tail="partial"),
    dict(split="test", batch_size=3, patch=40, crop="random", shuffle=True, seed=9, threads=1),
    dict(split="train", batch_size=6, patch=56, seed=5, verify_sha256=True),  # format 3: also hash every frame
]


def reference_for(release, loader):
    try:
        import zstandard  # noqa: F401
        return ReferenceRelease(release)
    except ImportError:  # CI without zstandard: take the stored PNG bytes from the library, decode in NumPy
        return ReferenceRelease(release, png_reader=lambda s: loader.sample_png(s["key"]))


@pytest.mark.parametrize("settings", SETTINGS)
def test_batches_equal_the_numpy_reference(release, settings):
    opts = {k: v for k, v in settings.items() if k != "start"}
    start = settings.get("start", 0)
    with Loader(release, **opts) as loader:
        ref_opts = {k: v for k, v in settings.items() if k not in ("threads", "verify_sha256")}
        ref = reference_for(release, loader)
        got = list(loader.epoch(1, start=start))
        expected = list(reference_batches(ref, epoch=1, **ref_opts))
        assert len(got) == len(expected) == len(loader) - (start // (settings["batch_size"] * settings.get("world", 1)))
        for (pixels, labels, keys), (rp, rl, rk) in zip(got, expected):
            assert keys == rk
            assert labels.tolist() == rl.tolist()
            assert pixels.dtype == rp.dtype and pixels.shape == rp.shape
            assert np.array_equal(pixels, rp)  # bit-exact, floats included


def test_classes_sorted_and_every_sample_once(release):
    with Loader(release, split="train", batch_size=6, patch=32, tail="partial") as loader:
        assert loader.classes == sorted(loader.classes, key=str.encode)
        keys = [k for batch in loader.epoch_keys(0) for k in batch]
        assert len(keys) == len(set(keys)) == loader.samples
        assert [k for _, _, b in loader.epoch(0) for k in b] == keys
        assert loader.epoch_keys(1) != loader.epoch_keys(0)


def test_resume_and_worker_strides_cover_the_epoch(release):
    with Loader(release, split="train", batch_size=4, patch=32) as loader:
        full = [keys for _, _, keys in loader.epoch(2)]
        assert [keys for _, _, keys in loader.epoch(2, start=8)] == full[2:]
        parts = [[keys for _, _, keys in loader.epoch(2, stride=3, offset=w)] for w in range(3)]
        merged = [parts[g % 3][g // 3] for g in range(len(full))]
        assert merged == full


def test_errors_name_the_problem(release, tmp_path):
    with pytest.raises(LoaderError, match="no-such-protocol"):
        Loader(release, protocol="no-such-protocol")
    with pytest.raises(LoaderError, match="patch"):
        Loader(release, patch=0)
    broken = tmp_path / "broken"
    shutil.copytree(release, broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    shard = manifest["shards"][0]["path"]
    data = bytearray((broken / shard).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (broken / shard).write_bytes(bytes(data))
    # Format 3 crops read only the bands they touch (each checked by its XXH64); a byte in a band no
    # crop reads is found by the SHA-256 of each sample's frames: verify_sha256.
    with Loader(str(broken), split=manifest["shards"][0]["split"], batch_size=4, patch=32, verify_sha256=True) as loader:
        with pytest.raises(LoaderError, match=shard):
            for _ in loader.epoch(0):
                pass


def test_protocol_by_path(release, tmp_path):
    proto = tmp_path / "scale.json"
    proto.write_text(json.dumps({"name": "scale", "description": "", "models": {"family": ["demo"]}, "label": "scale",
                                 "withheld": {"parameter": "architecture", "value": "Nearest"}}))
    with Loader(release, split="test", protocol=str(proto), batch_size=2, patch=32) as test:
        assert test.classes == ["x2", "x4"]
        assert all(k.startswith("Nearest") for b in test.epoch_keys(0) for k in b)
    with Loader(release, split="train", protocol=str(proto), batch_size=2, patch=32) as train:
        assert not any(k.startswith("Nearest") for b in train.epoch_keys(0) for k in b)


def test_torch_workers_share_without_duplicates(release):
    torch = pytest.importorskip("torch")
    from sisr_loader.torch_dataset import SISRIterableDataset
    ds = SISRIterableDataset(release, split="train", batch_size=4, patch=32)
    ds.set_epoch(3)
    with Loader(release, split="train", batch_size=4, patch=32) as loader:
        expected = loader.epoch_keys(3)
    got = [keys for _, _, keys in torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)]
    assert got == expected
    images, labels, _ = next(iter(torch.utils.data.DataLoader(ds, batch_size=None)))
    assert images.shape == (4, 3, 32, 32) and labels.dtype == torch.int64


@pytest.mark.parametrize("layout", ["float32-nchw", "uint8-nhwc"])
def test_torch_worker_batches_in_shared_memory_equal_the_loaders(release, layout):
    """Workers decode into shared memory handed over by file descriptor (no copy); the pixels,
    labels and keys equal the in-process loader's, and outlive the workers."""
    torch = pytest.importorskip("torch")
    from sisr_loader.torch_dataset import SISRIterableDataset
    opts = dict(split="train", batch_size=4, patch=32, layout=layout, hflip=True, seed=5)
    with Loader(release, **opts) as loader:
        expected = [(images.copy(), labels, keys) for images, labels, keys in loader.epoch(2)]
    ds = SISRIterableDataset(release, **opts)
    ds.set_epoch(2)
    got = list(torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2))
    assert len(got) == len(expected)
    for (images, labels, keys), (want, want_labels, want_keys) in zip(got, expected):
        assert keys == want_keys and labels.tolist() == want_labels.tolist()
        assert images.is_shared() and images.dtype == (torch.float32 if layout == "float32-nchw" else torch.uint8)
        assert np.array_equal(images.numpy(), want)


def test_torch_workers_reuse_shared_memory_only_once_every_view_is_gone(release):
    """Workers reuse a batch's shared-memory object only after the main process dropped every tensor,
    view and array of it: batches kept (whole, as a slice, as a NumPy array) keep their pixels while
    the batches dropped are recycled."""
    torch = pytest.importorskip("torch")
    from sisr_loader.torch_dataset import SISRIterableDataset
    opts = dict(split="train", batch_size=4, patch=32, layout="uint8-nhwc", seed=7)
    with Loader(release, **opts) as loader:
        expected = [images.copy() for images, _, _ in loader.epoch(1)]
    ds = SISRIterableDataset(release, **opts)
    ds.set_epoch(1)
    objects, kept = [], {}
    for g, (images, _, _) in enumerate(torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)):
        fd, _ = images.untyped_storage()._share_fd_cpu_()
        objects.append(os.fstat(fd).st_ino)
        if g % 3 == 0:
            kept[g] = images
        elif g % 3 == 1 and g % 2 == 0:
            kept[g] = images[1:3]  # only a view survives
        elif g % 5 == 0:
            kept[g] = images.numpy()  # only a NumPy array of it survives
        del images
    assert len(objects) == len(expected) > 12
    assert len(set(objects)) < len(objects), "no shared-memory object was reused"
    for g, held in kept.items():
        want = expected[g][1:3] if g % 3 == 1 and g % 2 == 0 else expected[g]
        assert np.array_equal(np.asarray(held), want), f"batch {g} was overwritten while held"


def test_shared_memory_batches_equal_ordinary_ones(release):
    opts = dict(split="val", batch_size=4, patch=32, layout="uint8-nhwc")
    with Loader(release, shared_memory=True, **opts) as shared, Loader(release, **opts) as plain:
        for (a, _, ka), (b, _, kb) in zip(shared.epoch(0), plain.epoch(0)):
            assert ka == kb and np.array_equal(a, b)


def test_huge_offsets_in_the_index_raise_instead_of_crashing(release, tmp_path):
    """issue #12: an index.jsonl with png_offset/png_size near 2**63 (hashes fixed up) must raise a
    LoaderError naming the shard and sample, not kill the Python process."""
    import hashlib
    broken = tmp_path / "huge"
    shutil.copytree(release, broken)
    lines = (broken / "index.jsonl").read_text().splitlines()
    victim = next(i for i, line in enumerate(lines) if json.loads(line)["split"] == "val")
    record = json.loads(lines[victim])
    record["png_offset"], record["png_size"] = 2**63 - 100, 2**63 - 600
    lines[victim] = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    index = ("\n".join(lines) + "\n").encode()
    (broken / "index.jsonl").write_bytes(index)
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest["inputs"]["index"]["sha256"] = hashlib.sha256(index).hexdigest()
    (broken / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    for cache in (0, 1 << 26):
        with Loader(str(broken), split="val", batch_size=4, patch=32, cache_bytes=cache) as loader:
            with pytest.raises(LoaderError, match=record["key"]):
                for _ in loader.epoch(0):
                    pass


def test_batches_outlive_the_loader_without_copies(release):
    with Loader(release, split="val", batch_size=4, patch=32, layout="uint8-nhwc") as loader:
        batches = [images for images, _, _ in loader.epoch(0)]
        again = [images.copy() for images, _, _ in loader.epoch(0)]
    assert not batches[0].flags.owndata  # a view of the library's buffer
    assert all(np.array_equal(a, b) for a, b in zip(batches, again))


def test_robustness_protocols_perturb_only_the_test_images(release):
    """A protocol with a `perturbation` (manifests/protocols/attribution-demo-yu-*) changes the test
    patches, the same for any thread count, and leaves the train split and the selection as they are."""
    def batches(protocol, split, threads):
        with Loader(release, split=split, protocol=protocol, batch_size=4, patch=64, threads=threads,
                    layout="uint8-nhwc") as loader:
            assert (loader.perturbation is not None) == (protocol != "attribution-demo" and split == "test")
            return loader.classes, [(p.copy(), l.tolist(), k) for p, l, k in loader.epoch(0)]
    for name in ("attribution-demo-jpeg75", "attribution-demo-yu-combination"):
        classes, perturbed = batches(name, "test", 1)
        plain_classes, plain = batches("attribution-demo", "test", 1)
        assert classes == plain_classes
        assert [b[2] for b in perturbed] == [b[2] for b in plain]
        assert any(not np.array_equal(a[0], b[0]) for a, b in zip(perturbed, plain))
        again = batches(name, "test", 2)[1]
        assert all(np.array_equal(a[0], b[0]) for a, b in zip(perturbed, again))
        train = batches(name, "train", 2)[1]
        assert all(np.array_equal(a[0], b[0]) for a, b in zip(train, batches("attribution-demo", "train", 2)[1]))
    ref = ReferenceRelease(release, png_reader=lambda s: b"")
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "manifests", "protocols", "attribution-demo-jpeg75.json")) as f:
        proto = json.load(f)
    with pytest.raises(NotImplementedError, match="perturbs split test"):
        next(reference_batches(ref, split="test", protocol=proto, patch=64))


def test_a_damaged_band_a_crop_reads_is_an_error(release, tmp_path):
    """Format 3, default verification: the centre crop of an 80x72 image reads bands 0 and 1 of 3,
    which hold the middle of the sample's frames; a byte flipped there names the shard and sample."""
    broken = tmp_path / "broken"
    shutil.copytree(release, broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    assert manifest["format_version"] == 3 and manifest["png"]["band_rows"] == 32
    sample = next(json.loads(line) for line in open(broken / "index.jsonl") if json.loads(line)["split"] == "val")
    shard = manifest["shards"][sample["shard"]]["path"]
    data = bytearray((broken / shard).read_bytes())
    data[sample["frame_offset"] + sample["frame_size"] // 2] ^= 0x10
    (broken / shard).write_bytes(bytes(data))
    with Loader(str(broken), split="val", batch_size=4, patch=32) as loader:
        with pytest.raises(LoaderError, match=sample["key"]):
            for _ in loader.epoch(0):
                pass
