"""The activation registry: each activation's forward and local derivative.

An elementwise activation is declared once, as ``forward(x, **params) -> y``
and ``derivative(x, y, **params) -> f'(x)`` on NumPy arrays. Registering it
also registers an op whose VJP is ``g * f'(x)``, so the engine, the renderer
and the diagnostics all read the same derivative: it is the single source of
truth for where a unit saturates (f' near 0) or is dead (f' exactly 0).

``prelu`` (a learnable slope, two inputs) and ``maxout`` (a max over groups)
are not elementwise: their records carry their own VJPs and no derivative.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ops
from .ops import Op
from .tensor import Tensor, apply, as_tensor

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class ActivationRecord:
    """One registered activation; calling it applies it to Tensors."""

    name: str
    forward: Callable[..., Array]
    derivative: Callable[..., Array] | None
    op: Op
    builtin: bool
    doc: str = ""

    def __call__(self, *inputs: Any, **params: Any) -> Tensor:
        return apply(self.op, *[as_tensor(x) for x in inputs], **params)

    def __repr__(self) -> str:
        kind = "built-in" if self.builtin else "user"
        return f"<activation {self.name!r} ({kind})>"


_REGISTRY: dict[str, ActivationRecord] = {}


def names() -> list[str]:
    """Every registered activation, built-in and user-added."""
    return sorted(_REGISTRY)


def get(name: str) -> ActivationRecord:
    """The record of a registered activation; ``KeyError`` lists the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown activation {name!r}; registered activations: {', '.join(names())}"
        ) from None


def _elementwise_vjp(derivative: Callable[..., Array]) -> Callable[..., Array]:
    def vjp(g: Array, y: Array, x: Array, **params: Any) -> Array:
        return g * derivative(x, y, **params)  # chain rule: dL/dx = dL/dy * f'(x)

    return vjp


def _add(
    name: str,
    forward: Callable[..., Array],
    derivative: Callable[..., Array] | None,
    builtin: bool,
    vjps: tuple | None = None,
) -> ActivationRecord:
    if name in _REGISTRY or name in ops.REGISTRY:
        raise ValueError(f"register: an activation or op named {name!r} already exists")
    op = ops.register_op(name, forward, vjps or (_elementwise_vjp(derivative),))
    record = ActivationRecord(name, forward, derivative, op, builtin, op.doc)
    _REGISTRY[name] = record
    return record


def register(
    name: str,
    forward: Callable[..., Array] | None = None,
    derivative: Callable[..., Array] | None = None,
) -> Any:
    """Add an elementwise activation: ``register(name, forward, derivative)``.

    As a decorator on the forward: ``@register(name, derivative=...)``.
    ``derivative(x, y, **params)`` returns f'(x) elementwise; it may use the
    input ``x`` or the output ``y``, whichever is cheaper.
    """
    if derivative is None:
        raise TypeError(f"register({name!r}): a derivative(x, y) function is required")
    if forward is None:
        return lambda fn: (_add(name, fn, derivative, builtin=False), fn)[1]
    return _add(name, forward, derivative, builtin=False)


def unregister(name: str) -> None:
    """Remove a user's activation (built-ins cannot be removed)."""
    record = get(name)
    if record.builtin:
        raise ValueError(f"unregister: {name!r} is a built-in activation and cannot be removed")
    del _REGISTRY[name]
    ops.unregister_op(name)


def builtin(name: str, derivative: Callable[..., Array]) -> Callable:
    def wrap(forward: Callable[..., Array]) -> Callable[..., Array]:
        _add(name, forward, derivative, builtin=True)
        return forward

    return wrap


# ------------------------------------------------------------ the built-ins


def _sigmoid(x: Array) -> Array:
    # Only e^-|x| is ever computed, so no finite x overflows:
    # x >= 0: 1 / (1 + e^-x);  x < 0: e^x / (1 + e^x).
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_derivative(x: Array, y: Array) -> Array:
    # d/dx sigmoid = s (1 - s) = e / (1 + e)^2 with e = e^-|x|: at most 1/4 (at 0),
    # tiny but not 0 in the tails. Computing it from y would round 1 - y to exactly
    # 0 once y rounds to 1 (|x| > 37 in float64, > 17 in float32) and call a merely
    # saturated unit dead.
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


def _tanh_derivative(x: Array, y: Array) -> Array:
    # d/dx tanh = 1 - tanh^2 = 4 e / (1 + e)^2 with e = e^-2|x|: at most 1 (at 0);
    # from x rather than y for the same reason as the sigmoid's.
    e = np.exp(-2 * np.abs(x))
    return 4 * e / (1 + e) ** 2


builtin("sigmoid", _sigmoid_derivative)(_sigmoid)
builtin("tanh", _tanh_derivative)(np.tanh)


# relu'(x) = 1 for x > 0 and 0 for x <= 0: at the kink relu'(0) = 0, as in PyTorch.
@builtin("relu", lambda x, y: (x > 0).astype(x.dtype))
def _relu(x: Array) -> Array:
    return np.maximum(x, 0)


# leaky_relu'(x) = 1 for x >= 0, slope otherwise: at the kink leaky_relu'(0) = 1,
# the x >= 0 branch of the definition.
@builtin("leaky_relu", lambda x, y, slope=0.01: 1 + (x < 0).astype(x.dtype) * (slope - 1))
def _leaky_relu(x: Array, slope: float = 0.01) -> Array:
    return np.where(x >= 0, x, x * slope)


# elu'(x) = 1 for x > 0, alpha e^x = y + alpha otherwise.
@builtin("elu", lambda x, y, alpha=1.0: np.where(x > 0, 1, y + alpha).astype(x.dtype))
def _elu(x: Array, alpha: float = 1.0) -> Array:
    # expm1 of min(x, 0): never overflows for large positive x, accurate near 0.
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


