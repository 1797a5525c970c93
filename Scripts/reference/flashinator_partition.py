#!/usr/bin/env python3
"""A best-effort numpy flashinator: the luminance of a pixel from a 766-entry table indexed by
R + G + B (exactly the formula's value, spec "Steps" 2), and np.partition instead of a sort.

Usage: flashinator_partition.py CLIP [--top-k K]  ->  frame,time,T CSV on stdout.
"""
import sys

import numpy as np

from _frames import run

TABLE = 4 * (0.2 * (np.arange(766) / 3) + 1) ** 2.2


def video_flashinator(frames, k=5):
    keys = frames.sum(axis=3, dtype=np.uint16)
    lum = TABLE[keys.reshape(keys.shape[0], -1)]
    out = np.empty(len(lum) - 1)
    for i in range(len(lum) - 1):
        d = lum[i + 1] - lum[i]
        kk = min(k, d.size)
        top = np.partition(d, d.size - kk)[d.size - kk:]
        bottom = np.partition(d, kk - 1)[:kk]
        p = np.maximum(top, 0).mean()
        n = np.maximum(-bottom, 0).mean()
        out[i] = p if p > n else -n
    return out


if __name__ == "__main__":
    run(video_flashinator, sys.argv[1:])
