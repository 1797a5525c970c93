#!/usr/bin/env python3
"""The exam's video-flashinator as the course staff wrote it: float gray by `frames.mean(axis=3)`,
the luminance formula on every pixel, and a full sort of every delta-frame.

Fed chunks of frames from an ffmpeg pipe (each chunk starts with the previous chunk's last frame).
k defaults to the question's 5; the staff code sliced 10 (`--top-k 10`).
Usage: flashinator_staff.py CLIP [--top-k K]  ->  frame,time,T CSV on stdout.
"""
import sys

import numpy as np

from _frames import run


def video_flashinator(frames, k=5):
    gray = frames.mean(axis=3)
    lum = 4 * (0.2 * gray + 1) ** 2.2
    delta = lum[1:] - lum[:-1]
    delta = delta.reshape(delta.shape[0], -1)
    k = min(k, delta.shape[1])
    ordered = np.sort(delta, axis=1)
    pos = np.maximum(ordered[:, ::-1][:, :k], 0).mean(axis=1)
    neg = np.maximum(-ordered[:, :k], 0).mean(axis=1)
    return np.where(pos > neg, pos, -neg).reshape(-1, 1)


if __name__ == "__main__":
    run(lambda frames, k: video_flashinator(frames, k)[:, 0], sys.argv[1:])
