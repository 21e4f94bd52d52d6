"""Optimizers: SGD and Adam, with PyTorch's update rules.

An optimizer holds a list of parameters and changes their ``data`` in place
from their ``grad``. ``step()`` runs at every training step, so it works in
place: each parameter gets one scratch array, allocated once, that holds the
intermediate terms, and ``float32`` parameters stay ``float32`` (the
hyperparameters are Python floats, which never up-cast an array). A parameter
whose ``grad`` is ``None`` is skipped: it has no state and its step count
does not advance.

A step is all or nothing: every gradient and parameter is checked before the
first one changes, so a bad one raises and leaves every parameter and the
optimizer's state as they were.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import validation
from .tensor import Tensor, mark_changed


def _check(
    optimizer: str, name: str, value: float, low: float = 0.0, high: float = math.inf
) -> float:
    value = validation.real_scalar(value, optimizer, name)
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
        """Update every parameter that has a gradient; all of them or none."""
        name = type(self).__name__
        problems = validation.gradient_problems(self.params, changes="data")
        stepped, replaced = [], []
        for i, (p, scratch) in enumerate(zip(self.params, self._scratch, strict=True)):
            if p.grad is None:
                continue
            stepped.append(p)
            if scratch.shape != p.data.shape or scratch.dtype != p.data.dtype:
                replaced.append(i)  # its data was replaced since the last step
        for i in replaced:
            p = self.params[i]
            for key, value in self.state[p].items():
                if type(value) is np.ndarray and value.shape != p.data.shape:
                    problems.append(
                        f"parameter {i} has shape {p.data.shape} but its {key} has shape "
                        f"{value.shape} (was its data replaced?)"
                    )
        validation.refuse(
            f"{name}.step",
            problems,
            hint="Each .grad must be an array of its parameter's shape (as backward "
            "leaves it), and each parameter writeable.",
        )
        for i in replaced:
            self._scratch[i] = np.empty_like(self.params[i].data)
        self._update()
        mark_changed(stepped)

    def _update(self) -> None:
        raise NotImplementedError(f"{type(self).__name__}.step: a subclass defines the update")

    # ------------------------------------------------------------- state

    _hyperparameters: tuple[str, ...] = ()
    _state_keys: tuple[str, ...] = ()

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of the hyperparameters and per-parameter state, as name -> array.

        Flat, so that ``mg.save`` writes it with NumPy's file format: the
        hyperparameters by name, then ``state.I.KEY`` for parameter ``I`` (its
        position in the parameter list).
        """
        found = {name: np.array(getattr(self, name)) for name in self._hyperparameters}
        for i, p in enumerate(self.params):
            for key, value in self.state[p].items():
                found[f"state.{i}.{key}"] = np.array(value)
        return found

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state from ``state_dict()``.

        Everything is checked first (names, shapes, values), and a bad entry
        raises one ``ValueError`` listing every problem, with nothing changed.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{where}: expected a dict of arrays, got {type(state).__name__}")
        problems: list[str] = []
        hyper: dict[str, Any] = {}
        for name in self._hyperparameters:
            if name not in state:
                problems.append(f"missing key {name!r}")
                continue
            try:
                value = validation.real_array(state[name], where, name)
                hyper[name] = self._hyperparameter(name, value)
            except (TypeError, ValueError) as error:
                problems.append(str(error).removeprefix(f"{where}: "))
        per_param: dict[int, dict[str, np.ndarray]] = {}
        for key in state:
            if key in self._hyperparameters:
                continue
            parts = str(key).split(".")
            if (
                len(parts) != 3
                or parts[0] != "state"
                or not parts[1].isdigit()
                or int(parts[1]) >= len(self.params)
                or parts[2] not in self._state_keys
            ):
                problems.append(f"unexpected key {key!r}")
                continue
            i, name = int(parts[1]), parts[2]
            p = self.params[i]
            try:
                value = validation.real_array(state[key], where, key)
            except (TypeError, ValueError) as error:
                problems.append(str(error).removeprefix(f"{where}: "))
                continue
            if name == "step":
                if value.shape != () or value.dtype.kind not in "iu" or value < 1:
                    problems.append(f"{key} must be an integer >= 1, got {value!r}")
                    continue
                value = int(value)
            elif value.shape != p.data.shape:
                problems.append(f"{key} has shape {value.shape}, expected {p.data.shape}")
                continue
            else:
                value = value.astype(p.data.dtype, copy=True)
            per_param.setdefault(i, {})[name] = value
        for i, found in per_param.items():
            if set(found) != set(self._state_keys) and not self._partial_state_ok(found):
                problems.append(
                    f"state of parameter {i} has {sorted(found)}, expected all of "
                    f"{list(self._state_keys)}"
                )
        validation.refuse(
            where, problems, hint="Pass a state_dict() of the same optimizer type and model."
        )
        for name, value in hyper.items():
            setattr(self, name, value)
        for i, p in enumerate(self.params):
            self.state[p] = per_param.get(i, {})

    def _hyperparameter(self, name: str, value: np.ndarray) -> Any:
        return _check(type(self).__name__, name, value.item() if value.shape == () else value)

    def _partial_state_ok(self, found: dict[str, Any]) -> bool:
        return False


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

    _hyperparameters = ("lr", "momentum", "nesterov", "weight_decay")
    _state_keys = ("momentum_buffer",)

    def _hyperparameter(self, name: str, value: np.ndarray) -> Any:
        if name == "nesterov":
            if value.shape != () or value.dtype.kind != "b":
                raise ValueError(f"nesterov must be a bool, got {value!r}")
            return bool(value)
        return super()._hyperparameter(name, value)

    def _update(self) -> None:
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

    _hyperparameters = ("lr", "betas", "eps", "weight_decay")
    _state_keys = ("step", "exp_avg", "exp_avg_sq")

    def _hyperparameter(self, name: str, value: np.ndarray) -> Any:
        if name == "betas":
            if value.shape != (2,):
                raise ValueError(f"betas must hold two values, got shape {value.shape}")
            return (
                _check("Adam", "betas[0]", value[0], 0, 1),
                _check("Adam", "betas[1]", value[1], 0, 1),
            )
        return super()._hyperparameter(name, value)

    def _update(self) -> None:
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
