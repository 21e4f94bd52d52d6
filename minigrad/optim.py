"""Optimizers: SGD and Adam, with PyTorch's update rules.

An optimizer holds a list of parameters and changes their ``data`` in place
from their ``grad``. ``step()`` runs at every training step, so it works in
place: each parameter gets one scratch array, allocated once, that holds the
intermediate terms, and ``float32`` parameters stay ``float32`` (the
hyperparameters are Python floats, which never up-cast an array). A parameter
whose ``grad`` is ``None`` is skipped: it has no state and its step count
does not advance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .tensor import Tensor


def _check(
    optimizer: str, name: str, value: float, low: float = 0.0, high: float = math.inf
) -> float:
    # `not low <= value` also rejects NaN.
    if not low <= value < high:
        expected = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g})"
        raise ValueError(f"{optimizer}: {name} must be {expected}, got {value}")
    return float(value)


def _descend(p: np.ndarray, direction: np.ndarray, scale: float, scratch: np.ndarray) -> None:
    """p -= scale * direction, with the product held in ``scratch``."""
    np.multiply(direction, scale, out=scratch)
    p -= scratch


class Optimizer:
    """The parameter list, ``zero_grad`` and per-parameter state and scratch."""

    def __init__(self, params: Iterable[Tensor]) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            params = [params]
        unique: dict[int, Tensor] = {}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor; "
                    "pass model.parameters()"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: parameter {i} is the result of op {p.op!r}, not a leaf; "
                    "only leaf tensors (weights) can be optimized"
                )
            unique.setdefault(id(p), p)  # a tensor listed twice is stepped once
        if not unique:
            raise ValueError(f"{name}: got an empty parameter list")
        self.params: list[Tensor] = list(unique.values())
        # As PyTorch's optimizer.state[p]: the running averages, made at a first step.
        self.state: dict[Tensor, dict[str, Any]] = {p: {} for p in self.params}
        self._scratch = [np.empty_like(p.data) for p in self.params]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``grad = None``)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError(f"{type(self).__name__}.step: a subclass defines the update")


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and weight decay.

    With g the gradient, as in PyTorch:

        d = g + weight_decay * p
        buf = momentum * buf + d          (buf = d at the first step)
        d = d + momentum * buf            if nesterov, else d = buf
        p = p - lr * d
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr = _check("SGD", "lr", lr)
        self.momentum = _check("SGD", "momentum", momentum)
        self.weight_decay = _check("SGD", "weight_decay", weight_decay)
        if nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.nesterov = bool(nesterov)
        super().__init__(params)

    def step(self) -> None:
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        for p, scratch in zip(self.params, self._scratch, strict=True):
            d = p.grad
            if d is None:
                continue
            if weight_decay:  # the gradient of the penalty (weight_decay / 2) |p|^2
                np.multiply(p.data, weight_decay, out=scratch)
                scratch += d
                d = scratch
            if not momentum:
                _descend(p.data, d, lr, scratch)
                continue
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = d.copy()
            else:
                buf *= momentum
                buf += d
            if self.nesterov:  # p -= lr (d + momentum buf), in two in-place steps
                _descend(p.data, d, lr, scratch)
                _descend(p.data, buf, lr * momentum, scratch)
            else:
                _descend(p.data, buf, lr, scratch)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): steps scaled by running gradient statistics.

    With g the gradient and t the parameter's step count, as in PyTorch:

        g = g + weight_decay * p
        m = beta1 m + (1 - beta1) g           (mean of g)
        v = beta2 v + (1 - beta2) g^2         (mean of g^2)
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    The bias corrections undo the pull of m and v towards their zero start.
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr = _check("Adam", "lr", lr)
        beta1, beta2 = betas
        self.betas = (
            _check("Adam", "betas[0]", beta1, 0, 1),
            _check("Adam", "betas[1]", beta2, 0, 1),
        )
        self.eps = _check("Adam", "eps", eps)
        self.weight_decay = _check("Adam", "weight_decay", weight_decay)
        super().__init__(params)

    def step(self) -> None:
        lr, eps, weight_decay = self.lr, self.eps, self.weight_decay
        beta1, beta2 = self.betas
        for p, scratch in zip(self.params, self._scratch, strict=True):
            g = p.grad
            if g is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p.data)  # m
                state["exp_avg_sq"] = np.zeros_like(p.data)  # v
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            if weight_decay:
                np.multiply(p.data, weight_decay, out=scratch)
                scratch += g
                g = scratch
            # m = beta1 m + (1 - beta1) g, written as g + beta1 (m - g): no temporary
            m -= g
            m *= beta1
            m += g
            # v = beta2 v + (1 - beta2) g^2; g is no longer needed, so scratch holds g^2
            np.multiply(g, g, out=scratch)
            scratch *= 1 - beta2
            v *= beta2
            v += scratch
            # p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
            np.sqrt(v, out=scratch)
            scratch /= math.sqrt(1 - beta2**t)
            scratch += eps
            np.divide(m, scratch, out=scratch)
            _descend(p.data, scratch, lr / (1 - beta1**t), scratch)
