"""Workload 5: each activation's forward and backward on a 1024 x 1024 float32 tensor.

The upstream gradient is all ones. minigrad applies the registered activation
and calls ``backward`` on its output; the NumPy reference computes the same
function and its gradient written out by hand. "The same" means the formulas of
minigrad's registry (activations.py), with the same guarantees: no overflow for
any finite input, and sigmoid' and tanh' computed from the input, so that they
stay accurate where the output has rounded to its limit (the textbook forms
y (1 - y) and 1 - y^2 from the output would round to 0 there). The reference
works in place wherever that saves an array, as a NumPy programmer would.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .timing import MINIGRAD, NUMPY, TORCH, agree

SHAPE = (1024, 1024)
PIECES = 2  # maxout
SLOPE = 0.01  # leaky_relu's default
ALPHA = 1.0  # elu's default
PRELU_INIT = 0.25  # one slope per channel (the last axis of a 2-D input), as nn.PReLU
GELU_K = math.sqrt(2 / math.pi)
GELU_C = 0.044715

Arrays = tuple[np.ndarray, ...]


def inputs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The input and the per-channel PReLU slopes."""
    x = np.random.default_rng(seed).standard_normal(SHAPE).astype(np.float32)
    return x, np.full(SHAPE[1], PRELU_INIT, np.float32)


