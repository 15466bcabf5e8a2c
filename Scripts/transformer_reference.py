"""PyTorch reference modules for SwinIR and NLSN, written from the published structure
(research/sr-architectures.md sections 2.4, 2.5 and 3), with state_dict key names identical to
BasicSR's swinir_arch.py / the official network_swinir.py and to the official NLSN code.

Only used by Scripts/make_transformer_fixtures.py and Benchmarks/transformer_peer.py.

Deliberate, documented choices (the Swift side makes the same ones):
- SwinIR: `num_feat` (fixed 64 upstream) is a constructor argument so fixtures stay small.
- NLSN: the LSH rotations are passed in by the caller (`rotations[i]` for the i-th NLSA module of the
  body, shape [C/reduction, n_hashes, n_buckets/2]) instead of torch.randn, and the sort of hash codes
  is stable (ties ordered by position).
"""
import hashlib
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

RGB_MEAN = (0.4488, 0.4371, 0.4040)


# ----------------------------------------------------------------------------------------- SwinIR
class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


def window_partition(x, ws):  # (B,H,W,C) -> (B*nW, ws*ws, C)
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, ws * ws, c)


def window_reverse(win, ws, b, h, w):
    c = win.shape[-1]
    x = win.view(b, h // ws, w // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h, w, c)


class WindowAttention(nn.Module):
    def __init__(self, dim, ws, heads):
        super().__init__()
        self.ws, self.heads = ws, heads
        self.scale = (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (ws - 1)
        self.register_buffer("relative_position_index", rel[..., 0] * (2 * ws - 1) + rel[..., 1])
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask):
        bw, n, c = x.shape
        qkv = self.qkv(x).reshape(bw, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1)
        attn = attn + bias.permute(2, 0, 1)[None]
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(bw // nw, nw, self.heads, n, n) + mask[None, :, None]
            attn = attn.view(-1, self.heads, n, n)
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(bw, n, c))


def shift_mask(h, w, ws, shift):
    img = torch.zeros(1, h, w, 1)
    cnt = 0
    for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
        for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
            img[:, hs, wsl, :] = cnt
            cnt += 1
    mw = window_partition(img, ws).squeeze(-1)
    m = mw[:, None, :] - mw[:, :, None]
    return m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0)


class SwinBlock(nn.Module):
    def __init__(self, dim, res, heads, ws, shift, mlp_ratio):
        super().__init__()
        if res <= ws:
            shift, ws = 0, res
        self.ws, self.shift = ws, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, ws, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        if shift > 0:
            self.register_buffer("attn_mask", shift_mask(res, res, ws, shift))

    def forward(self, x, size):
        h, w = size
        b, _, c = x.shape
        t = self.norm1(x).view(b, h, w, c)
        if self.shift > 0:
            t = torch.roll(t, shifts=(-self.shift, -self.shift), dims=(1, 2))
        mask = shift_mask(h, w, self.ws, self.shift) if self.shift > 0 else None
        a = self.attn(window_partition(t, self.ws), mask)
        t = window_reverse(a, self.ws, b, h, w)
        if self.shift > 0:
            t = torch.roll(t, shifts=(self.shift, self.shift), dims=(1, 2))
        x = x + t.reshape(b, h * w, c)
        return x + self.mlp(self.norm2(x))


