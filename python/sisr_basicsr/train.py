"""BasicSR's own training entry point with sisr_basicsr registered:

    python -m sisr_basicsr.train -opt manifests/training/<model>.yml            # one process
    torchrun --nproc_per_node=4 -m sisr_basicsr.train -opt <file> --launcher pytorch

Experiments go to ``./experiments/<name>/`` (the current folder is BasicSR's root path).
"""
import os

import sisr_basicsr  # noqa: F401  (registers RDN, NLSN, ResNetPerceptualLoss)
from basicsr.train import train_pipeline

if __name__ == "__main__":
    train_pipeline(os.getcwd())
