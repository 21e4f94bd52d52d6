"""Workloads 3 and 4: a long chain of elementwise ops on a one-element tensor.

With one element the arithmetic costs next to nothing, so the time is what the
engine spends per op: dispatch, node creation and the backward bookkeeping.
The chain repeats four ops, a representative mix: multiply by a number, add a
number, tanh (a registered activation), negate (a unary op):

    h = -tanh(h * 1.0001 + 0.0001)

and the backward pass runs from the last value to the float32 leaf. The NumPy
reference does the same arithmetic on one-element arrays: it keeps the inputs
of tanh in a list and walks back through them. tanh' is computed as minigrad's
registry defines it, sech^2(x) = (1 / cosh x)^2 from the input, which stays
accurate where tanh itself rounds to +-1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .timing import MINIGRAD, NUMPY, TORCH, agree

OPS_PER_ROUND = 4
START = 0.5


def minigrad_chain(n_ops: int) -> Callable[[], tuple[float, float]]:
    import minigrad as mg

    rounds = n_ops // OPS_PER_ROUND

    def run() -> tuple[float, float]:
        x = mg.Tensor(np.array([START], np.float32), requires_grad=True)
        h = x
        for _ in range(rounds):
            h = h * 1.0001
            h = h + 0.0001
            h = h.tanh()
            h = -h
        h.backward()
        return h.item(), x.grad.item()

    return run


def numpy_chain(n_ops: int) -> Callable[[], tuple[float, float]]:
    rounds = n_ops // OPS_PER_ROUND

    def run() -> tuple[float, float]:
        h = np.array([START], np.float32)
        saved = []
        for _ in range(rounds):
            h = h * 1.0001
            h = h + 0.0001
            saved.append(h)
            h = np.tanh(h)
            h = -h
        g = np.ones_like(h)
        for x in reversed(saved):
            g = -g
            with np.errstate(over="ignore"):  # cosh overflows to inf where sech^2 is 0
                sech = 1 / np.cosh(x)
            g = g * (sech * sech)
            g = g * 1.0001  # the add passes g on unchanged
        return h.item(), g.item()

    return run


def torch_chain(n_ops: int) -> Callable[[], tuple[float, float]]:
    import torch

    rounds = n_ops // OPS_PER_ROUND

    def run() -> tuple[float, float]:
        x = torch.tensor([START], dtype=torch.float32, requires_grad=True)
        h = x
        for _ in range(rounds):
            h = h * 1.0001
            h = h + 0.0001
            h = h.tanh()
            h = -h
        h.backward()
        return h.item(), x.grad.item()

    return run


BUILDERS = {MINIGRAD: minigrad_chain, NUMPY: numpy_chain, TORCH: torch_chain}


def chains(n_ops: int, contenders: list[str]) -> dict[str, Callable[[], tuple[float, float]]]:
    """A run function per contender, after checking they agree on value and gradient."""
    runs = {name: BUILDERS[name](n_ops) for name in contenders}
    results = {name: run() for name, run in runs.items()}
    for name, result in results.items():
        agree(result, results[NUMPY], 1e-4, f"chain of {n_ops} ops: {name}'s (value, gradient)")
    return runs


# ------------------------------------------------- memory, in a fresh process
