"""A PyTorch IterableDataset over the loader (PyTorch is optional; import this module only with it)."""
import torch
from torch.utils.data import IterableDataset, get_worker_info

import numpy as np

from .loader import Loader, _BatchBuffer


class SISRIterableDataset(IterableDataset):
    """Yields whole batches (images, labels, keys) as tensors; use with ``DataLoader(ds, batch_size=None)``.

    Each DataLoader worker ``w`` of ``W`` decodes batches ``w, w+W, w+2W, ...`` of the epoch, so no
    sample is duplicated and, since DataLoader returns worker outputs in turn, the batches arrive in
    the same order as with no workers. Call ``set_epoch(e)`` before each epoch (workers get a fresh
    copy of the dataset per epoch unless ``persistent_workers=True``; then recreate the DataLoader).
    ``threads`` is the number of decoding threads per worker (default 1 when workers are used).

    In a worker the library decodes each batch straight into a POSIX shared-memory object that
    becomes the tensor's storage, so the DataLoader passes the batch to the main process by file
    descriptor without copying its pixels (``shared_memory``; a torch without the private
    ``UntypedStorage._new_shared_fd_cpu`` gets ordinary tensors, which the DataLoader copies). Each
    worker reuses those objects (no fresh allocation, zeroing and mapping per batch), but only once
    the kernel reports that no process holds a descriptor or mapping of the batch any more: a batch
    tensor, a view or a NumPy array of it that you keep is never overwritten.
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
        options = dict(self.options)
        if info is not None:  # the DataLoader already keeps prefetch_factor batches per worker in flight
            options.setdefault("prefetch", 2)
        shared = options.setdefault("shared_memory", info is not None) and hasattr(torch.UntypedStorage, "_new_shared_fd_cpu")
        with Loader(self.release, threads=threads, **options) as loader:
            if not shared:
                for images, labels, keys in loader.epoch(self.epoch, self.start, stride, offset):
                    yield torch.from_numpy(images), torch.from_numpy(labels), keys
                return
            dtype, shape = loader.pixel_shape
            dtype = getattr(torch, dtype)
            for _ptr, nbytes, fd, owner, labels, keys in loader._batches(self.epoch, self.start, stride, offset):
                if fd < 0:  # the system refused shared memory: an ordinary tensor (the DataLoader copies it)
                    raw = np.frombuffer(_BatchBuffer.from_address(_ptr, nbytes, owner), dtype=loader.pixel_shape[0])
                    yield torch.from_numpy(raw.reshape((len(keys),) + shape)), torch.from_numpy(labels), keys
                    continue
                storage = torch.UntypedStorage._new_shared_fd_cpu(fd, nbytes)  # maps a duplicate of fd
                del owner  # frees the library's batch (its mapping and fd); the pages live on in `storage`
                images = torch.empty(0, dtype=dtype).set_(storage).view((len(keys),) + shape)
                yield images, torch.from_numpy(labels), keys
