"""A PyTorch IterableDataset over the loader (PyTorch is optional; import this module only with it)."""
import torch
from torch.utils.data import IterableDataset, get_worker_info

from .loader import Loader


class SISRIterableDataset(IterableDataset):
    """Yields whole batches (images, labels, keys) as tensors; use with ``DataLoader(ds, batch_size=None)``.

    Each DataLoader worker ``w`` of ``W`` decodes batches ``w, w+W, w+2W, ...`` of the epoch, so no
    sample is duplicated and, since DataLoader returns worker outputs in turn, the batches arrive in
    the same order as with no workers. Call ``set_epoch(e)`` before each epoch (workers get a fresh
    copy of the dataset per epoch unless ``persistent_workers=True``; then recreate the DataLoader).
    ``threads`` is the number of decoding threads per worker (default 1 when workers are used).
    """

    def __init__(self, release, epoch=0, start=0, threads=None, **options):
        super().__init__()
        self.release, self.epoch, self.start = str(release), epoch, start
        self.threads, self.options = threads, options

    def set_epoch(self, epoch, start=0):
        self.epoch, self.start = epoch, start

    def __len__(self):
        with Loader(self.release, **self.options) as loader:
            return len(loader)

    def __iter__(self):
        info = get_worker_info()
        stride, offset = (info.num_workers, info.id) if info is not None else (1, 0)
        threads = self.threads if self.threads is not None else (1 if info is not None else 0)
        with Loader(self.release, threads=threads, **self.options) as loader:
            for images, labels, keys in loader.epoch(self.epoch, self.start, stride, offset):
                yield torch.from_numpy(images), torch.from_numpy(labels), keys
