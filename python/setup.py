"""Installs sisr_loader and records which libSISRLoaderC it binds to.

At install time the library is chosen deliberately and its path written to
``sisr_loader/_build_info.py``, so the installed package finds it from any folder:
``SISR_LOADER_LIB`` if set, else the newest release build under ``<repo>/.build*/``, else (with a
warning: decoding is about 1.7x slower) the newest debug build. The choice is printed (``pip install
-v ./python`` shows it). At run time ``SISR_LOADER_LIB`` still takes precedence.
"""
import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "sisr_loader"))
from _lib import built_libraries, library_kind  # noqa: E402  (the package's own lookup rules)


def find_library():
    env = os.environ.get("SISR_LOADER_LIB")
    if env:
        return os.path.abspath(env)
    found = built_libraries(os.path.dirname(HERE))
    return found[0] if found else None


class BuildPy(build_py):
    def run(self):
        super().run()
        path = find_library()
        if path is None:
            print("sisr_loader: no libSISRLoaderC found; run `swift build -c release` first or set SISR_LOADER_LIB "
                  "(the package will look in the source tree at run time)", file=sys.stderr)
        else:
            kind = library_kind(path)
            note = ": about 1.7x slower; `swift build -c release` and reinstall" if kind == "debug" else ""
            print(f"sisr_loader: binding to {path} ({kind} build{note})", file=sys.stderr)
        target = os.path.join(self.build_lib, "sisr_loader", "_build_info.py")
        with open(target, "w") as f:
            f.write(f"LIB_PATH = {path!r}\n")


setup(cmdclass={"build_py": BuildPy})
