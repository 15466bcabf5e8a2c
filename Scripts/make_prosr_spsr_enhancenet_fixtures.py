#!/usr/bin/env python3
"""Parity fixtures for ProSR, SPSR and EnhanceNet: tiny networks with perturbed seeded weights, saved
in the official containers, and their outputs on odd-sized 8-bit inputs, processed as the official
test scripts do.

The modules are written from the official descriptions (fperazzi/proSR lib/prosr/models,
Maclory/SPSR code/models/modules/architecture.py, msmsajjadi/EnhanceNet-Code enhancenet.py + nnlib.py);
no code is copied.
  - ProSR: legacy torch.save of {'class_name', 'params': EasyDict(config), 'state_dict'} (as test.py
    reads it); output = net(normalised x, s) + normalised PIL bicubic of the uint8 LR, de-normalised.
    One checkpoint, x2 and x4 outputs.
  - SPSR: legacy torch.save of the plain state dict (every alias of a shared module is stored, as
    state_dict() does); output = the second of SPSRNet's outputs.
  - EnhanceNet: TensorFlow 1 graph (tf.compat.v1), tf.compat.v1.train.Saver(write_version=V1); output
    = generator(x - means) + legacy bicubic x4 of (x - means) + means.

Writes into Tests/SRModelsTests/Fixtures/pretrained/: <name>.pth / enhancenet_weights, <name>_in.npy
(uint8 / 255 float32), <name>_out.npy (float32, the value the saver scales by 255), and
prosr-spsr-enhancenet.json (arch, weights, container, config, scale, input, output).
Run:  python3 Scripts/make_prosr_spsr_enhancenet_fixtures.py   (needs torch, numpy, Pillow, easydict,
      tensorflow-cpu)
"""
import collections
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "SRModelsTests", "Fixtures", "pretrained")


