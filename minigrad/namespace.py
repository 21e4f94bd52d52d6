"""minigrad's array namespace: NumPy's function names, on Tensors, recorded.

``mg.array_namespace(x)`` returns NumPy for arrays and this module for
Tensors (in the spirit of the Python array API standard), so a derivative
written as ``xp = mg.array_namespace(x); xp.exp(x)`` runs on both. On arrays
it is plain NumPy; on Tensors every call is a registered op, recorded in the
graph, which is how a gradient can be differentiated again (see ``ops.py``).

Each function takes arrays, numbers or Tensors, like its NumPy namesake,
and returns a Tensor. Only what derivatives need is here; the operators
(``+ - * / ** @``), indexing and the methods ``sum``, ``mean``, ``reshape``,
``transpose`` and ``astype`` work on Tensors as they do on arrays.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import functions, ops
from .tensor import Tensor, as_tensor
from .tensor import apply as _record

__all__ = [
    "abs",
    "apply",
    "astype",
    "broadcast_to",
    "clip",
    "concatenate",
    "cosh",
    "exp",
    "full",
    "log",
    "matmul",
    "maximum",
    "minimum",
    "sign",
    "sinh",
    "sqrt",
    "stack",
    "sum",
    "swapaxes",
    "tanh",
    "where",
]


def apply(op: ops.Op, *inputs: Any, **params: Any) -> Tensor:
    """Apply a registered op to Tensors (arrays and numbers become constants)."""
    return _record(op, *map(as_tensor, inputs), **params)


def exp(x: Any) -> Tensor:
    return as_tensor(x).exp()


def log(x: Any) -> Tensor:
    return as_tensor(x).log()


def sqrt(x: Any) -> Tensor:
    return as_tensor(x).sqrt()


def abs(x: Any) -> Tensor:  # noqa: A001 - NumPy's name
    return as_tensor(x).abs()


def sign(x: Any) -> Tensor:
    """sign(x), a constant: its derivative is 0 wherever it exists."""
    return Tensor(np.sign(ops.value(x)))


def cosh(x: Any) -> Tensor:
    return apply(ops.cosh, x)


def sinh(x: Any) -> Tensor:
    return apply(ops.sinh, x)


def tanh(x: Any) -> Tensor:
    return apply(ops.get("tanh"), x)


def maximum(a: Any, b: Any) -> Tensor:
    return functions.maximum(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    return functions.minimum(a, b)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    return functions.where(cond, a, b)


def clip(x: Any, lo: float | None, hi: float | None) -> Tensor:
    return as_tensor(x).clip(lo, hi)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return as_tensor(x).sum(axis, keepdims)


def matmul(a: Any, b: Any) -> Tensor:
    return as_tensor(a) @ b


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    x = as_tensor(x)
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return x.transpose(*axes)


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    x = as_tensor(x)
    shape = tuple(shape)
    return x if x.shape == shape else apply(ops.broadcast_to, x, shape=shape)


def full(shape: Sequence[int], fill_value: Any) -> Tensor:
    """``fill_value`` (a Tensor, an array or a number) repeated to ``shape``."""
    return broadcast_to(fill_value, shape)


def astype(x: Any, dtype: Any, copy: bool = True) -> Tensor:
    """``x`` as ``dtype``; with ``copy=False``, ``x`` itself when it has it already."""
    x = as_tensor(x)
    return x if not copy and x.dtype == np.dtype(dtype) else x.astype(dtype)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    return functions.stack(tensors, axis)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    return functions.concatenate(tensors, axis)


ops.register_namespace(Tensor, sys.modules[__name__])
