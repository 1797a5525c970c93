#!/usr/bin/env python3
"""The Question 3 CNN's forward + backward pass in PyTorch on the CPU (float32), the third column
of Scripts/bench-nn. Same computation as q3_numpy.py and `flashscan nn bench`: CONV3-8 (pad 1) ->
LeakyReLU(0.01) -> POOL-2 -> BatchNorm (training) -> CONV3-16 (pad 1) -> LeakyReLU -> POOL-2 ->
flatten -> FC-10, softmax cross-entropy from logits, then every gradient (parameters and input).

PyTorch is optional: install it with `pip install torch` (PyPI's Linux wheel runs on the CPU).
Prints `torch median_ms=... min_ms=... cpu_median_ms=... batch=...` like q3_numpy.py.
`--threads N` sets torch.set_num_threads (default: torch's own choice).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
        torch.set_num_interop_threads(a.threads)
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.LeakyReLU(0.01), nn.MaxPool2d(2), nn.BatchNorm2d(8),
        nn.Conv2d(8, 16, 3, padding=1), nn.LeakyReLU(0.01), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(1024, 10))
    model.train()
    x = torch.rand(a.batch, 3, 32, 32, requires_grad=True)
    labels = torch.arange(a.batch) % 10
    loss_fn = nn.CrossEntropyLoss()

    def once():
        model.zero_grad(set_to_none=True)
        x.grad = None
        loss = loss_fn(model(x), labels)
        loss.backward()

    for _ in range(a.warmup):
        once()
    times, cpu = [], []
    for _ in range(a.iterations):
        t, c = time.perf_counter(), time.process_time()
        once()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    print(
        f"torch median_ms={statistics.median(times):.3f} min_ms={min(times):.3f} "
        f"cpu_median_ms={statistics.median(cpu):.3f} batch={a.batch}")


if __name__ == "__main__":
    main()