def perturb(module, seed, scale=1.0):
    """Replaces every parameter by seeded uniform values of the default-init magnitude."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            fan = p[0].numel() if p.dim() > 1 else p.numel()
            bound = scale / max(fan, 1) ** 0.5
            p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * bound)


def image(h, w, seed):
    rng = np.random.default_rng(seed)
    base = np.linspace(40, 215, h * w).reshape(h, w)
    return np.clip(base[..., None] + rng.integers(-40, 41, (h, w, 3)), 0, 255).astype(np.uint8)


def save_npy(name, array):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(array, dtype=np.float32))


# ---------------------------------------------------------------- ProSR

class ReflectConv(nn.Module):
    """ProSR Conv2d: ReflectionPad2d(k//2) then an unpadded conv, inside `conv` (Sequential)."""

    def __init__(self, cin, cout, k=3):
        super().__init__()
        self.conv = nn.Sequential(nn.ReflectionPad2d(k // 2), nn.Conv2d(cin, cout, k))

    def forward(self, x):
        return self.conv(x)


class Compression(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 1, bias=False)


class DenseLayer(nn.Sequential):
    def __init__(self, cin, growth, bn):
        super().__init__()
        self.conv_1 = nn.Conv2d(cin, bn * growth, 1)
        self.relu_2 = nn.ReLU()
        self.conv_2 = ReflectConv(bn * growth, growth)

    def forward(self, x):
        return torch.cat([x, super().forward(x)], 1)


class DenseResidualBlock(nn.Sequential):
    def __init__(self, f, layers, growth, bn, res_factor):
        super().__init__()
        self.res_factor = res_factor
        self.dense_block = nn.Sequential(collections.OrderedDict(
            ("denselayer%d" % (i + 1), DenseLayer(f + i * growth, growth, bn)) for i in range(layers)))
        self.comp = Compression(f + layers * growth, f)

    def forward(self, x):
        return self.res_factor * super().forward(x) + x


class ProSR(nn.Module):
    def __init__(self, num_init_features, bn_size, growth_rate, ps_woReLU, level_config, res_factor,
                 max_num_feature, max_scale, **_):
        super().__init__()
        self.levels = len(level_config)
        f = num_init_features
        for s in range(1, self.levels + 1):
            self.add_module("init_conv_%d" % s, ReflectConv(3, f))
        for i, blocks in enumerate(level_config):
            body = collections.OrderedDict()
            if i:
                body["compression_%d" % i] = Compression(f, num_init_features)
                f = num_init_features
            for b, n in enumerate(blocks):
                body["residual_denseblock_%d" % (b + 1)] = DenseResidualBlock(f, n, growth_rate, bn_size, res_factor)
            final = collections.OrderedDict()
            if f > max_num_feature:
                final["final_comp"] = Compression(f, max_num_feature)
                f = max_num_feature
            final["final_conv"] = ReflectConv(f, f)
            body["final_conv"] = nn.Sequential(final)
            self.add_module("pyramid_residual_%d" % (i + 1), nn.Sequential(body))
            up = [ReflectConv(f, 4 * f), nn.PixelShuffle(2)] + ([] if ps_woReLU else [nn.ReLU()])
            ups = nn.Sequential()
            ups.m = nn.Sequential(*up)
            self.add_module("pyramid_residual_%d_residual_upsampler" % (i + 1), ups)
            self.add_module("reconst_%d" % (i + 1), nn.Sequential(collections.OrderedDict(final_conv=ReflectConv(f, 3))))

    def forward(self, x, scale):
        steps = int(np.log2(scale))
        feats = getattr(self, "init_conv_%d" % steps)(x)
        for s in range(1, steps + 1):
            feats = getattr(self, "pyramid_residual_%d" % s)(feats) + feats
            feats = getattr(self, "pyramid_residual_%d_residual_upsampler" % s).m(feats)
        return getattr(self, "reconst_%d" % steps)(feats)


def prosr_fixtures(entries):
    from easydict import EasyDict
    mean, std = [0.4488, 0.4371, 0.4040], [0.0039215] * 3
    G = dict(residual_denseblock=True, num_init_features=6, growth_rate=3, bn_size=2, ps_woReLU=False,
             level_config=[[2, 1], [1]], level_compression=-1, res_factor=0.2, max_num_feature=312, max_scale=4)
    torch.manual_seed(3)
    net = ProSR(**G).eval()
    perturb(net, 31, scale=0.6)
    params = EasyDict({"G": G, "train": {"dataset": {"mean": mean, "stddev": std}}, "test": {"dataset": {"stddev": std}}})
    ckpt = {"class_name": "ProSR", "params": params, "state_dict": net.state_dict()}
    torch.save(ckpt, os.path.join(OUT, "prosr.pth"), _use_new_zipfile_serialization=False)
    # The same container with one extra global the safe unpickler must refuse (nothing is executed:
    # loading is refused at the GLOBAL opcode). Tiny state dicts keep these files small.
    import os as _os

    class Shell:
        def __reduce__(self):
            return (_os.system, ("true",))

    tiny = {"init_conv_1.conv.1.weight": torch.zeros(1)}
    for name, extra in (("prosr_refused_system.pth", Shell()), ("prosr_refused_counter.pth", collections.Counter(a=1))):
        bad = EasyDict({"G": G, "train": {"dataset": {"mean": mean, "stddev": std}}})
        # (EasyDict would turn a dict subclass such as Counter into an EasyDict, so it sits beside it.)
        torch.save({"class_name": "ProSR", "params": bad, "extra": extra, "state_dict": tiny}, os.path.join(OUT, name),
                   _use_new_zipfile_serialization=False)
    lr = image(9, 11, 5)
    norm = lambda a: (torch.from_numpy(a).permute(2, 0, 1)[None].float().div(255) - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    save_npy("prosr_in.npy", lr.transpose(2, 0, 1)[None] / 255.0)
    for s in (2, 4):
        bic = np.array(Image.fromarray(lr).resize((lr.shape[1] * s, lr.shape[0] * s), Image.BICUBIC))
        with torch.no_grad():
            out = net(norm(lr), s) + norm(bic)
        img = out[0].numpy().transpose(1, 2, 0) * np.array(std) + np.array(mean)  # tensor2im before x255
        save_npy("prosr_x%d_out.npy" % s, img.transpose(2, 0, 1)[None])
        entries.append(dict(name="prosr_x%d" % s, arch="prosr", weights="prosr.pth", container="torch legacy, EasyDict params",
                            config={"upscale_factor": s}, scale=s, input="prosr_in.npy", output="prosr_x%d_out.npy" % s))


# ---------------------------------------------------------------- SPSR

def conv_block(cin, cout, k=3, act=False):
    layers = [nn.Conv2d(cin, cout, k, 1, k // 2)] + ([nn.LeakyReLU(0.2)] if act else [])
    return nn.Sequential(*layers)


class RDB(nn.Module):
    def __init__(self, nc, gc):
        super().__init__()
        for i in range(4):
            setattr(self, "conv%d" % (i + 1), conv_block(nc + i * gc, gc, act=True))
        self.conv5 = conv_block(nc + 4 * gc, nc)

    def forward(self, x):
        feats = [x]
        for i in range(4):
            feats.append(getattr(self, "conv%d" % (i + 1))(torch.cat(feats, 1)))
        return self.conv5(torch.cat(feats, 1)) * 0.2 + x


class RRDB(nn.Module):
    def __init__(self, nc, gc):
        super().__init__()
        self.RDB1, self.RDB2, self.RDB3 = RDB(nc, gc), RDB(nc, gc), RDB(nc, gc)

    def forward(self, x):
        return self.RDB3(self.RDB2(self.RDB1(x))) * 0.2 + x


class Shortcut(nn.Module):
    def __init__(self, sub):
        super().__init__()
        self.sub = sub


class GradientMap(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight_h = nn.Parameter(torch.tensor([[0., 0, 0], [-1, 0, 1], [0, 0, 0]])[None, None], requires_grad=False)
        self.weight_v = nn.Parameter(torch.tensor([[0., -1, 0], [0, 0, 0], [0, 1, 0]])[None, None], requires_grad=False)

    def forward(self, x):
        out = []
        for i in range(x.shape[1]):
            c = x[:, i:i + 1]
            v, h = F.conv2d(c, self.weight_v, padding=1), F.conv2d(c, self.weight_h, padding=1)
            out.append(torch.sqrt(v ** 2 + h ** 2 + 1e-6))
        return torch.cat(out, 1)


def upconv_layers(nf, n):
    layers = []
    for _ in range(n):
        layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(nf, nf, 3, 1, 1), nn.LeakyReLU(0.2)]
    return layers


class SPSR(nn.Module):
    def __init__(self, nf, nb, gc, taps, ups=2):
        super().__init__()
        self.taps = taps
        self.HR_conv0_new = conv_block(nf, nf, act=True)
        self.HR_conv1_new = conv_block(nf, nf)
        trunk = [RRDB(nf, gc) for _ in range(nb)] + [nn.Conv2d(nf, nf, 3, 1, 1)]
        self.model = nn.Sequential(nn.Conv2d(3, nf, 3, 1, 1), Shortcut(nn.Sequential(*trunk)),
                                   *upconv_layers(nf, ups), *self.HR_conv0_new)
        self.get_g_nopadding = GradientMap()
        self.b_fea_conv = conv_block(3, nf)
        for k in range(1, 5):
            setattr(self, "b_concat_%d" % k, conv_block(2 * nf, nf))
            setattr(self, "b_block_%d" % k, RRDB(2 * nf, gc))
        self.b_LR_conv = conv_block(nf, nf)
        self.b_module = nn.Sequential(*upconv_layers(nf, ups), *conv_block(nf, nf, act=True), *conv_block(nf, nf))
        self.conv_w = conv_block(nf, 3, k=1)
        self.f_concat = conv_block(2 * nf, nf)
        self.f_block = RRDB(2 * nf, gc)
        self.f_HR_conv0 = conv_block(nf, nf, act=True)
        self.f_HR_conv1 = conv_block(nf, 3)

    def forward(self, x):
        grad = self.get_g_nopadding(x)
        x = self.model[0](x)
        blocks = self.model[1].sub
        ori, feas = x, []
        for i in range(len(blocks) - 1):
            x = blocks[i](x)
            if i + 1 in self.taps:
                feas.append(x)
        x = ori + blocks[-1](x)
        x = self.HR_conv1_new(self.model[2:](x))
        b_fea = self.b_fea_conv(grad)
        b = b_fea
        for k in range(4):
            b = getattr(self, "b_concat_%d" % (k + 1))(getattr(self, "b_block_%d" % (k + 1))(torch.cat([b, feas[k]], 1)))
        branch = self.b_module(self.b_LR_conv(b) + b_fea)
        out = self.f_HR_conv1(self.f_HR_conv0(self.f_concat(self.f_block(torch.cat([branch, x], 1)))))
        return self.conv_w(branch), out, grad


def spsr_fixtures(entries):
    torch.manual_seed(4)
    taps = [1, 2, 3, 4]
    net = SPSR(nf=2, nb=4, gc=1, taps=taps).eval()
    perturb(net, 41, scale=0.8)
    with torch.no_grad():
        net.get_g_nopadding.weight_h.copy_(torch.tensor([[0., 0, 0], [-1, 0, 1], [0, 0, 0]])[None, None])
        net.get_g_nopadding.weight_v.copy_(torch.tensor([[0., -1, 0], [0, 0, 0], [0, 1, 0]])[None, None])
    sd = net.state_dict()
    assert "HR_conv0_new.0.weight" in sd and "model.8.weight" in sd
    torch.save(sd, os.path.join(OUT, "spsr.pth"), _use_new_zipfile_serialization=False)
    lr = image(7, 9, 6)
    x = torch.from_numpy(lr.transpose(2, 0, 1)[None] / 255.0).float()
    with torch.no_grad():
        out = net(x)[1]
    save_npy("spsr_in.npy", x.numpy())
    save_npy("spsr_out.npy", out.numpy())
    entries.append(dict(name="spsr", arch="spsr", weights="spsr.pth", container="torch legacy, plain state_dict",
                        config={"tap_blocks": taps}, scale=4, input="spsr_in.npy", output="spsr_out.npy"))


# ---------------------------------------------------------------- EnhanceNet (TensorFlow 1)

MEANS = np.array([0.47614917, 0.45001204, 0.40904046])


def enhancenet_fixtures(entries):
    import tensorflow as tf
    from tensorflow.core.protobuf import saver_pb2
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    n, blocks = 4, 2
    lr = image(9, 7, 7)
    imgs = lr[None] / 255.0
    rng = np.random.default_rng(8)
    graph = tf.Graph()
    with graph.as_default():
        xs = tf1.placeholder(tf.float32, [1, lr.shape[0], lr.shape[1], 3])
        counter = [0]

        def conv(h, cout=n):
            i = counter[0]
            counter[0] += 1
            cin = int(h.shape[-1])
            bound = 1.0 / np.sqrt(9 * cin)
            with tf1.variable_scope("Conv" if i == 0 else "Conv_%d" % i):
                w = tf1.get_variable("weights", initializer=rng.uniform(-bound, bound, (3, 3, cin, cout)).astype(np.float32))
                b = tf1.get_variable("biases", initializer=rng.uniform(-bound, bound, (cout,)).astype(np.float32))
            return tf.nn.bias_add(tf.nn.conv2d(h, w, [1, 1, 1, 1], "SAME"), b)

        def upsample(h):
            return tf1.image.resize_images(h, [2 * tf.shape(h)[1], 2 * tf.shape(h)[2]], method=tf1.image.ResizeMethod.NEAREST_NEIGHBOR)

        with tf1.variable_scope("generator"):
            h = tf.nn.relu(conv(xs))
            for _ in range(blocks):
                h = conv(tf.nn.relu(conv(h))) + h
            for _ in range(2):
                h = tf.nn.relu(conv(upsample(h)))
            h = conv(tf.nn.relu(conv(h)), 3)
        res = tf1.image.resize_images(xs, [4 * lr.shape[0], 4 * lr.shape[1]], method=tf1.image.ResizeMethod.BICUBIC)
        est = h + (res + MEANS)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            saver = tf1.train.Saver(write_version=saver_pb2.SaverDef.V1)
            path = os.path.join(OUT, "enhancenet_weights")
            saver.save(sess, path, write_meta_graph=False, write_state=False)
            out, base = sess.run([est, res], feed_dict={xs: imgs - MEANS})
    save_npy("enhancenet_in.npy", imgs.transpose(0, 3, 1, 2))
    save_npy("enhancenet_out.npy", out.transpose(0, 3, 1, 2))
    save_npy("enhancenet_bicubic.npy", base.transpose(0, 3, 1, 2))
    entries.append(dict(name="enhancenet", arch="enhancenet", weights="enhancenet_weights", container="TensorFlow 1 Saver V1",
                        config={}, scale=4, input="enhancenet_in.npy", output="enhancenet_out.npy"))


def main():
    os.makedirs(OUT, exist_ok=True)
    entries = []
    prosr_fixtures(entries)
    spsr_fixtures(entries)
    enhancenet_fixtures(entries)
    with open(os.path.join(OUT, "prosr-spsr-enhancenet.json"), "w") as f:
        json.dump({"fixtures": entries}, f, indent=1)
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        print("%8d  %s" % (os.path.getsize(os.path.join(OUT, name)), name))


if __name__ == "__main__":
    main()
