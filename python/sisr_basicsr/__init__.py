"""BasicSR additions for the paper's custom models: ``import sisr_basicsr`` registers with BasicSR 1.4.2

- ``RDN`` (EDSR-PyTorch layout: ``SFENet1``, ``RDBs.<d>.convs.<c>.conv.0``, ``GFF``, ``UPNet``) and
  ``NLSN`` (official layout: ``sub_mean``, ``head.0``, ``body.<i>``, ``tail``, ``add_mean``) in
  ``ARCH_REGISTRY``, with the key names sisr's readers expect;
- ``ResNetPerceptualLoss`` (torchvision ResNet18 features, ``layer3`` in the paper) in ``LOSS_REGISTRY``.

It also installs the ``torchvision.transforms.functional_tensor`` stand-in BasicSR 1.4.2 imports and
current torchvision no longer has. Written from the published descriptions of the networks
(research notes of this project), not copied from their repositories.
"""
import sys

import torchvision.transforms.functional as _tvf

sys.modules.setdefault("torchvision.transforms.functional_tensor", _tvf)

from . import archs, losses  # noqa: E402,F401  (registration happens on import)

__all__ = ["archs", "losses"]
