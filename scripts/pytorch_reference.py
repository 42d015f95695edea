#!/usr/bin/env python3
"""PyTorch reference for PruneScope's figures (optional; needs torch + numpy).

Trains LeNet-300-100 on mnist5k with the recipe of SampleModels/lenet-300-100
(SGD lr 0.05 momentum 0.9, batch 64, 20 epochs, seeded 80/20 split, pixels/255)
and prints validation accuracy and training throughput (samples/s) with the
given thread count, so `prunescope bench` can be compared on the same machine.

    python3 scripts/pytorch_reference.py [--threads 2] [--epochs 20]
    python3 scripts/pytorch_reference.py --check-export DIR   # load PruneScope exports
"""
import argparse, os, struct, sys, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    import torch
    import torch.nn as nn
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "datasets"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = read_idx(os.path.join(args.data, "mnist5k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(os.path.join(args.data, "mnist5k-labels-idx1-ubyte")).astype(np.int64)
    perm = np.random.default_rng(0).permutation(len(y))
    split = int(len(y) * 0.8)
    tr, va = perm[:split], perm[split:]
    xt, yt = torch.from_numpy(x[tr]), torch.from_numpy(y[tr])
    xv, yv = torch.from_numpy(x[va]), torch.from_numpy(y[va])
    model = nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    rates = []
    for epoch in range(args.epochs):
        order = torch.randperm(len(yt))
        start = time.perf_counter()
        for i in range(0, len(yt), 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        rates.append(len(yt) / (time.perf_counter() - start))
    with torch.no_grad():
        acc = (model(xv).argmax(1) == yv).float().mean().item()
        start = time.perf_counter()
        for _ in range(20):
            model(xv[:1000])
        eval_ms = (time.perf_counter() - start) / 20 * 1000
    print(f"pytorch {torch.__version__} threads={args.threads}")
    print(f"validation accuracy: {acc * 100:.2f} %")
    print(f"train throughput (batch 64): median {sorted(rates)[len(rates) // 2]:.0f} samples/s")
    print(f"eval 1000 samples: {eval_ms:.2f} ms")


if __name__ == "__main__":
    main()