class ResidualGroup(nn.Module):
    def __init__(self, dim, res, depth, heads, ws, mlp_ratio):
        super().__init__()
        self.blocks = nn.ModuleList(
            [SwinBlock(dim, res, heads, ws, 0 if i % 2 == 0 else ws // 2, mlp_ratio) for i in range(depth)])


class RSTB(nn.Module):
    def __init__(self, dim, res, depth, heads, ws, mlp_ratio, resi):
        super().__init__()
        self.residual_group = ResidualGroup(dim, res, depth, heads, ws, mlp_ratio)
        if resi == "1conv":
            self.conv = nn.Conv2d(dim, dim, 3, 1, 1)
        else:
            self.conv = nn.Sequential(
                nn.Conv2d(dim, dim // 4, 3, 1, 1), nn.LeakyReLU(0.2), nn.Conv2d(dim // 4, dim // 4, 1),
                nn.LeakyReLU(0.2), nn.Conv2d(dim // 4, dim, 3, 1, 1))

    def forward(self, x, size):
        t = x
        for blk in self.residual_group.blocks:
            t = blk(t, size)
        b, _, c = t.shape
        img = t.transpose(1, 2).reshape(b, c, *size)
        return self.conv(img).flatten(2).transpose(1, 2) + x


class PatchEmbed(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)


class SwinIR(nn.Module):
    def __init__(self, upscale=2, img_size=48, window_size=8, embed_dim=180, depths=(6,) * 6,
                 num_heads=(6,) * 6, mlp_ratio=2.0, upsampler="pixelshuffle", resi_connection="1conv",
                 num_feat=64):
        super().__init__()
        self.upscale, self.upsampler, self.ws = upscale, upsampler, window_size
        self.register_buffer("mean", torch.tensor(RGB_MEAN).view(1, 3, 1, 1), persistent=False)
        self.conv_first = nn.Conv2d(3, embed_dim, 3, 1, 1)
        self.patch_embed = PatchEmbed(embed_dim)
        self.layers = nn.ModuleList([
            RSTB(embed_dim, img_size, d, h, window_size, mlp_ratio, resi_connection)
            for d, h in zip(depths, num_heads)])
        self.norm = nn.LayerNorm(embed_dim)
        if resi_connection == "1conv":
            self.conv_after_body = nn.Conv2d(embed_dim, embed_dim, 3, 1, 1)
        else:
            self.conv_after_body = nn.Sequential(
                nn.Conv2d(embed_dim, embed_dim // 4, 3, 1, 1), nn.LeakyReLU(0.2),
                nn.Conv2d(embed_dim // 4, embed_dim // 4, 1), nn.LeakyReLU(0.2),
                nn.Conv2d(embed_dim // 4, embed_dim, 3, 1, 1))
        self.conv_before_upsample = nn.Sequential(nn.Conv2d(embed_dim, num_feat, 3, 1, 1), nn.LeakyReLU())
        if upsampler == "pixelshuffle":
            ups = []
            if upscale in (2, 4, 8):
                for _ in range(int(math.log2(upscale))):
                    ups += [nn.Conv2d(num_feat, 4 * num_feat, 3, 1, 1), nn.PixelShuffle(2)]
            else:
                ups += [nn.Conv2d(num_feat, 9 * num_feat, 3, 1, 1), nn.PixelShuffle(3)]
            self.upsample = nn.Sequential(*ups)
        else:
            self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
            if upscale == 4:
                self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
            self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, 3, 3, 1, 1)

    def forward(self, x):
        """x: (1,3,H,W) already padded to a multiple of the window size."""
        x = x - self.mean
        f = self.conv_first(x)
        b, c, h, w = f.shape
        t = self.patch_embed.norm(f.flatten(2).transpose(1, 2))
        for layer in self.layers:
            t = layer(t, (h, w))
        t = self.norm(t).transpose(1, 2).reshape(b, c, h, w)
        f = self.conv_after_body(t) + f
        y = self.conv_before_upsample(f)
        if self.upsampler == "pixelshuffle":
            y = self.conv_last(self.upsample(y))
        else:
            y = F.leaky_relu(self.conv_up1(F.interpolate(y, scale_factor=2, mode="nearest")), 0.2)
            if self.upscale == 4:
                y = F.leaky_relu(self.conv_up2(F.interpolate(y, scale_factor=2, mode="nearest")), 0.2)
            y = self.conv_last(F.leaky_relu(self.conv_hr(y), 0.2))
        return y + self.mean


def swinir_pad(x, ws, mode):
    """BasicSR test rule ('reflect': pad bottom/right to a multiple of ws, excluding the edge) or the
    official main_test_swinir.py rule ('symmetric': always (H//ws+1)*ws-H rows, including the edge)."""
    h, w = x.shape[-2:]
    if mode == "reflect":
        ph, pw = (ws - h % ws) % ws, (ws - w % ws) % ws
        return F.pad(x, (0, pw, 0, ph), mode="reflect") if (ph or pw) else x
    ph, pw = (h // ws + 1) * ws - h, (w // ws + 1) * ws - w
    x = torch.cat([x, torch.flip(x, [2])], 2)[:, :, : h + ph, :]
    return torch.cat([x, torch.flip(x, [3])], 3)[:, :, :, : w + pw]


def swinir_infer(model, x, mode):
    h, w = x.shape[-2:]
    y = model(swinir_pad(x, model.ws, mode))
    return y[..., : h * model.upscale, : w * model.upscale]


# ------------------------------------------------------------------------------------------- NLSN
class MeanShift(nn.Conv2d):
    def __init__(self, rgb_range, sign):
        super().__init__(3, 3, 1)
        self.weight.data = torch.eye(3).view(3, 3, 1, 1)
        self.bias.data = sign * rgb_range * torch.tensor(RGB_MEAN)
        for p in self.parameters():
            p.requires_grad = False


def conv(cin, cout, k):
    return nn.Conv2d(cin, cout, k, padding=k // 2)


class ResBlock(nn.Module):
    def __init__(self, n, res_scale):
        super().__init__()
        self.body = nn.Sequential(conv(n, n, 3), nn.ReLU(), conv(n, n, 3))
        self.res_scale = res_scale

    def forward(self, x):
        return self.body(x) * self.res_scale + x


class NLSA(nn.Module):
    def __init__(self, channels, chunk_size, n_hashes, reduction, res_scale):
        super().__init__()
        self.chunk, self.n_hashes, self.res_scale = chunk_size, n_hashes, res_scale
        self.conv_match = nn.Sequential(conv(channels, channels // reduction, 3))
        self.conv_assembly = nn.Sequential(conv(channels, channels, 1))
        self.rotations = None  # set by the caller: [Cm, n_hashes, n_buckets/2]

    def forward(self, x):
        _, _, h, w = x.shape
        xe = self.conv_match(x)[0].flatten(1).t()  # (L, Cm)
        ye = self.conv_assembly(x)[0].flatten(1).t()  # (L, C)
        L = xe.shape[0]
        nb = min(L // self.chunk + (L // self.chunk) % 2, 128)
        rot = self.rotations
        assert rot.shape == (xe.shape[1], self.n_hashes, nb // 2), (rot.shape, nb)
        v = torch.einsum("tf,fhi->hti", xe, rot)
        codes = torch.argmax(torch.cat([v, -v], -1), -1) + torch.arange(self.n_hashes)[:, None] * nb
        order = torch.sort(codes.reshape(-1), stable=True).indices
        undo = torch.argsort(order)
        pos = order % L
        xs = xe[pos].view(self.n_hashes, L, -1)
        ys = ye[pos].view(self.n_hashes, L, -1)
        pad = (self.chunk - L % self.chunk) % self.chunk
        if pad:
            xs = torch.cat([xs, xs[:, -pad:]], 1)
            ys = torch.cat([ys, ys[:, -pad:]], 1)
        xs = xs.view(self.n_hashes, -1, self.chunk, xs.shape[-1])
        ys = ys.view(self.n_hashes, -1, self.chunk, ys.shape[-1])
        km = F.normalize(xs, p=2, dim=-1, eps=5e-5)

        def adjacent(t):
            return torch.cat([t, torch.roll(t, 1, dims=1), torch.roll(t, -1, dims=1)], dim=2)

        score = torch.einsum("hkie,hkje->hkij", xs, adjacent(km))
        lse = torch.logsumexp(score, -1, keepdim=True)
        out = torch.einsum("hkij,hkje->hkie", torch.exp(score - lse), adjacent(ys))
        out = out.reshape(self.n_hashes, -1, out.shape[-1])[:, :L]
        lse = lse.reshape(self.n_hashes, -1)[:, :L]
        out = out.reshape(self.n_hashes * L, -1)[undo].view(self.n_hashes, L, -1)
        lse = lse.reshape(-1)[undo].view(self.n_hashes, L, 1)
        y = (out * torch.softmax(lse, 0)).sum(0)
        return y.t().reshape(1, -1, h, w) * self.res_scale + x


class NLSN(nn.Module):
    def __init__(self, scale=2, n_resblocks=32, n_feats=256, res_scale=0.1, chunk_size=144, n_hashes=4,
                 reduction=4, rgb_range=1.0):
        super().__init__()
        self.sub_mean = MeanShift(rgb_range, -1)
        self.add_mean = MeanShift(rgb_range, 1)
        self.head = nn.Sequential(conv(3, n_feats, 3))
        mk = lambda: NLSA(n_feats, chunk_size, n_hashes, reduction, res_scale)  # noqa: E731
        body = [mk()]
        for i in range(n_resblocks):
            body.append(ResBlock(n_feats, res_scale))
            if (i + 1) % 8 == 0:
                body.append(mk())
        body.append(conv(n_feats, n_feats, 3))
        self.body = nn.Sequential(*body)
        up = []
        if scale in (2, 4, 8):
            for _ in range(int(math.log2(scale))):
                up += [conv(n_feats, 4 * n_feats, 3), nn.PixelShuffle(2)]
        else:
            up += [conv(n_feats, 9 * n_feats, 3), nn.PixelShuffle(3)]
        self.tail = nn.Sequential(nn.Sequential(*up), conv(n_feats, 3, 3))

    def nlsa_modules(self):
        return [(i, m) for i, m in enumerate(self.body) if isinstance(m, NLSA)]

    def forward(self, x):
        x = self.sub_mean(x)
        h = self.head(x)
        return self.add_mean(self.tail(self.body(h) + h))


# ------------------------------------------------------------ the seeded rotations (Swift's spec)
class SeededRandom:
    """SISRCore SeededRandom (SplitMix64 streams named through SHA-256)."""
    M = (1 << 64) - 1

    def __init__(self, seed, *names):
        text = "|".join(["sisr-v1", str(seed), *names]).encode()
        self.state = int.from_bytes(hashlib.sha256(text).digest()[:8], "big")

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.M
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.M
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next() >> 11) * 2.0 ** -53


def nlsn_rotations(seed, body_index, cm, n_hashes, n_buckets):
    """The rotations Swift's NLSN draws for body.<body_index>: stream
    SeededRandom(seed, "nlsn", "body.<i>", "buckets.<nb>"); pairs (u1, u2) of nextDouble;
    r = sqrt(-2 ln(1 - u1)), t = 2 pi u2; emit r cos t then r sin t (the last sine dropped when the
    count is odd); rounded to float32 and laid out row-major as [Cm, n_hashes, n_buckets/2]."""
    rng = SeededRandom(seed, "nlsn", f"body.{body_index}", f"buckets.{n_buckets}")
    count = cm * n_hashes * (n_buckets // 2)
    vals = []
    while len(vals) < count:
        u1, u2 = rng.next_double(), rng.next_double()
        r = math.sqrt(-2.0 * math.log(1.0 - u1))
        t = 2.0 * math.pi * u2
        vals += [r * math.cos(t), r * math.sin(t)]
    return torch.tensor(vals[:count], dtype=torch.float32).view(cm, n_hashes, n_buckets // 2)


def nlsn_set_rotations(model, seed, h, w):
    L = h * w
    for i, m in model.nlsa_modules():
        nb = min(L // m.chunk + (L // m.chunk) % 2, 128)
        cm = m.conv_match[0].out_channels
        m.rotations = nlsn_rotations(seed, i, cm, m.n_hashes, nb)
