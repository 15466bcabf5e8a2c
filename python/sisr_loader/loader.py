"""NumPy batches from a SISR release through libSISRLoaderC."""
import ctypes
import json

import numpy as np

from . import _lib

STATUS = {0: "ok", 1: "end", -1: "invalid argument", -2: "I/O error", -3: "corrupt data", -4: "internal error"}


class LoaderError(RuntimeError):
    """An error reported by the library; the message names the file, shard or sample."""

    def __init__(self, status, message):
        super().__init__(message or STATUS.get(status, f"status {status}"))
        self.status = status


class _BatchOwner:
    """Frees a library batch when the last NumPy view of its pixels goes away."""

    def __init__(self, lib, batch):
        self.lib, self.batch = lib, batch

    def __del__(self):
        if self.batch:
            self.lib.sisr_batch_free(self.batch)
            self.batch = None


class _BatchBuffer:
    """A writable buffer over a batch's pixels that keeps the batch alive."""

    @staticmethod
    def from_address(ptr, nbytes, owner):
        array = (ctypes.c_uint8 * nbytes).from_address(ptr)
        array._owner = owner  # ctypes arrays accept attributes; NumPy keeps the array as its base
        return array


class Loader:
    """Deterministic batches of a release split (options as in the C header, include/sisr_loader.h).

    >>> with Loader("release", split="train", protocol="attribution-demo", batch_size=32, patch=96) as loader:
    ...     for images, labels, keys in loader.epoch(0):
    ...         pass  # images: float32 [N,3,P,P]; labels: int64 [N]; keys: list of str

    Options (all optional): split, protocol, protocol_dirs, seed, shuffle, window, batch_size, rank,
    world, tail, patch, crop, hflip, layout ("float32-nchw" or "uint8-nhwc"), normalize, threads
    (0 = all cores), prefetch, cache_bytes, verify, verify_sha256, shared_memory. Unknown options, invalid values, a patch larger
    than the smallest selected image and an empty split raise ``LoaderError`` here, naming the valid
    options or values. A protocol name is looked up in ``protocol_dirs``, ``$SISR_PROTOCOLS``,
    ``manifests/protocols`` of the current folder and its parents, then above the library's file.
    """

    def __init__(self, release, **options):
        self._lib = _lib.load()
        self._handle = ctypes.c_void_p()
        self.options = {k: v for k, v in options.items() if v is not None}
        status = self._lib.sisr_loader_open(str(release).encode(), json.dumps(self.options).encode(),
                                            ctypes.byref(self._handle))
        if status != 0:
            raise LoaderError(status, (self._lib.sisr_loader_last_error(None) or b"").decode())
        out = ctypes.c_char_p()
        self._check(self._lib.sisr_loader_info(self._handle, ctypes.byref(out)))
        self.info = json.loads(out.value.decode())
        self.release = str(release)

    def _check(self, status):
        if status < 0:
            raise LoaderError(status, (self._lib.sisr_loader_last_error(self._handle) or b"").decode())
        return status

    @property
    def classes(self):
        """Class names; labels index this list (sorted byte-wise)."""
        return self.info["classes"]

    @property
    def perturbation(self):
        """The protocol's test-time perturbation applied to this split (a one-line summary), or None."""
        return self.info.get("perturbation")

    @property
    def samples(self):
        """Samples selected for this split and protocol."""
        return self.info["samples"]

    def __len__(self):
        """Batches per epoch on this rank."""
        return self.info["batches_per_epoch"]

    @property
    def pixel_shape(self):
        """(dtype name, shape of one sample) of the batches' pixels: float32 (3,P,P) or uint8 (P,P,3)."""
        p = self.info["patch"]
        return ("float32", (3, p, p)) if self.info["layout"] == "float32-nchw" else ("uint8", (p, p, 3))

    def epoch(self, epoch, start=0, stride=1, offset=0):
        """Yields (images, labels, keys) for this rank's batches of `epoch`, resuming after `start`
        consumed positions; with stride/offset only batches offset, offset+stride, ..."""
        dtype, shape = self.pixel_shape
        for ptr, nbytes, _fd, owner, labels, keys in self._batches(epoch, start, stride, offset):
            # The pixels stay in the library's buffer (no copy); it is freed when the array is.
            raw = _BatchBuffer.from_address(ptr, nbytes, owner)
            yield np.frombuffer(raw, dtype=dtype).reshape((len(keys),) + shape), labels, keys

    def _batches(self, epoch, start, stride, offset):
        """Yields (pixel address, byte count, shared-memory fd or -1, owner, labels, keys) per batch;
        the batch is freed when `owner` is."""
        self._check(self._lib.sisr_loader_start_epoch(self._handle, epoch, start, stride, offset))
        while True:
            batch = ctypes.c_void_p()
            if self._check(self._lib.sisr_loader_next(self._handle, ctypes.byref(batch))) == 1:
                return
            try:
                n = self._lib.sisr_batch_size(batch)
                nbytes = ctypes.c_size_t()
                ptr = self._lib.sisr_batch_pixels(batch, ctypes.byref(nbytes))
                labels = np.ctypeslib.as_array(self._lib.sisr_batch_labels(batch), shape=(n,)).astype(np.int64)
                keys = self._lib.sisr_batch_keys(batch).decode().split("\n")[:n]
                fd = self._lib.sisr_batch_pixels_fd(batch)
                self.counter = self._lib.sisr_batch_counter(batch)
            except BaseException:
                self._lib.sisr_batch_free(batch)
                raise
            yield ptr, nbytes.value, fd, _BatchOwner(self._lib, batch), labels, keys

    def epoch_keys(self, epoch, start=0):
        """This rank's batches of keys for `epoch`, without decoding any image."""
        out = ctypes.c_char_p()
        self._check(self._lib.sisr_loader_epoch_keys(self._handle, epoch, start, ctypes.byref(out)))
        return json.loads(out.value.decode())

    def sample_png(self, key):
        """The stored PNG bytes of a selected sample."""
        ptr, size = ctypes.POINTER(ctypes.c_uint8)(), ctypes.c_size_t()
        self._check(self._lib.sisr_loader_sample_png(self._handle, key.encode(), ctypes.byref(ptr), ctypes.byref(size)))
        return ctypes.string_at(ptr, size.value)

    def close(self):
        if self._handle:
            self._lib.sisr_loader_close(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