# softplus'(x) = sigmoid(x).
@builtin("softplus", lambda x, y: _sigmoid(x))
def _softplus(x: Array) -> Array:
    return np.logaddexp(0, x)  # log(1 + e^x) without overflow


_GELU_K = math.sqrt(2 / math.pi)
_GELU_C = 0.044715


def _gelu_inner(x: Array) -> Array:
    # Beyond |x| = 10 tanh is exactly +-1, so clipping changes nothing but keeps
    # x^3 from overflowing.
    xc = np.clip(x, -10, 10)
    return xc, np.tanh(_GELU_K * (xc + _GELU_C * xc**3))


def _gelu_derivative(x: Array, y: Array) -> Array:
    # d/dx 0.5 x (1 + t) = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3c x^2)
    xc, t = _gelu_inner(x)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GELU_K * (1 + 3 * _GELU_C * xc * xc)


# gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the tanh approximation.
@builtin("gelu", _gelu_derivative)
def _gelu(x: Array) -> Array:
    return 0.5 * x * (1 + _gelu_inner(x)[1])


def _silu_derivative(x: Array, y: Array) -> Array:
    s = _sigmoid(x)
    return s * (1 + x * (1 - s))  # d/dx x s(x) = s + x s (1 - s)


@builtin("silu", _silu_derivative)
def _silu(x: Array) -> Array:
    return x * _sigmoid(x)


# ---------------------------------------------------------------- prelu


def _channel_slope(a: Array, x: Array) -> Array:
    """Shape the slope ``a`` to broadcast against ``x`` (PyTorch's rule)."""
    if a.size == 1:
        return a.reshape(())
    if a.ndim == 1 and x.ndim >= 2:
        if a.shape[0] != x.shape[1]:
            raise ValueError(
                f"prelu: {a.shape[0]} slopes given, but x of shape {x.shape} has "
                f"{x.shape[1]} channels on axis 1; give one slope or one per channel"
            )
        return a.reshape((-1,) + (1,) * (x.ndim - 2))
    return a


def _prelu_forward(x: Array, a: Array) -> Array:
    return np.where(x >= 0, x, x * _channel_slope(a, x))


def _prelu_grad_x(g: Array, y: Array, x: Array, a: Array) -> Array:
    # d/dx = 1 for x >= 0, a otherwise
    return np.where(x >= 0, g, g * _channel_slope(a, x))


def _prelu_grad_a(g: Array, y: Array, x: Array, a: Array) -> Array:
    # d/da = x for x < 0, 0 otherwise; summed over what the slope was shared across
    per_element = g * np.minimum(x, 0)
    slope = _channel_slope(a, x)
    if slope.ndim == 0:
        return per_element.sum().reshape(a.shape)
    if slope is not a:  # one slope per channel on axis 1
        axes = (0,) + tuple(range(2, x.ndim))
        return per_element.sum(axis=axes)
    return per_element  # broadcasting slope: the engine sums it back


_add("prelu", _prelu_forward, None, builtin=True, vjps=(_prelu_grad_x, _prelu_grad_a))


# ---------------------------------------------------------------- maxout


def _groups(z: Array, pieces: int) -> Array:
    if pieces < 1 or z.ndim == 0 or z.shape[-1] % pieces:
        raise ValueError(
            f"maxout: the last axis of shape {z.shape} must be a multiple of "
            f"pieces={pieces} (units * pieces)"
        )
    return z.reshape(z.shape[:-1] + (z.shape[-1] // pieces, pieces))


def _maxout_forward(z: Array, pieces: int) -> Array:
    return _groups(z, pieces).max(axis=-1)


def _maxout_grad(g: Array, y: Array, z: Array, pieces: int) -> Array:
    # The gradient goes to the maximum of each group; tied maxima share it evenly.
    ties = _groups(z, pieces) == y[..., None]
    share = ties / ties.sum(axis=-1, keepdims=True, dtype=g.dtype)
    return (g[..., None] * share).reshape(z.shape)


_add("maxout", _maxout_forward, None, builtin=True, vjps=(_maxout_grad,))


# ------------------------------------------------ functions on Tensors


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-x), without overflow for any finite x."""
    return apply(ops.get("sigmoid"), as_tensor(x))


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent."""
    return apply(ops.get("tanh"), as_tensor(x))


def relu(x: Any) -> Tensor:
    """max(0, x); derivative 0 at x = 0."""
    return apply(ops.get("relu"), as_tensor(x))


def leaky_relu(x: Any, slope: float = 0.01) -> Tensor:
    """x for x >= 0, slope * x otherwise."""
    return apply(ops.get("leaky_relu"), as_tensor(x), slope=slope)


def prelu(x: Any, a: Any) -> Tensor:
    """Leaky ReLU with a learnable slope tensor ``a`` (shared or per channel)."""
    return apply(ops.get("prelu"), as_tensor(x), as_tensor(a))


def maxout(z: Any, pieces: int) -> Tensor:
    """Max over groups of ``pieces`` consecutive values of the last axis."""
    return apply(ops.get("maxout"), as_tensor(z), pieces=int(pieces))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise."""
    return apply(ops.get("elu"), as_tensor(x), alpha=alpha)


def softplus(x: Any) -> Tensor:
    """log(1 + e^x), without overflow."""
    return apply(ops.get("softplus"), as_tensor(x))


def gelu(x: Any) -> Tensor:
    """GELU, tanh approximation."""
    return apply(ops.get("gelu"), as_tensor(x))


def silu(x: Any) -> Tensor:
    """x * sigmoid(x) (swish)."""
    return apply(ops.get("silu"), as_tensor(x))
