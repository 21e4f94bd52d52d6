"""Carry a trained minigrad model over to PyTorch: ``mg.nn.to_torch(model)``.

Each minigrad layer has a PyTorch twin with the same name and the same weight
layout (``Linear.weight`` is ``(out_features, in_features)`` in both, a
``Conv2d``'s is OIHW in both), so converting a model is copying arrays into
the matching ``torch.nn`` modules. Maxout has no ``torch.nn`` module; a small
one is defined here. PyTorch is imported only when a model is converted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from .layers import (
    MLP,
    Activation,
    LeakyReLU,
    Linear,
    Maxout,
    PReLU,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from .module import Module

__all__ = ["to_torch"]


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "mg.nn.to_torch needs PyTorch, which is not installed; install it with "
            "`pip install torch` (CPU builds for every platform: https://pytorch.org)"
        ) from error
    return torch


def to_torch(model: Module) -> Any:
    """An equivalent ``torch.nn.Module`` holding copies of ``model``'s weights.

    Every layer of ``mg.nn`` converts (``Linear``, ``Sequential``, ``MLP``,
    ``Conv2d``, the pooling layers, ``Flatten``, the activation modules and
    ``Activation`` of a built-in activation); the result's parameters have the
    minigrad parameters' dtype, so in float64 its outputs match the minigrad
    model's to rounding error. A user's own activation or ``Module`` subclass
    has no PyTorch twin: it raises ``TypeError`` naming it. Needs PyTorch
    (``ImportError`` saying how to install it otherwise).
    """
    if not isinstance(model, Module):
        raise TypeError(f"to_torch: expected a minigrad Module, got {type(model).__name__}")
    torch = _import_torch()
    return _convert(model, "model", torch)


def _parameter(torch: Any, array: np.ndarray) -> Any:
    return torch.nn.Parameter(torch.from_numpy(np.array(array, copy=True)))


def _copy_weights(torch: Any, target: Any, weight: Any, bias: Any) -> Any:
    target.weight = _parameter(torch, weight.data)
    if bias is not None:
        target.bias = _parameter(torch, bias.data)
    return target


def _convert(module: Module, path: str, torch: Any) -> Any:
    nn = torch.nn
    kind = type(module)  # exact types: a subclass may compute something else
    if kind is Sequential:
        return nn.Sequential(*(_convert(m, f"{path}.{i}", torch) for i, m in enumerate(module)))
    if kind is MLP:
        # MLP is a Sequential of Linear and activation layers under `layers`.
        return _convert(module.layers, f"{path}.layers", torch)
    if kind is Linear:
        linear = nn.Linear(module.in_features, module.out_features, bias=module.bias is not None)
        return _copy_weights(torch, linear, module.weight, module.bias)
    if kind is Conv2d:
        conv = nn.Conv2d(
            module.in_channels,
            module.out_channels,
            module.kernel_size,
            stride=module.stride,
            padding=module.padding,
            bias=module.bias is not None,
        )
        return _copy_weights(torch, conv, module.weight, module.bias)
    if kind in (MaxPool2d, AvgPool2d):
        pool = nn.MaxPool2d if kind is MaxPool2d else nn.AvgPool2d
        return pool(module.kernel_size, stride=module.stride)
    if kind is Flatten:
        return nn.Flatten()
    if kind is PReLU:
        prelu = nn.PReLU(module.num_parameters)
        prelu.weight = _parameter(torch, module.weight.data)
        return prelu
    if kind is Maxout:
        linear = _convert(module.linear, f"{path}.linear", torch)
        return _maxout_class(torch)(linear, module.pieces)
    if kind in (ReLU, Sigmoid, Tanh, LeakyReLU, Activation):
        return _activation(module, path, torch)
    raise TypeError(
        f"to_torch: {path} is a {kind.__name__}, which has no PyTorch equivalent here "
        "(only the layers of mg.nn convert); write its torch.nn twin by hand"
    )


def _activation(module: Activation, path: str, torch: Any) -> Any:
    nn = torch.nn
    record, params = module.activation, dict(module.params)
    if not record.builtin:
        raise TypeError(
            f"to_torch: {path} applies the user-registered activation {record.name!r}, "
            "which PyTorch does not have; write it as a torch.nn.Module by hand"
        )
    name = record.name
    if name == "relu":
        return nn.ReLU()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "tanh":
        return nn.Tanh()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope=params.get("slope", 0.01))
    if name == "elu":
        return nn.ELU(alpha=params.get("alpha", 1.0))
    if name == "softplus":
        # PyTorch returns x itself above `threshold` (20 by default), an error of
        # log(1 + e^-x) ~ 2e-9 there; at 40 it is below float64's resolution.
        return nn.Softplus(threshold=40.0)
    if name == "gelu":
        return nn.GELU(approximate="tanh")  # minigrad's GELU is the tanh approximation
    if name == "silu":
        return nn.SiLU()
    if name == "maxout":
        return _maxout_class(torch)(None, params["pieces"])
    raise TypeError(f"to_torch: {path}: no PyTorch equivalent for activation {name!r}")


_MAXOUT: dict[int, type] = {}


def _maxout_class(torch: Any) -> type:
    """A ``torch.nn.Module`` for maxout: optional linear layer, then the max over
    groups of ``pieces`` consecutive outputs (``mg.maxout``'s grouping)."""
    key = id(torch)
    if key not in _MAXOUT:

        class Maxout(torch.nn.Module):
            def __init__(self, linear: Any, pieces: int) -> None:
                super().__init__()
                self.linear = linear
                self.pieces = pieces

            def forward(self, x: Any) -> Any:
                z = x if self.linear is None else self.linear(x)
                units = z.shape[-1] // self.pieces
                return z.reshape(*z.shape[:-1], units, self.pieces).amax(dim=-1)

            def extra_repr(self) -> str:
                return f"pieces={self.pieces}"

        _MAXOUT[key] = Maxout
    return _MAXOUT[key]
