#!/usr/bin/env python3
"""The Question 3 CNN's forward + backward pass in numpy (float32, NHWC), the reference for
Scripts/bench-nn.

Same computation as `flashscan nn bench`: CONV3-8 (pad 1) -> LeakyReLU(0.01) -> POOL-2 ->
BatchNorm (training) -> CONV3-16 (pad 1) -> LeakyReLU -> POOL-2 -> flatten -> FC-10, softmax
cross-entropy from logits, then every gradient. Convolutions are im2col (sliding_window_view) plus
one matmul (numpy's BLAS), which is how a careful numpy user writes them.

Prints `numpy median_ms=... min_ms=... cpu_median_ms=... batch=...` (CPU time counts all threads).
"""
import argparse
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

F32 = np.float32


def im2col(x, k, pad):
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    win = sliding_window_view(xp, (k, k), axis=(1, 2))  # (N, OH, OW, C, k, k)
    oh, ow = win.shape[1], win.shape[2]
    col = np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(n * oh * ow, k * k * c)
    return col, oh, ow


def col2im(dcol, shape, k, pad, oh, ow):
    n, h, w, c = shape
    d = dcol.reshape(n, oh, ow, k, k, c)
    dxp = np.zeros((n, h + 2 * pad, w + 2 * pad, c), dtype=F32)
    for ky in range(k):
        for kx in range(k):
            dxp[:, ky:ky + oh, kx:kx + ow, :] += d[:, :, :, ky, kx, :]
    return dxp[:, pad:pad + h, pad:pad + w, :]


class Conv:
    def __init__(self, rng, cin, f, k=3, pad=1):
        self.k, self.pad = k, pad
        self.w = (rng.standard_normal((k * k * cin, f)) * np.sqrt(2 / (k * k * cin))).astype(F32)
        self.b = np.zeros(f, F32)

    def forward(self, x):
        self.shape = x.shape
        self.col, self.oh, self.ow = im2col(x, self.k, self.pad)
        out = self.col @ self.w + self.b
        return out.reshape(x.shape[0], self.oh, self.ow, -1)

    def backward(self, dy):
        d2 = dy.reshape(-1, dy.shape[-1])
        self.dw = self.col.T @ d2
        self.db = d2.sum(0)
        return col2im(d2 @ self.w.T, self.shape, self.k, self.pad, self.oh, self.ow)


class Leaky:
    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, F32(0.01) * x)

    def backward(self, dy):
        return np.where(self.x > 0, dy, F32(0.01) * dy)


class Pool2:
    def forward(self, x):
        n, h, w, c = x.shape
        xr = x.reshape(n, h // 2, 2, w // 2, 2, c)
        out = xr.max(axis=(2, 4))
        self.mask = xr == out[:, :, None, :, None, :]
        self.shape = x.shape
        return out

    def backward(self, dy):
        return (self.mask * dy[:, :, None, :, None, :]).reshape(self.shape)


class BatchNorm:
    def __init__(self, c, eps=1e-5):
        self.g, self.b, self.eps = np.ones(c, F32), np.zeros(c, F32), F32(eps)

    def forward(self, x):
        mu = x.mean(axis=(0, 1, 2))
        var = x.var(axis=(0, 1, 2))
        self.inv = 1 / np.sqrt(var + self.eps)
        self.xh = (x - mu) * self.inv
        return self.g * self.xh + self.b

    def backward(self, dy):
        m = dy.shape[0] * dy.shape[1] * dy.shape[2]
        sdy = dy.sum(axis=(0, 1, 2))
        sdyx = (dy * self.xh).sum(axis=(0, 1, 2))
        self.dg, self.db = sdyx, sdy
        return self.g * self.inv / m * (m * dy - sdy - self.xh * sdyx)


class Dense:
    def __init__(self, rng, d, u):
        self.w = (rng.standard_normal((d, u)) * np.sqrt(2 / d)).astype(F32)
        self.b = np.zeros(u, F32)

    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.w + self.b

    def backward(self, dy):
        self.dw = self.x.T @ dy
        self.db = dy.sum(0)
        return (dy @ self.w.T).reshape(self.shape)


def softmax_ce(z, labels):
    n = z.shape[0]
    s = z - z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(s).sum(axis=1, keepdims=True))
    loss = -(s - lse)[np.arange(n), labels].mean()
    p = np.exp(s - lse)
    p[np.arange(n), labels] -= 1
    return loss, p / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    layers = [Conv(rng, 3, 8), Leaky(), Pool2(), BatchNorm(8), Conv(rng, 8, 16), Leaky(), Pool2(), Dense(rng, 1024, 10)]
    x = rng.random((a.batch, 32, 32, 3), dtype=F32)
    labels = np.arange(a.batch) % 10

    def once():
        h = x
        for layer in layers:
            h = layer.forward(h)
        _, d = softmax_ce(h, labels)
        for layer in reversed(layers):
            d = layer.backward(d)

    for _ in range(a.warmup):
        once()
    times, cpu = [], []
    for _ in range(a.iterations):
        t, c = time.perf_counter(), time.process_time()
        once()
        cpu.append((time.process_time() - c) * 1e3)
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    cpu.sort()
    print(f"numpy median_ms={times[len(times) // 2]:.3f} min_ms={times[0]:.3f} "
          f"cpu_median_ms={cpu[len(cpu) // 2]:.3f} batch={a.batch} numpy={np.__version__}")


if __name__ == "__main__":
    main()
