"""Convolution and pooling layers: ``Conv2d``, ``MaxPool2d``, ``AvgPool2d``, ``Flatten``.

Inputs are image batches ``(N, C, H, W)``. A ``Conv2d`` layer's units are its
output channels (axis 1): the diagnostics count dead units per channel.
"""

from __future__ import annotations

import math

import numpy as np

from ..conv import avg_pool2d, conv2d, max_pool2d
from ..tensor import ArrayLike, Tensor, as_tensor, zeros
from .init import Init, initial_weight
from .layers import _check_count
from .module import Module


def _size_pair(layer: str, name: str, value: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        pair = (value, value)
    elif isinstance(value, (tuple, list)):
        pair = tuple(value)
    else:
        raise TypeError(f"{layer}: {name} must be an int or a pair of ints, got {value!r}")
    if len(pair) != 2:
        raise ValueError(f"{layer}: {name} must be an int or a pair of ints, got {value!r}")
    return tuple(_check_count(layer, name, v) for v in pair)


class Conv2d(Module):
    """2-D convolution: ``out_channels`` filters of size ``kernel_size`` over
    ``in_channels``; ``weight`` (O, C, kh, kw) as in PyTorch, ``bias`` (O,) from 0.

    ``init`` as for ``Linear`` (fan-in = ``in_channels * kh * kw``).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        bias: bool = True,
        init: Init = "he",
        rng: np.random.Generator | None = None,
    ) -> None:
        self.in_channels = _check_count("Conv2d", "in_channels", in_channels)
        self.out_channels = _check_count("Conv2d", "out_channels", out_channels)
        self.kernel_size = _size_pair("Conv2d", "kernel_size", kernel_size)
        self.stride = _size_pair("Conv2d", "stride", stride)
        pad = (padding, padding) if isinstance(padding, (int, np.integer)) else tuple(padding)
        if len(pad) != 2 or min(pad) < 0:
            raise ValueError(f"Conv2d: padding must be >= 0 (an int or a pair), got {padding!r}")
        self.padding = tuple(int(p) for p in pad)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Tensor(initial_weight(init, shape, rng), requires_grad=True)
        self.bias = zeros(self.out_channels, requires_grad=True) if bias else None

    def forward(self, x: ArrayLike) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x, dtype=self.weight.dtype)
        return conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )


class MaxPool2d(Module):
    """The max of each ``kernel_size`` window; ``stride`` defaults to ``kernel_size``."""

    def __init__(
        self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
    ) -> None:
        # Checked when given, not at the first call.
        _size_pair(type(self).__name__, "kernel_size", kernel_size)
        if stride is not None:
            _size_pair(type(self).__name__, "stride", stride)
        self.kernel_size = kernel_size
        self.stride = stride

    def forward(self, x: ArrayLike) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}"


class AvgPool2d(MaxPool2d):
    """The mean of each ``kernel_size`` window; ``stride`` defaults to ``kernel_size``."""

    def forward(self, x: ArrayLike) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride)


class Flatten(Module):
    """``(N, ...)`` to ``(N, features)``: from feature maps to a ``Linear`` layer."""

    def forward(self, x: ArrayLike) -> Tensor:
        x = as_tensor(x)
        if x.ndim == 0:
            raise ValueError("Flatten: expected a batch (N, ...), got a 0-d tensor")
        # The feature count, not -1: reshape cannot infer it for an empty batch.
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))
