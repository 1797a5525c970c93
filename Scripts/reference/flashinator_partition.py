#!/usr/bin/env python3
"""A best-effort numpy T table: the luminance from a 766-entry table indexed by R + G + B (exactly
the formula, since g = (R + G + B) / 3), and np.partition instead of a full sort to find each
delta-frame's top k. Fed frame chunks from the ffmpeg pipe.

Usage: flashinator_partition.py FILE [--top-k 5]
"""
import argparse

import numpy as np

from ffmpeg_frames import chunks, print_rows, probe

TABLE = 4 * (0.2 * (np.arange(766) / 3) + 1) ** 2.2


def top_mean(x, k):
    k = min(k, x.shape[1])
    top = np.partition(x, x.shape[1] - k, axis=1)[:, x.shape[1] - k:]
    return np.ascontiguousarray(np.sort(top, axis=1)[:, ::-1]).mean(axis=1)


def rows(path, k, chunk_frames):
    width, height, times = probe(path)
    previous = None
    index = 0
    for frames in chunks(path, width, height, chunk_frames):
        sums = frames.sum(axis=3, dtype=np.uint16).reshape(len(frames), -1)
        lum = TABLE[sums]
        first = index if previous is None else index - 1
        if previous is not None:
            lum = np.concatenate([previous, lum])
        d = lum[1:] - lum[:-1]
        p = top_mean(np.maximum(d, 0), k)
        n = top_mean(np.maximum(-d, 0), k)
        for j in range(len(d)):
            t = p[j] if p[j] > n[j] else -n[j]
            yield first + j + 1, times[first + j + 1], t, p[j], n[j]
        index += len(frames)
        previous = lum[-1:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--detail", action="store_true")
    ap.add_argument("--chunk-frames", type=int, default=16)
    a = ap.parse_args()
    print_rows(rows(a.file, a.top_k, a.chunk_frames), detail=a.detail)


if __name__ == "__main__":
    main()
