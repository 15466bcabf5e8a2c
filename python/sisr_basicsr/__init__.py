"""BasicSR additions for the paper's custom models: ``import sisr_basicsr`` registers with BasicSR 1.4.2

- ``RDN`` (EDSR-PyTorch layout: ``SFENet1``, ``RDBs.<d>.convs.<c>.conv.0``, ``GFF``, ``UPNet``) and
  ``NLSN`` (official layout: ``sub_mean``, ``head.0``, ``body.<i>``, ``tail``, ``add_mean``) in
  ``ARCH_REGISTRY``, with the key names sisr's readers expect;
- ``ResNetPerceptualLoss`` (torchvision ResNet18 features, ``layer3`` in the paper) in ``LOSS_REGISTRY``.

It also installs the ``torchvision.transforms.functional_tensor`` stand-in BasicSR 1.4.2 imports and
current torchvision no longer has, and makes ``PerceptualLoss(criterion='l2')`` work (BasicSR 1.4.2
calls the nonexistent ``torch.nn.L2loss``; here it is ``torch.nn.MSELoss``), and gives
``VGGStyleDiscriminator`` a contiguous input (its ``.view`` fails on SwinIR's x4 output). Written from the published descriptions of the networks
(research notes of this project), not copied from their repositories.
"""
import sys

import torch.nn as _nn
import torchvision.transforms.functional as _tvf

sys.modules.setdefault("torchvision.transforms.functional_tensor", _tvf)
# BasicSR 1.4.2's PerceptualLoss maps `criterion: l2` to `torch.nn.L2loss()`, which torch never had;
# the evident intent (and what the option files mean by l2) is the mean squared error.
if not hasattr(_nn, "L2loss"):
    _nn.L2loss = _nn.MSELoss

from basicsr.archs.discriminator_arch import VGGStyleDiscriminator as _VGGStyleDiscriminator  # noqa: E402

from . import archs, losses  # noqa: E402,F401  (registration happens on import)

# BasicSR 1.4.2's VGGStyleDiscriminator flattens with `.view`, which fails on a non-contiguous input
# (SwinIR's output at x4 is one): the discriminator gets a contiguous copy; values are unchanged.
_discriminator_forward = _VGGStyleDiscriminator.forward
if not getattr(_discriminator_forward, "_sisr_contiguous", False):
    def _contiguous_forward(self, x):
        return _discriminator_forward(self, x.contiguous())

    _contiguous_forward._sisr_contiguous = True
    _VGGStyleDiscriminator.forward = _contiguous_forward

__all__ = ["archs", "losses"]
