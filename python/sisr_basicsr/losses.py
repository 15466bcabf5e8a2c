"""ResNetPerceptualLoss: the paper's "ResNet" perceptual term, on torchvision ResNet18 features.

Like BasicSR's ``PerceptualLoss`` (same argument names): ``loss = perceptual_weight * sum_k w_k *
criterion(f_k(x), f_k(gt))`` with ``f_k`` the output of stage ``k`` of a frozen, eval-mode ResNet18
(``conv1``, ``relu`` (after bn1), ``maxpool``, ``layer1`` ... ``layer4``; the paper uses ``layer3``:
256 channels, stride 16). Input in [0, 1] RGB (``range_norm`` maps [-1, 1] first), ImageNet
normalisation when ``use_input_norm``. Weights: ``experiments/pretrained_models/resnet18-f37072fd.pth``
when present (as BasicSR does for VGG19), else torchvision's ImageNet weights (downloaded once).
"""
import os

import torch
import torch.nn as nn
import torchvision
from basicsr.utils.registry import LOSS_REGISTRY

RESNET_PRETRAIN_PATH = "experiments/pretrained_models/resnet18-f37072fd.pth"
STAGES = ["conv1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]


def resnet18_features():
    net = torchvision.models.resnet18(weights=None)
    if os.path.exists(RESNET_PRETRAIN_PATH):
        net.load_state_dict(torch.load(RESNET_PRETRAIN_PATH, map_location="cpu", weights_only=True))
    else:
        net = torchvision.models.resnet18(weights=torchvision.models.ResNet18_Weights.IMAGENET1K_V1)
    return net


@LOSS_REGISTRY.register()
class ResNetPerceptualLoss(nn.Module):
    def __init__(self, layer_weights, resnet_type="resnet18", use_input_norm=True, range_norm=False,
                 perceptual_weight=1.0, criterion="l1"):
        super().__init__()
        assert resnet_type == "resnet18", f"unsupported resnet_type {resnet_type}"
        unknown = set(layer_weights) - set(STAGES)
        assert not unknown, f"unknown ResNet18 layers {sorted(unknown)} (known: {STAGES})"
        self.layer_weights = dict(layer_weights)
        self.use_input_norm, self.range_norm, self.perceptual_weight = use_input_norm, range_norm, perceptual_weight
        criteria = {"l1": nn.L1Loss(), "l2": nn.MSELoss()}
        assert criterion in criteria, f"unsupported criterion {criterion}"
        self.criterion = criteria[criterion]
        net = resnet18_features()
        last = max(STAGES.index(k) for k in self.layer_weights)
        self.stages = nn.ModuleDict()
        for name in STAGES[: last + 1]:
            self.stages[name] = nn.Sequential(net.bn1, net.relu) if name == "relu" else getattr(net, name)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad = False
        self.stages.eval()

    def train(self, mode=True):  # the feature network stays in eval mode (batch-norm statistics frozen)
        super().train(mode)
        self.stages.eval()
        return self

    def features(self, x):
        if self.range_norm:
            x = (x + 1) / 2
        if self.use_input_norm:
            x = (x - self.mean) / self.std
        out = {}
        for name, stage in self.stages.items():
            x = stage(x)
            if name in self.layer_weights:
                out[name] = x.clone()
        return out

    def forward(self, x, gt):
        fx, fy = self.features(x), self.features(gt.detach())
        loss = sum(self.criterion(fx[k], fy[k]) * w for k, w in self.layer_weights.items())
        return loss * self.perceptual_weight, None
