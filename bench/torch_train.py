#!/usr/bin/python3
"""torch_train.py: the PyTorch peer of `optiscope train` and `optiscope bench train`: the same
`small` CNN, init, data, split and batch order rules, in PyTorch (Debian's python3-torch 1.13).

Run with /usr/bin/python3 (Debian's python3-torch), not a python3 from PATH that lacks it.
  /usr/bin/python3 bench/torch_train.py --epochs 1            # accuracy, like optiscope train
  /usr/bin/python3 bench/torch_train.py --bench --threads 1 --steps 300   # images/s
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xff
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(d, base):
    p = os.path.join(d, base + ".gz")
    return p if os.path.exists(p) else os.path.join(d, base)


def load(d, val):
    xtr = read_idx(find(d, "train-images-idx3-ubyte"))
    ytr = read_idx(find(d, "train-labels-idx1-ubyte"))
    xte = read_idx(find(d, "t10k-images-idx3-ubyte"))
    yte = read_idx(find(d, "t10k-labels-idx1-ubyte"))
    nval = len(xtr) // 12 if val < 0 else val
    n = len(xtr) - nval   # the validation split is the last nval training images, as optiscope

    # standardized with the training split's pixel statistics, as optiscope does
    mean = float((xtr[:n].astype(np.float64) / 255.0).mean())
    std = float((xtr[:n].astype(np.float64) / 255.0).std())

    def t(x):
        return torch.from_numpy((x.astype(np.float32) / 255.0 - mean) / std).unsqueeze(1)

    def lab(y):
        return torch.from_numpy(y.astype(np.int64))
    return (t(xtr[:n]), lab(ytr[:n])), (t(xtr[n:]), lab(ytr[n:])), (t(xte), lab(yte))


def small(batchnorm=False, dropout=0.0, hidden=0):
    """conv(1->8,3x3,pad 1)-ReLU-maxpool-conv(8->16,3x3,pad 1)-ReLU-maxpool-dense(784->10);
    torch's default init is optiscope's (uniform +-1/sqrt(fan_in))."""
    layers = [nn.Conv2d(1, 8, 3, padding=1)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(8))
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(16))
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    if hidden:
        layers += [nn.Linear(784, hidden), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(hidden, 10))
    else:
        layers.append(nn.Linear(784, 10))
    return nn.Sequential(*layers)


def evaluate(model, x, y, batch=64):
    model.eval()
    loss, right = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = model(x[i:i + batch])
            loss += nn.functional.cross_entropy(out, y[i:i + batch], reduction="sum").item()
            right += (out.argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return loss / len(x), right / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=FASHION)
    ap.add_argument("--synthetic", action="store_true", help="random images (speed only)")
    ap.add_argument("--val", type=int, default=-1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bench", action="store_true", help="time training steps, print images/s")
    ap.add_argument("--steps", type=int, default=300, help="timed steps with --bench")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2, help="--bench: best of this many rounds")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.synthetic:
        g = torch.Generator().manual_seed(a.seed)
        tr = (torch.rand(4096, 1, 28, 28, generator=g), torch.randint(0, 10, (4096,), generator=g))
        va = te = tr
    else:
        tr, va, te = load(a.data_dir, a.val)
    model = small()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    lossf = nn.CrossEntropyLoss()

    def step(xb, yb):
        opt.zero_grad()
        loss = lossf(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    if a.bench:
        n = len(tr[0])
        perm = torch.randperm(n)
        for i in range(a.warmup):
            idx = perm[(i * a.batch) % (n - a.batch):][:a.batch]
            step(tr[0][idx], tr[1][idx])
        best = 0.0
        for r in range(a.rounds):
            t0 = time.perf_counter()
            for i in range(a.steps):
                s = (i * a.batch) % (n - a.batch)
                idx = perm[s:s + a.batch]
                step(tr[0][idx], tr[1][idx])
            dt = time.perf_counter() - t0
            best = max(best, a.steps * a.batch / dt)
        print(f"torch {torch.__version__} threads {a.threads}")
        print(f"images_per_s: {best:.1f}")
        return 0

    x, y = tr
    for e in range(a.epochs):
        perm = torch.randperm(len(x))
        t0 = time.perf_counter()
        tl, tr_right = 0.0, 0
        for i in range(0, len(x), a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            out = model(xb)
            loss = lossf(out, yb)
            loss.backward()
            opt.step()
            tl += loss.item() * len(idx)
            tr_right += (out.argmax(1) == yb).sum().item()
        dt = time.perf_counter() - t0
        vl, vacc = evaluate(model, *va)
        print(f"epoch {e + 1}/{a.epochs}  train loss {tl / len(x):.4f}"
              f" acc {100 * tr_right / len(x):.2f}%  val loss {vl:.4f} acc {100 * vacc:.2f}%  {dt:.1f} s  {len(x) / dt:.0f} img/s")
    tl, tacc = evaluate(model, *te)
    print(f"test  loss {tl:.4f}  accuracy {100 * tacc:.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
