"""RDN and NLSN for BasicSR's ARCH_REGISTRY, with the parameter names sisr reads.

RDN (Zhang et al. 2018, EDSR-PyTorch layout, config B by default): shallow features ``SFENet1``,
``SFENet2``; ``num_block`` residual dense blocks ``RDBs.<d>`` of ``num_layer`` densely connected
3x3 conv + ReLU layers (``convs.<c>.conv.0``, growth ``num_grow_ch``) and a 1x1 local fusion ``LFF``
with a skip; global fusion ``GFF.0`` (1x1) and ``GFF.1`` (3x3) over the concatenated block outputs,
plus the first shallow features; sub-pixel upsampler ``UPNet.<2k>`` (to ``num_grow_ch`` channels)
and the output conv. The input is multiplied by ``img_range`` (no mean shift), the output divided.

NLSN (Mei et al. 2021, official layout): ``sub_mean``/``add_mean`` fixed 1x1 convs (DIV2K mean x
``rgb_range``), ``head.0``, a body of an attention module, then residual blocks
(``body.<i>.body.{0,2}``, scaled by ``res_scale``) with another attention module after every 8th,
and a final 3x3 conv; global skip; ``tail.0.<2k>`` sub-pixel upsampler and ``tail.1``. Attention:
non-local sparse attention with LSH buckets (``conv_match.0`` 3x3 to C/reduction, ``conv_assembly.0``
1x1); in training the rotations are fresh ``torch.randn`` draws (as the official code), in eval mode
sisr's seeded rotations (``hash_seed``), so that PyTorch and sisr outputs agree.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from basicsr.utils.registry import ARCH_REGISTRY

from .rotations import n_buckets, nlsn_rotations

DIV2K_MEAN = (0.4488, 0.4371, 0.4040)


def _conv(cin, cout, k):
    return nn.Conv2d(cin, cout, k, padding=k // 2)


def _shuffle_factors(scale):
    if scale == 3:
        return [3]
    assert scale in (1, 2, 4, 8), f"unsupported scale {scale}"
    return [2] * int(math.log2(scale))


def _upsampler(cin, cout, scale):
    """Sub-pixel convolution steps: conv to cout*r*r, PixelShuffle(r) (keys 0, 2, 4, ...)."""
    layers = []
    for r in _shuffle_factors(scale):
        layers += [_conv(cin, cout * r * r, 3), nn.PixelShuffle(r)]
        cin = cout
    return layers


class _DenseLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.conv = nn.Sequential(_conv(cin, growth, 3), nn.ReLU(inplace=True))

    def forward(self, x):
        return torch.cat([x, self.conv(x)], 1)


class _ResidualDenseBlock(nn.Module):
    def __init__(self, features, growth, layers):
        super().__init__()
        self.convs = nn.Sequential(*[_DenseLayer(features + c * growth, growth) for c in range(layers)])
        self.LFF = nn.Conv2d(features + layers * growth, features, 1)

    def forward(self, x):
        return self.LFF(self.convs(x)) + x


@ARCH_REGISTRY.register()
class RDN(nn.Module):
    def __init__(self, num_in_ch, num_out_ch, num_feat=64, num_block=16, num_layer=8, num_grow_ch=64, upscale=4,
                 img_range=255.0):
        super().__init__()
        self.img_range = img_range
        self.SFENet1 = _conv(num_in_ch, num_feat, 3)
        self.SFENet2 = _conv(num_feat, num_feat, 3)
        self.RDBs = nn.ModuleList(_ResidualDenseBlock(num_feat, num_grow_ch, num_layer) for _ in range(num_block))
        self.GFF = nn.Sequential(nn.Conv2d(num_block * num_feat, num_feat, 1), _conv(num_feat, num_feat, 3))
        up = _upsampler(num_feat, num_grow_ch, upscale)
        self.UPNet = nn.Sequential(*up, _conv(num_grow_ch, num_out_ch, 3))

    def forward(self, x):
        f1 = self.SFENet1(x * self.img_range)
        h = self.SFENet2(f1)
        outs = []
        for block in self.RDBs:
            h = block(h)
            outs.append(h)
        h = self.GFF(torch.cat(outs, 1)) + f1
        return self.UPNet(h) / self.img_range


class _MeanShift(nn.Conv2d):
    """1x1 conv x + sign * rgb_range * mean, frozen (stored in the state dict like the official)."""

    def __init__(self, rgb_range, sign):
        super().__init__(3, 3, 1)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1)
        self.bias.data = sign * rgb_range * torch.tensor(DIV2K_MEAN)
        for p in self.parameters():
            p.requires_grad = False


class _ResBlock(nn.Module):
    def __init__(self, features, res_scale):
        super().__init__()
        self.body = nn.Sequential(_conv(features, features, 3), nn.ReLU(inplace=True), _conv(features, features, 3))
        self.res_scale = res_scale

    def forward(self, x):
        return self.body(x) * self.res_scale + x


class NonLocalSparseAttention(nn.Module):
    def __init__(self, channels, chunk_size, n_hashes, reduction, res_scale, body_index, hash_seed):
        super().__init__()
        self.chunk, self.n_hashes, self.res_scale = chunk_size, n_hashes, res_scale
        self.body_index, self.hash_seed = body_index, hash_seed
        self.conv_match = nn.Sequential(_conv(channels, channels // reduction, 3))
        self.conv_assembly = nn.Sequential(_conv(channels, channels, 1))
        self._seeded = {}

    def rotations(self, channels, buckets, like):
        if self.training:
            return torch.randn(channels, self.n_hashes, buckets // 2, dtype=like.dtype, device=like.device)
        if buckets not in self._seeded:
            self._seeded[buckets] = nlsn_rotations(self.hash_seed, self.body_index, channels, self.n_hashes, buckets)
        return self._seeded[buckets].to(device=like.device, dtype=like.dtype)

    def forward(self, x):
        n, c, h, w = x.shape
        tokens = h * w
        match = self.conv_match(x).flatten(2).transpose(1, 2)  # N, L, Cm
        assembly = self.conv_assembly(x).flatten(2).transpose(1, 2)  # N, L, C
        nb = n_buckets(tokens, self.chunk)
        rot = self.rotations(match.shape[-1], nb, match)
        proj = torch.einsum("ntf,fhi->nhti", match, rot)
        codes = torch.argmax(torch.cat([proj, -proj], -1), -1)  # N, H, L: first maximum
        codes = codes + torch.arange(self.n_hashes, device=x.device).view(1, -1, 1) * nb
        order = torch.sort(codes.reshape(n, -1), dim=-1, stable=True).indices  # rounds, codes, positions
        undo = torch.argsort(order, dim=-1)
        positions = order % tokens

        def sort(t):
            return torch.gather(t, 1, positions.unsqueeze(-1).expand(-1, -1, t.shape[-1])).view(
                n, self.n_hashes, tokens, -1)

        qs, vs = sort(match), sort(assembly)
        pad = (self.chunk - tokens % self.chunk) % self.chunk
        if pad:
            idx = torch.arange(tokens + pad, device=x.device)
            idx = torch.where(idx < tokens, idx, (idx - pad) % tokens)  # cyclic: the last `pad` entries
            qs, vs = qs[:, :, idx], vs[:, :, idx]
        chunks = (tokens + pad) // self.chunk
        qs = qs.reshape(n, self.n_hashes, chunks, self.chunk, -1)
        vs = vs.reshape(n, self.n_hashes, chunks, self.chunk, -1)
        keys = F.normalize(qs, p=2, dim=-1, eps=5e-5)

        def neighbours(t):  # the chunk itself, the previous one, the next one (cyclic)
            return torch.cat([t, torch.roll(t, 1, dims=2), torch.roll(t, -1, dims=2)], dim=3)

        score = torch.einsum("nhkie,nhkje->nhkij", qs, neighbours(keys))
        lse = torch.logsumexp(score, -1, keepdim=True)
        out = torch.einsum("nhkij,nhkje->nhkie", torch.exp(score - lse), neighbours(vs))
        out = out.reshape(n, self.n_hashes, -1, c)[:, :, :tokens].reshape(n, -1, c)
        lse = lse.reshape(n, self.n_hashes, -1)[:, :, :tokens].reshape(n, -1)
        out = torch.gather(out, 1, undo.unsqueeze(-1).expand(-1, -1, c)).view(n, self.n_hashes, tokens, c)
        lse = torch.gather(lse, 1, undo).view(n, self.n_hashes, tokens, 1)
        y = (out * torch.softmax(lse, dim=1)).sum(1)  # N, L, C
        return y.transpose(1, 2).reshape(n, c, h, w) * self.res_scale + x


@ARCH_REGISTRY.register()
class NLSN(nn.Module):
    def __init__(self, scale=2, n_resblocks=32, n_feats=256, res_scale=0.1, chunk_size=144, n_hashes=4, reduction=4,
                 rgb_range=1.0, hash_seed=0):
        super().__init__()
        self.sub_mean = _MeanShift(rgb_range, -1)
        self.add_mean = _MeanShift(rgb_range, 1)
        self.head = nn.Sequential(_conv(3, n_feats, 3))
        body = []

        def attention():
            body.append(NonLocalSparseAttention(n_feats, chunk_size, n_hashes, reduction, res_scale, len(body),
                                                hash_seed))

        attention()
        for i in range(n_resblocks):
            body.append(_ResBlock(n_feats, res_scale))
            if (i + 1) % 8 == 0:
                attention()
        body.append(_conv(n_feats, n_feats, 3))
        self.body = nn.Sequential(*body)
        self.tail = nn.Sequential(nn.Sequential(*_upsampler(n_feats, n_feats, scale)), _conv(n_feats, 3, 3))

    def forward(self, x):
        x = self.sub_mean(x)
        h = self.head(x)
        return self.add_mean(self.tail(self.body(h) + h))
