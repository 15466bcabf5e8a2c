"""The LSH rotations sisr draws for NLSN (SRModels ``NLSNRotations``), so that PyTorch inference of a
checkpoint gives what ``sisr upscale`` / ``sisr build`` give.

Stream ``SeededRandom(hash_seed, "nlsn", "body.<i>", "buckets.<nb>")`` (SISRCore's SHA-256-named
SplitMix64); standard normals by Box-Muller on pairs (u1, u2) of ``next_double()``:
r = sqrt(-2 ln(1 - u1)), t = 2 pi u2, emitting r cos t then r sin t, in double precision, rounded to
float32, laid out row-major as [Cm, n_hashes, nb/2].
"""
import math

import torch

from sisr_loader.reference import SeededRandom  # SISRCore's SeededRandom (NumPy only, no library)


def nlsn_rotations(seed, body_index, channels, n_hashes, n_buckets):
    """float32 tensor [channels, n_hashes, n_buckets // 2]."""
    rng = SeededRandom(seed, "nlsn", f"body.{body_index}", f"buckets.{n_buckets}")
    count = channels * n_hashes * (n_buckets // 2)
    values = []
    while len(values) < count:
        u1, u2 = (rng.next() >> 11) * 2.0**-53, (rng.next() >> 11) * 2.0**-53  # nextDouble()
        r = math.sqrt(-2.0 * math.log(1.0 - u1))
        t = 2.0 * math.pi * u2
        values.append(r * math.cos(t))
        values.append(r * math.sin(t))
    return torch.tensor(values[:count], dtype=torch.float32).view(channels, n_hashes, n_buckets // 2)


def n_buckets(tokens, chunk):
    """sisr's bucket count: min(L/chunk + (L/chunk) % 2, 128), at least 2."""
    k = tokens // chunk
    return max(2, min(k + k % 2, 128))
