"""Installs sisr_loader and records where libSISRLoaderC was built.

At install time the path of the newest ``libSISRLoaderC.so`` under ``<repo>/.build*/`` (or the value
of ``SISR_LOADER_LIB``) is written to ``sisr_loader/_build_info.py``, so the installed package finds
the library from anywhere. At run time ``SISR_LOADER_LIB`` still takes precedence.
"""
import glob
import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def find_library():
    env = os.environ.get("SISR_LOADER_LIB")
    if env:
        return os.path.abspath(env)
    repo = os.path.dirname(HERE)
    found = glob.glob(os.path.join(repo, ".build*", "*", "libSISRLoaderC.so"))
    found += glob.glob(os.path.join(repo, ".build*", "*", "*", "libSISRLoaderC.so"))
    return max(found, key=os.path.getmtime) if found else None


class BuildPy(build_py):
    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "sisr_loader", "_build_info.py")
        with open(target, "w") as f:
            f.write(f"LIB_PATH = {find_library()!r}\n")


setup(cmdclass={"build_py": BuildPy})
