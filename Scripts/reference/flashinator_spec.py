#!/usr/bin/env python3
"""An independent numpy implementation of flashscan's T table, step by step as
../../shared/docs/flashinator-spec.md (and Docs/Algorithm.md) define it:

  g = (R + G + B) / 3                      (default; --gray bt601|bt709 for the weighted options)
  L = 4 * (0.2 * g + 1) ** 2.2             (double precision)
  D = L[i] - L[i-1]
  P = mean of the k largest max(D, 0), N = mean of the k largest max(-D, 0), zero-filled,
      over min(k, pixels) values; T = P if P > N else -N

Frames come from `ffmpeg ... -f rawvideo -pix_fmt rgb24 -fps_mode passthrough -` in chunks;
times from ffprobe. Prints `frame,time,T` (frame = the pair's later frame, counted from 0).

--libm-pow evaluates L with the C library's pow (Python's math.pow, as flashscan does) instead
of numpy's vectorised power, which can differ in the last bit for some inputs; with it the
numbers are bit-for-bit flashscan's.

Usage: flashinator_spec.py FILE [--top-k 5] [--gray mean] [--detail] [--libm-pow]
"""
import argparse
import math
import sys

import numpy as np

from ffmpeg_frames import chunks, print_rows, probe

WEIGHTS = {"mean": ((1, 1, 1), 3), "bt601": ((299, 587, 114), 1000), "bt709": ((2126, 7152, 722), 10000)}


def luminance(frames, gray, libm_pow):
    """L of every pixel of (n, H, W, 3) uint8 frames, as float64 (n, H*W)."""
    (wr, wg, wb), scale = WEIGHTS[gray]
    key = (wr * frames[..., 0].astype(np.int64) + wg * frames[..., 1].astype(np.int64)
           + wb * frames[..., 2].astype(np.int64)).reshape(len(frames), -1)
    if libm_pow:
        keys, inverse = np.unique(key, return_inverse=True)
        table = np.array([4 * math.pow(0.2 * (int(k) / scale) + 1, 2.2) for k in keys])
        return table[inverse].reshape(key.shape)
    g = key / scale                     # exact integer sum, one division
    return 4 * (0.2 * g + 1) ** 2.2


def top_mean(x, k):
    """Mean of the k largest values of each row, summed largest first (numpy's order)."""
    k = min(k, x.shape[1])
    if k == 0:
        return np.zeros(len(x))
    top = np.partition(x, x.shape[1] - k, axis=1)[:, x.shape[1] - k:]
    top = np.ascontiguousarray(np.sort(top, axis=1)[:, ::-1])
    return top.mean(axis=1)


def table(path, k=5, gray="mean", libm_pow=False, chunk_frames=16):
    width, height, times = probe(path)
    previous = None
    index = 0
    for frames in chunks(path, width, height, chunk_frames):
        lum = luminance(frames, gray, libm_pow)
        if previous is not None:
            lum = np.concatenate([previous, lum])
        first = index if previous is None else index - 1
        d = lum[1:] - lum[:-1]
        p = top_mean(np.maximum(d, 0), k)
        n = top_mean(np.maximum(-d, 0), k)
        for j in range(len(d)):
            frame = first + j + 1
            t = p[j] if p[j] > n[j] else -n[j]
            yield frame, times[frame], t, p[j], n[j]
        index += len(frames)
        previous = lum[-1:]
    if len(times) != index:
        sys.exit(f"ffprobe counted {len(times)} frames, ffmpeg gave {index}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--gray", choices=sorted(WEIGHTS), default="mean")
    ap.add_argument("--detail", action="store_true", help="add pos,neg columns (P and -N)")
    ap.add_argument("--libm-pow", action="store_true", help="C library pow, bit-exact with flashscan")
    ap.add_argument("--chunk-frames", type=int, default=16)
    a = ap.parse_args()
    print_rows(table(a.file, a.top_k, a.gray, a.libm_pow, a.chunk_frames), detail=a.detail)


if __name__ == "__main__":
    main()