def upstream(name: str) -> np.ndarray:
    shape = (SHAPE[0], SHAPE[1] // PIECES) if name == "maxout" else SHAPE
    return np.ones(shape, np.float32)


# ----------------------------------------------------------- the reference


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # e^-x = inf gives 1 / inf = 0, as it should
        e = np.exp(-x)
    e += 1
    return 1 / e


def _sech_squared(x: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """(scale / cosh x)^2; cosh overflows to inf only where the result is 0."""
    with np.errstate(over="ignore"):
        s = scale / np.cosh(x)
    return s * s


def ref_sigmoid(x, g):
    y = _sigmoid(x)
    d = _sech_squared(x * 0.5, 0.5)  # sigmoid' = 1 / (4 cosh^2(x / 2))
    d *= g
    return y, d


def ref_tanh(x, g):
    y = np.tanh(x)
    d = _sech_squared(x)  # tanh' = 1 / cosh^2 x
    d *= g
    return y, d


def ref_relu(x, g):
    return np.maximum(x, 0), g * (x > 0)


def ref_leaky_relu(x, g):
    y = np.maximum(x, x * SLOPE)  # slope <= 1
    d = (x < 0).astype(x.dtype)
    d *= SLOPE - 1
    d += 1
    d *= g
    return y, d


def ref_elu(x, g):
    y = np.expm1(np.minimum(x, 0))
    y *= ALPHA
    y += np.maximum(x, 0)
    d = np.exp(np.minimum(x, 0))  # alpha e^x where x <= 0, 1 elsewhere
    d *= ALPHA
    d *= x <= 0
    d += x > 0
    d *= g
    return y, d


def ref_softplus(x, g):
    y = np.log1p(np.exp(-np.abs(x)))  # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|)
    y += np.maximum(x, 0)
    d = _sigmoid(x)
    d *= g
    return y, d


def ref_gelu(x, g):
    # gelu(x) = x s, s = sigmoid(2u), u = k (x + c x^3), as the registry computes it
    xc = np.clip(x, -100, 100)
    v = xc * xc
    v *= 2 * GELU_K * GELU_C
    v += 2 * GELU_K
    v *= xc
    s = _sigmoid(v)
    y = s * x
    slope = xc * xc
    slope *= 3 * GELU_C
    slope += 1
    slope *= 2 * GELU_K
    d = 1 - s
    d *= s
    d *= slope
    d *= x
    d += s  # s + x s (1 - s) 2k (1 + 3c x^2)
    d *= g
    return y, d


def ref_silu(x, g):
    s = _sigmoid(x)
    y = s * x
    d = 1 - s
    d *= y
    d += s  # s + x s (1 - s)
    d *= g
    return y, d


def ref_prelu(x, g, a):
    y = np.minimum(x, 0) * a
    y += np.maximum(x, 0)
    nonnegative = x >= 0
    dx = g * a
    dx *= ~nonnegative
    dx += g * nonnegative
    da = (g * np.minimum(x, 0)).sum(axis=0)
    return y, dx, da


def ref_maxout(x, g):
    groups = x.reshape(x.shape[0], -1, PIECES)
    y = groups[..., 0]
    for k in range(1, PIECES):  # one np.maximum per piece: max(axis=-1) is slower
        y = np.maximum(y, groups[..., k])
    wins = [groups[..., k] == y for k in range(PIECES)]
    ties = wins[0].astype(g.dtype)  # tied maxima share the gradient
    for won in wins[1:]:
        ties += won
    share = g / ties
    dx = np.empty(x.shape, share.dtype)
    dx_groups = dx.reshape(groups.shape)
    for k, won in enumerate(wins):
        np.multiply(share, won, out=dx_groups[..., k])
    return y, dx


REFERENCE: dict[str, Callable[..., Arrays]] = {
    "sigmoid": ref_sigmoid,
    "tanh": ref_tanh,
    "relu": ref_relu,
    "leaky_relu": ref_leaky_relu,
    "elu": ref_elu,
    "softplus": ref_softplus,
    "gelu": ref_gelu,
    "silu": ref_silu,
    "prelu": ref_prelu,
    "maxout": ref_maxout,
}


# -------------------------------------------------------------- contenders


def minigrad_run(name: str, x: np.ndarray, a: np.ndarray) -> Callable[[], Arrays]:
    import minigrad as mg

    record = mg.activations.get(name)
    g = upstream(name)
    xt = mg.Tensor(x, requires_grad=True)
    at = mg.Tensor(a, requires_grad=True)
    if name == "prelu":
        leaves, args, params = (xt, at), (xt, at), {}
    elif name == "maxout":
        leaves, args, params = (xt,), (xt,), {"pieces": PIECES}
    else:
        leaves, args, params = (xt,), (xt,), {}

    def run() -> Arrays:
        for leaf in leaves:
            leaf.grad = None  # as an optimizer's zero_grad()
        y = record(*args, **params)
        y.backward(g)
        return (y.data, *[leaf.grad for leaf in leaves])

    return run


def numpy_run(name: str, x: np.ndarray, a: np.ndarray) -> Callable[[], Arrays]:
    reference, g = REFERENCE[name], upstream(name)
    if name == "prelu":
        return lambda: reference(x, g, a)
    return lambda: reference(x, g)


def torch_run(name: str, x: np.ndarray, a: np.ndarray) -> Callable[[], Arrays]:
    import torch
    import torch.nn.functional as F

    functions = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, SLOPE),
        "elu": lambda t: F.elu(t, ALPHA),
        "softplus": F.softplus,
        "gelu": lambda t: F.gelu(t, approximate="tanh"),
        "silu": F.silu,
        "maxout": lambda t: t.view(t.shape[0], -1, PIECES).amax(dim=-1),
    }
    xt = torch.tensor(x, requires_grad=True)
    at = torch.tensor(a, requires_grad=True)
    g = torch.from_numpy(upstream(name))
    leaves = (xt, at) if name == "prelu" else (xt,)
    forward = (lambda: F.prelu(xt, at)) if name == "prelu" else (lambda: functions[name](xt))

    def run() -> Arrays:
        for leaf in leaves:
            leaf.grad = None
        y = forward()
        y.backward(g)
        return (y.detach().numpy(), *[leaf.grad.numpy() for leaf in leaves])

    return run


BUILDERS = {MINIGRAD: minigrad_run, NUMPY: numpy_run, TORCH: torch_run}


def runs(name: str, contenders: list[str], seed: int = 0) -> dict[str, Callable[[], Arrays]]:
    """A run function per contender, after checking output and gradients agree."""
    x, a = inputs(seed)
    built = {c: BUILDERS[c](name, x, a) for c in contenders}
    results = {c: run() for c, run in built.items()}
    for c, result in results.items():
        for i, (got, want) in enumerate(zip(result, results[NUMPY], strict=True)):
            what = ("output", "input gradient", "slope gradient")[i]
            agree(got, want, 1e-4, f"{name}: {c}'s {what}")
    return built
