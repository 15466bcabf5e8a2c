"""Finds and binds libSISRLoaderC (the C ABI of include/sisr_loader.h) with ctypes.

The library is looked for, in this order (the first that exists is used):

1. ``$SISR_LOADER_LIB``;
2. the path ``pip install ./python`` recorded (``sisr_loader/_build_info.py``; the release build
   when one existed at install time);
3. in the source tree the package sits in (``<repo>/python/sisr_loader``) or the current folder:
   ``.build*/release/`` before ``.build*/debug/`` (release decodes about 1.7x faster), newest first;
4. the system library path.

``library_path()`` says which one is used and ``library_kind()`` whether it is a release or debug
build; loading a debug build warns once.
"""
import ctypes
import ctypes.util
import glob
import os
import warnings

ABI_VERSION = 3
LIB_NAMES = ("libSISRLoaderC.so", "libSISRLoaderC.dylib")


def built_libraries(root):
    """libSISRLoaderC files under ``root/.build*/``: release builds first, then debug, newest first."""
    found = set()
    for name in LIB_NAMES:
        for pattern in (os.path.join(root, ".build*", "*", name), os.path.join(root, ".build*", "*", "*", name)):
            found.update(os.path.realpath(p) for p in glob.glob(pattern) if os.path.isfile(p))
    return sorted(found, key=lambda p: (library_kind(p) != "release", -os.path.getmtime(p)))


def library_kind(path=None):
    """"release" or "debug" from the build folder the library sits in (``.build/<triple>/release/``),
    else "unknown"."""
    path = path if path is not None else library_path()
    parts = os.path.normpath(os.path.realpath(path)).split(os.sep) if path else []
    for kind in ("release", "debug"):
        if kind in parts[-3:-1]:
            return kind
    return "unknown"


def _candidates():
    env = os.environ.get("SISR_LOADER_LIB")
    if env:
        yield env
        return
    try:
        from . import _build_info  # written by `pip install ./python` when it found a built library
        if _build_info.LIB_PATH:
            yield _build_info.LIB_PATH
    except ImportError:
        pass
    # A source checkout: the package lives in <repo>/python/sisr_loader; look in <repo>/.build*/.
    here = os.path.dirname(os.path.abspath(__file__))
    for up in (os.path.dirname(os.path.dirname(here)), os.getcwd()):
        yield from built_libraries(up)
    name = ctypes.util.find_library("SISRLoaderC")
    if name:
        yield name


def library_path():
    """The library the package will load, or None."""
    for path in _candidates():
        if os.path.exists(path) or not os.path.isabs(path):
            return path
    return None


_LIB = None


def load():
    """The bound library (loaded once). Raises OSError with a hint when it cannot be found."""
    global _LIB
    if _LIB is not None:
        return _LIB
    path = library_path()
    if path is None:
        raise OSError("libSISRLoaderC not found: run `swift build` in the repository, or set SISR_LOADER_LIB "
                      "to the path of libSISRLoaderC.so")
    if library_kind(path) == "debug":
        warnings.warn(f"sisr_loader is using a debug build of the library ({path}), which decodes about 1.7x slower; "
                      "build the release one (swift build -c release) and reinstall (pip install ./python), or set "
                      "SISR_LOADER_LIB", stacklevel=3)
    lib = ctypes.CDLL(path)
    c = ctypes
    vp, cp, i32, i64 = c.c_void_p, c.c_char_p, c.c_int32, c.c_int64
    sigs = {
        "sisr_loader_abi_version": (c.c_uint32, []),
        "sisr_loader_last_error": (cp, [vp]),
        "sisr_loader_open": (i32, [cp, cp, c.POINTER(vp)]),
        "sisr_loader_close": (None, [vp]),
        "sisr_loader_info": (i32, [vp, c.POINTER(cp)]),
        "sisr_loader_start_epoch": (i32, [vp, i64, i64, i64, i64]),
        "sisr_loader_next": (i32, [vp, c.POINTER(vp)]),
        "sisr_loader_epoch_keys": (i32, [vp, i64, i64, c.POINTER(cp)]),
        "sisr_loader_sample_png": (i32, [vp, cp, c.POINTER(c.POINTER(c.c_uint8)), c.POINTER(c.c_size_t)]),
        "sisr_batch_size": (i64, [vp]),
        "sisr_batch_index": (i64, [vp]),
        "sisr_batch_counter": (i64, [vp]),
        "sisr_batch_pixels": (vp, [vp, c.POINTER(c.c_size_t)]),
        "sisr_batch_pixels_fd": (i32, [vp]),
        "sisr_batch_labels": (c.POINTER(c.c_int32), [vp]),
        "sisr_batch_key": (cp, [vp, i64]),
        "sisr_batch_keys": (cp, [vp]),
        "sisr_batch_free": (None, [vp]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    version = lib.sisr_loader_abi_version()
    if version != ABI_VERSION:
        raise OSError(f"{path} has C ABI version {version}, this package needs {ABI_VERSION}; rebuild or reinstall")
    lib.path = path
    _LIB = lib
    return lib
