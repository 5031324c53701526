#!/usr/bin/python3
"""torch_landscape.py: the PyTorch peer of `optiscope bench landscape`: the same loss slice of
the same `small` CNN (a network written by `optiscope train --save`), in PyTorch (Debian's
python3-torch 1.13): centre + a*d1 + b*d2 on an N x N grid, the mean cross-entropy of M images
in evaluation mode at each point, the M images in one forward.

Directions: given (--d1 FILE --d2 FILE, networks in the same format whose parameters are the
directions, as the benchmark writes them, so both slices can be compared number for number), or
made here by the same procedure as optiscope's (filter-normalized Gaussian directions, Li et al.
2018: each conv filter and dense row scaled to the norm of the weight's; biases and batch norm
0), from torch's generator.

Run with /usr/bin/python3, not a python3 from PATH that lacks torch.
  /usr/bin/python3 bench/torch_landscape.py --model net.bin --images x.f32 --labels y.u8 \\
      --grid 25 --threads 1
Prints "torch VERSION threads T", "seconds: S" (the slice alone) and "grid: v v v ..." (loss
row by row, alpha varying fastest).
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_train import small  # noqa: E402  the same model


def read_saved(path):
    """A file of cnn_save: header lines, then each tensor's float32 data in order."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"\ndata\n") + len(b"\ndata\n")
    lines = data[:end].decode().split("\n")
    assert lines[0] == "optiscope-cnn 1", path
    words = lines[1].split()   # "model small in 1 28 28 classes 10 batchnorm 0 ..."
    batchnorm = words[words.index("batchnorm") + 1] == "1"
    dropout = float(words[words.index("dropout") + 1])
    hidden = int(words[words.index("hidden") + 1])
    tensors, off = [], end
    for line in lines[2:]:
        if not line.startswith("tensor "):
            continue
        parts = line.split()
        shape = tuple(int(s) for s in parts[2:])
        n = int(np.prod(shape))
        arr = np.frombuffer(data, dtype="<f4", count=n, offset=off).reshape(shape)
        tensors.append((parts[1], torch.from_numpy(arr.copy())))
        off += 4 * n
    assert off == len(data), path
    return dict(tensors), batchnorm, dropout, hidden


def param_map(model):
    """optiscope's tensor names -> the torch model's parameters and buffers."""
    convs = [m for m in model if isinstance(m, nn.Conv2d)]
    bns = [m for m in model if isinstance(m, nn.BatchNorm2d)]
    lins = [m for m in model if isinstance(m, nn.Linear)]
    params = {"conv1.w": convs[0].weight, "conv1.b": convs[0].bias,
              "conv2.w": convs[1].weight, "conv2.b": convs[1].bias,
              "out.w": lins[-1].weight, "out.b": lins[-1].bias}
    buffers = {}
    if len(lins) == 2:
        params.update({"fc1.w": lins[0].weight, "fc1.b": lins[0].bias})
    for i, bn in enumerate(bns):
        params.update({f"bn{i + 1}.w": bn.weight, f"bn{i + 1}.b": bn.bias})
        buffers.update({f"bn{i + 1}.running_mean": bn.running_mean,
                        f"bn{i + 1}.running_var": bn.running_var})
    return params, buffers


def random_direction(params, gen):
    """Filter-normalized: every filter (row) of a weight scaled to the weight's filter norm."""
    d = {}
    for name, p in params.items():
        if not name.endswith(".w") or name.startswith("bn"):
            d[name] = torch.zeros_like(p)
            continue
        r = torch.randn(p.shape, generator=gen)
        rows = r.reshape(p.shape[0], -1)
        w = p.detach().reshape(p.shape[0], -1)
        scale = w.norm(dim=1) / rows.norm(dim=1).clamp_min(1e-30)
        d[name] = (rows * scale[:, None]).reshape(p.shape)
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="a network saved by optiscope")
    ap.add_argument("--d1", help="the first direction, in the same format")
    ap.add_argument("--d2")
    ap.add_argument("--images", required=True, help="float32 (M, 1, 28, 28), standardized")
    ap.add_argument("--labels", required=True, help="uint8 (M)")
    ap.add_argument("--grid", type=int, default=25)
    ap.add_argument("--range", type=float, default=1.0, help="alpha, beta in [-R, R]")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1, help="own directions' generator")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    saved, batchnorm, dropout, hidden = read_saved(a.model)
    model = small(batchnorm, dropout, hidden)
    params, buffers = param_map(model)
    with torch.no_grad():
        for name, t in list(params.items()) + list(buffers.items()):
            t.copy_(saved[name].reshape(t.shape))
    if a.d1 and a.d2:
        d1 = {k: v for k, v in read_saved(a.d1)[0].items() if k in params}
        d2 = {k: v for k, v in read_saved(a.d2)[0].items() if k in params}
    else:
        gen = torch.Generator().manual_seed(a.seed)
        d1, d2 = random_direction(params, gen), random_direction(params, gen)
    centre = {k: p.detach().clone() for k, p in params.items()}
    x = torch.from_numpy(np.fromfile(a.images, dtype="<f4").reshape(-1, 1, 28, 28))
    y = torch.from_numpy(np.fromfile(a.labels, dtype=np.uint8).astype(np.int64))
    assert len(x) == len(y)
    model.eval()
    n = a.grid
    coords = [-a.range + 2 * a.range * i / (n - 1) if n > 1 else 0.0 for i in range(n)]
    out = []
    t0 = time.perf_counter()
    with torch.no_grad():
        for b in coords:
            for al in coords:
                for k, p in params.items():
                    p.copy_(centre[k] + al * d1[k].reshape(p.shape) + b * d2[k].reshape(p.shape))
                out.append(nn.functional.cross_entropy(model(x), y).item())
    dt = time.perf_counter() - t0
    print(f"torch {torch.__version__} threads {a.threads}")
    print(f"seconds: {dt:.3f}")
    print("grid: " + " ".join(f"{v:.9g}" for v in out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
