"""Workload 7: one SGD training step of a small convnet (the digits demo's shape).

float32, batch 32 of 1x8x8 images: conv 3x3 (1 -> 8, padding 1), ReLU, 2x2 max
pool, conv 3x3 (8 -> 16, padding 1), ReLU, 2x2 max pool, flatten, linear 64 -> 10,
softmax cross-entropy, SGD with lr 0.01. The NumPy reference is what a NumPy
programmer would write: im2col through a strided window view and one einsum per
convolution, col2im as a sum over the kernel's nine offsets, and 2x2 pooling as
the max of four strided corners.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .mlp import LR, Step
from .timing import MINIGRAD, NUMPY, TORCH, agree

BATCH, CHANNELS, CLASSES = 32, (8, 16), 10
DESCRIPTION = "batch 32, 1x8x8, conv3x3(8)-pool-conv3x3(16)-pool-linear(10)"


def problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, CLASSES, BATCH)
    c1, c2 = CHANNELS

    def he(*shape):
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)

    weights = [
        he(c1, 1, 3, 3), np.zeros(c1, np.float32),
        he(c2, c1, 3, 3), np.zeros(c2, np.float32),
        he(CLASSES, c2 * 2 * 2), np.zeros(CLASSES, np.float32),
    ]  # fmt: skip
    return x, labels, weights


def minigrad_step(x, labels, weights):
    import minigrad as mg
    from minigrad import nn

    previous = mg.get_default_dtype()
    mg.set_default_dtype(np.float32)
    try:
        c1, c2 = CHANNELS
        model = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * 2 * 2, CLASSES),
        )  # fmt: skip
    finally:
        mg.set_default_dtype(previous)
    names = [name for name, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(names, weights, strict=True)))
    optimizer = mg.optim.SGD(model.parameters(), lr=LR)
    inputs = mg.Tensor(x)

    def step() -> float:
        optimizer.zero_grad()
        loss = mg.nn.functional.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, lambda: [p.data for p in model.parameters()]


# ------------------------------------------------------------ the reference


def _conv_forward(x, w, b):
    """3x3 convolution with padding 1: the windows as a view, one einsum."""
    windows = sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), (2, 3))
    y = np.einsum("nchwij,ocij->nohw", windows, w, optimize=True)
    y += b[:, None, None]
    return y, windows


def _conv_backward(dy, windows, w):
    dw = np.einsum("nohw,nchwij->ocij", dy, windows, optimize=True)
    db = dy.sum(axis=(0, 2, 3))
    dwindows = np.einsum("nohw,ocij->nchwij", dy, w, optimize=True)
    n, c, h, width = dwindows.shape[:4]
    dpadded = np.zeros((n, c, h + 2, width + 2), dy.dtype)
    for i in range(3):  # col2im: each kernel offset adds its slab
        for j in range(3):
            dpadded[:, :, i : i + h, j : j + width] += dwindows[..., i, j]
    return dpadded[:, :, 1:-1, 1:-1], dw, db


_CORNERS = [(slice(i, None, 2), slice(j, None, 2)) for i in (0, 1) for j in (0, 1)]


def _pool_forward(a):
    """2x2 max pooling as the max of the four strided corners (one NumPy call
    each: faster than reducing over small block axes)."""
    corners = [a[:, :, rows, cols] for rows, cols in _CORNERS]
    m = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
    return m, [corner == m for corner in corners]


def _pool_backward(dm, winners):
    n, c, h2, w2 = dm.shape
    da = np.zeros((n, c, 2 * h2, 2 * w2), dm.dtype)
    for (rows, cols), won in zip(_CORNERS, winners, strict=True):
        da[:, :, rows, cols] = dm * won  # random floats: no ties to share
    return da


def numpy_step(x, labels, weights):
    w1, b1, w2, b2, w3, b3 = params = [a.copy() for a in weights]
    rows = np.arange(len(labels))

    def step() -> float:
        z1, win1 = _conv_forward(x, w1, b1)
        p1, win_p1 = _pool_forward(np.maximum(z1, 0))
        z2, win2 = _conv_forward(p1, w2, b2)
        p2, win_p2 = _pool_forward(np.maximum(z2, 0))
        flat = p2.reshape(len(x), -1)
        s = flat @ w3.T
        s += b3
        s -= s.max(axis=1, keepdims=True)
        e = np.exp(s)
        total = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(total[:, 0]) - s[rows, labels])
        e /= total  # softmax; dL/ds = (softmax - one_hot) / N
        e[rows, labels] -= 1
        e /= len(labels)
        dw3, db3 = e.T @ flat, e.sum(axis=0)
        dp2 = (e @ w3).reshape(p2.shape)
        dz2 = _pool_backward(dp2, win_p2) * (z2 > 0)
        dp1, dw2, db2 = _conv_backward(dz2, win2, w2)
        dz1 = _pool_backward(dp1, win_p1) * (z1 > 0)
        _, dw1, db1 = _conv_backward(dz1, win1, w1)
        for p, g in zip(params, (dw1, db1, dw2, db2, dw3, db3), strict=True):
            p -= LR * g
        return float(loss)

    return step, lambda: params


def torch_step(x, labels, weights):
    import torch

    c1, c2 = CHANNELS
    tnn = torch.nn
    model = tnn.Sequential(
        tnn.Conv2d(1, c1, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(c1, c2, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Flatten(), tnn.Linear(c2 * 2 * 2, CLASSES),
    )  # fmt: skip
    with torch.no_grad():
        for p, value in zip(model.parameters(), weights, strict=True):
            p.copy_(torch.from_numpy(value))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, lambda: [p.detach().numpy() for p in model.parameters()]


BUILDERS = {MINIGRAD: minigrad_step, NUMPY: numpy_step, TORCH: torch_step}


def steps(contenders: list[str], seed: int = 0) -> dict[str, Step]:
    """A step function per contender, after three steps that must agree."""
    x, labels, weights = problem(seed)
    built = {name: BUILDERS[name](x, labels, weights) for name in contenders}
    losses = {name: [step() for _ in range(3)] for name, (step, _) in built.items()}
    for name in contenders:
        agree(losses[name], losses[NUMPY], 1e-4, f"conv-step: {name}'s losses")
        for i, (a, b) in enumerate(zip(built[name][1](), built[NUMPY][1](), strict=True)):
            agree(a, b, 1e-4, f"conv-step: {name}'s parameter {i} after 3 steps")
    return {name: step for name, (step, _) in built.items()}
