"""Free functions over tensors: ``mg.maximum(a, b)``, ``mg.softmax(x)``, ...

Each one lifts its arguments to Tensors and applies a registered op; the
method aliases (``mg.sum(t)`` for ``t.sum()``) call the Tensor's methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops, validation
from .tensor import ArrayLike, Tensor, apply, as_tensor


def _pair(a: ArrayLike, b: ArrayLike) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors; a Python number takes the other's dtype."""
    if isinstance(a, Tensor):
        return a, b if isinstance(b, Tensor) else _number_like(b, a)
    if isinstance(b, Tensor):
        return _number_like(a, b), b
    return as_tensor(a), as_tensor(b)


def _number_like(value: Any, like: Tensor) -> Tensor:
    if isinstance(value, (int, float, bool)):
        return Tensor(np.asarray(value, dtype=like.dtype))
    return as_tensor(value)


def maximum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise max; at ties each input gets half of the gradient."""
    return apply(ops.maximum, *_pair(a, b))


def minimum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """Elementwise min; at ties each input gets half of the gradient."""
    return apply(ops.minimum, *_pair(a, b))


def where(cond: Any, a: ArrayLike, b: ArrayLike) -> Tensor:
    """``a`` where ``cond`` holds, else ``b``; ``cond`` is not differentiated."""
    cond = validation.real_array(cond.data if isinstance(cond, Tensor) else cond, "where", "cond")
    cond = cond.astype(bool, copy=False)
    return apply(ops.where, *_pair(a, b), cond=cond)


def concatenate(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    if not len(tensors):
        raise ValueError("concatenate: needs at least one tensor")
    return apply(ops.concatenate, *[as_tensor(t) for t in tensors], axis=axis)


def stack(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new axis."""
    if not len(tensors):
        raise ValueError("stack: needs at least one tensor")
    return apply(ops.stack, *[as_tensor(t) for t in tensors], axis=axis)


def softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """e^x / sum(e^x) along ``axis``, stable for any finite x."""
    return apply(ops.softmax, as_tensor(x), axis=axis)


def log_softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``, stable for any finite x."""
    return apply(ops.log_softmax, as_tensor(x), axis=axis)


def logsumexp(
    x: ArrayLike, axis: int | Sequence[int] | None = -1, keepdims: bool = False
) -> Tensor:
    """log(sum(e^x)) along ``axis``, stable for any finite x."""
    return apply(ops.logsumexp, as_tensor(x), axis=axis, keepdims=keepdims)


# --------------------------------------------- method aliases: mg.NAME(t, ...)


def sum(x: ArrayLike, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(x).sum(axis, keepdims)


def mean(x: ArrayLike, axis: Any = None, keepdims: bool = False) -> Tensor:
    return as_tensor(x).mean(axis, keepdims)


def var(x: ArrayLike, axis: Any = None, keepdims: bool = False) -> Tensor:
    return as_tensor(x).var(axis, keepdims)


def max(x: ArrayLike, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(x).max(axis, keepdims)


def min(x: ArrayLike, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(x).min(axis, keepdims)


def reshape(x: ArrayLike, *shape: Any) -> Tensor:
    return as_tensor(x).reshape(*shape)


def flatten(x: ArrayLike) -> Tensor:
    return as_tensor(x).flatten()


def squeeze(x: ArrayLike, axis: Any = None) -> Tensor:
    return as_tensor(x).squeeze(axis)


def transpose(x: ArrayLike, *axes: Any) -> Tensor:
    return as_tensor(x).transpose(*axes)


def exp(x: ArrayLike) -> Tensor:
    return as_tensor(x).exp()


def log(x: ArrayLike) -> Tensor:
    return as_tensor(x).log()


def sqrt(x: ArrayLike) -> Tensor:
    return as_tensor(x).sqrt()


def abs(x: ArrayLike) -> Tensor:  # noqa: A001
    return as_tensor(x).abs()


def clip(x: ArrayLike, lo: float | None, hi: float | None) -> Tensor:
    return as_tensor(x).clip(lo, hi)


def argmax(x: ArrayLike, axis: int | None = None) -> np.ndarray:
    return as_tensor(x).argmax(axis)


def argmin(x: ArrayLike, axis: int | None = None) -> np.ndarray:
    return as_tensor(x).argmin(axis)
