"""Python bindings of the SISR Fingerprints dataset loader (libSISRLoaderC through ctypes).

``Loader`` yields NumPy batches; ``sisr_loader.torch_dataset.SISRIterableDataset`` wraps it for PyTorch;
``sisr_loader.reference`` is a pure NumPy reimplementation of the order/crop specification.
"""
from ._lib import library_kind, library_path
from .loader import Loader, LoaderError

__all__ = ["Loader", "LoaderError", "library_kind", "library_path"]
__version__ = "0.1.0"
