"""The op registry: every primitive's forward and local derivative, side by side.

Each op is declared once, as a forward function on NumPy arrays and one
vector-Jacobian product (VJP) per input. A VJP receives the upstream gradient
``g`` (shaped like the output), the output ``y`` and the inputs, and returns
the gradient for its input. It may return it in the *broadcast* shape: the
engine sums it back to the input's shape in one place (``unbroadcast``), so
no op repeats that work.

This module imports NumPy only: it reads like a table of derivatives, in the
spirit of HIPS autograd's ``defvjp`` and PyTorch's ``derivatives.yaml``.

One table, two kinds of values (the design behind higher-order gradients)
-------------------------------------------------------------------------
A VJP is ordinary code on its arguments, written against their *array
namespace* ``xp = array_namespace(g, x)``, in the spirit of the Python array
API standard: ``xp.exp``, ``xp.where``, ``xp.swapaxes``, ... and the
operators ``+ - * / ** @``, indexing and the ``.sum``/``.reshape`` methods,
which arrays and Tensors share. The same code then runs on two kinds of
values:

- **NumPy arrays** (``xp`` is NumPy itself). This is ``backward()``: the
  fast first-order pass. No graph is made, and a VJP costs what the
  hand-written NumPy costs, so teaching-sized models train at NumPy speed.
- **Tensors** (``xp`` is minigrad's own functions, ``minigrad.namespace``).
  This is ``mg.grad(..., create_graph=True)``: every operation of the VJP is
  itself a registered op, recorded in the graph, so the gradient can be
  differentiated again, to any order, by the same table.

Why not one pass on Tensors always (as PyTorch and HIPS autograd do)?
Recording the backward pass costs one graph node per operation, several
times the arithmetic of small arrays; the first-order pass is what a learner
runs thousands of times. Why not two tables (a NumPy VJP and a Tensor one)?
Two copies of every derivative drift apart; one copy, checked by finite
differences at first and second order, cannot.

What does not fit in a few array operations gets an op of its own whose
forward *is* the fast NumPy code, and whose own VJPs are given, so it can
be differentiated again: ``cosh``/``sinh`` (the derivatives of sigmoid and
tanh), ``broadcast_to`` (of ``sum``), ``scatter_add`` (of indexing), and in
``conv.py`` and ``activations.py`` the backward ops of convolution, pooling
and maxout. ``call(op, ...)`` runs such an op on either kind of value:
its forward on arrays, a recorded op on Tensors. Masks (a ReLU's ``x > 0``,
the winner of a max) are computed from values (comparisons give plain
arrays): they are constants, which is why ``relu''`` is 0 everywhere.

Rules every VJP follows:
- never modify ``g``, ``y`` or an input in place (they may be shared);
  ``a *= b`` is fine on a new array (on a Tensor it makes a new node);
- use ``xp`` (never ``np``) for functions of ``g``, ``y`` and the inputs;
  ``np`` is fine for constants (masks, index arithmetic, ``np.errstate``);
- keep the dtype: use Python numbers (weak scalars), never NumPy float64
  scalars, so that float32 gradients stay float32.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Array = np.ndarray
VJP = Callable[..., Array]


@dataclass(frozen=True, eq=False)
class Op:
    """A registered primitive.

    ``arity`` is the number of Tensor inputs, or ``None`` for ops that take
    any number of them (``concatenate``, ``stack``); those declare a single
    VJP that receives the input's position as the keyword ``i``.
    """

    name: str
    forward: Callable[..., Array]
    vjps: tuple[VJP, ...]
    arity: int | None
    doc: str = ""
    # Shape errors are re-raised with this op's own explanation when given.
    explain: Callable[..., str] | None = field(default=None, repr=False)
    # Each input's local derivative as a short rule a learner can read, one per
    # VJP (``d tanh(x)/dx = 1 - y^2``), shown by the backprop explainer.
    rules: tuple[str, ...] = ()

    def __reduce__(self) -> tuple:
        # An op is pickled by name (its VJPs are lambdas): it is the registry's.
        return (get, (self.name,))

    def vjp(self, i: int) -> VJP:
        """The VJP for input ``i``."""
        return self.vjps[0] if self.arity is None else self.vjps[i]


REGISTRY: dict[str, Op] = {}


def register_op(
    name: str,
    forward: Callable[..., Array],
    vjps: tuple[VJP, ...],
    arity: int | None = -1,
    doc: str = "",
    explain: Callable[..., str] | None = None,
    rules: tuple[str, ...] = (),
) -> Op:
    """Add an op to the registry and return its record.

    ``rules`` gives each VJP's local derivative as text, one per VJP.
    """
    if name in REGISTRY:
        raise ValueError(f"an op named {name!r} is already registered")
    if arity == -1:
        arity = len(vjps)
    rules = (rules,) if isinstance(rules, str) else tuple(rules)
    # An op without rules still works (the suite flags it); wrong ones are refused.
    if rules and (len(rules) != len(vjps) or not all(isinstance(r, str) and r for r in rules)):
        raise ValueError(
            f"register_op({name!r}): give one rule (a non-empty string) per VJP, "
            f"{len(vjps)} in all; got {rules!r}"
        )
    doc = doc or (forward.__doc__ or "").strip()
    op = Op(name, forward, tuple(vjps), arity, doc, explain, rules)
    REGISTRY[name] = op
    return op


def unregister_op(name: str) -> None:
    del REGISTRY[name]


def defop(
    name: str, *vjps: VJP, rules: tuple[str, ...] = (), arity: int | None = -1, explain=None
) -> Callable[..., Op]:
    """Decorator form: ``@defop("exp", lambda g, y, x: g * y, rules=("d e^x/dx = e^x",))``."""

    def wrap(forward: Callable[..., Array]) -> Op:
        return register_op(name, forward, vjps, arity=arity, explain=explain, rules=rules)

    return wrap


def names() -> list[str]:
    return sorted(REGISTRY)


# The namespace of each non-NumPy array type (Tensor's is added by minigrad.namespace).
_NAMESPACES: dict[type, Any] = {}


def register_namespace(cls: type, namespace: Any) -> None:
    """Make ``namespace`` the array namespace of ``cls`` values."""
    _NAMESPACES[cls] = namespace


def array_namespace(x: Any, *more: Any) -> Any:
    """The functions that work on ``x`` (and ``more``): NumPy for arrays and numbers,
    minigrad's own (``minigrad.namespace``) as soon as one of them is a Tensor."""
    # One argument, the common case, allocates nothing: every first-order VJP that
    # calls a function comes through here, and allocations wake the garbage collector.
    namespace = _NAMESPACES.get(type(x))
    if namespace is not None:
        return namespace
    for other in more:
        namespace = _NAMESPACES.get(type(other))
        if namespace is not None:
            return namespace
    return np


def call(op: Op, *inputs: Any, **params: Any) -> Any:
    """Run a registered op on arrays (its forward) or Tensors (recorded)."""
    xp = array_namespace(*inputs)
    if xp is np:
        return op.forward(*inputs, **params)
    return xp.apply(op, *inputs, **params)


def value(x: Any) -> Any:
    """The NumPy array behind ``x``: for masks and shapes, which are not differentiated."""
    return x if type(x) is np.ndarray else getattr(x, "data", x)


def get(name: str) -> Op:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown op {name!r}; known ops: {', '.join(names())}") from None


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` down to ``shape``: the adjoint of NumPy broadcasting.

    Broadcasting copies a value along new leading axes and along axes of
    size 1; the gradient of a copy is the sum of the copies' gradients.
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    if 1 in shape:
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
    if g.shape != shape:
        raise RuntimeError(f"a VJP returned a gradient that does not reduce to shape {shape}")
    return g


# ---------------------------------------------------------------- helpers


def _norm_axes(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else a for a in axis)


def _expand(g: Array, x: Array, axis, keepdims: bool) -> Array:
    """Put back the reduced axes of ``g`` so it broadcasts against ``x``."""
    if keepdims or axis is None:  # a reduction to a single value broadcasts as it is
        return g
    axes = _norm_axes(axis, x.ndim)
    return g.reshape([1 if i in axes else n for i, n in enumerate(x.shape)])


def _count(x: Array, axis) -> int:
    return math.prod(x.shape[a] for a in _norm_axes(axis, x.ndim))


# ------------------------------------------------------ elementwise binary


def _explain_broadcast(op: str, a: Array, b: Array, **_: Any) -> str:
    return (
        f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together; "
        "trailing axes must be equal or 1"
    )


@defop(
    "add",
    lambda g, y, a, b: g,  # d(a+b)/da = 1
    lambda g, y, a, b: g,  # d(a+b)/db = 1
    explain=lambda a, b, **kw: _explain_broadcast("add", a, b),
    rules=("d(a+b)/da = 1", "d(a+b)/db = 1"),
)
def add(a, b):
    """a + b"""
    return a + b


@defop(
    "sub",
    lambda g, y, a, b: g,  # d(a-b)/da = 1
    lambda g, y, a, b: -g,  # d(a-b)/db = -1
    explain=lambda a, b, **kw: _explain_broadcast("sub", a, b),
    rules=("d(a-b)/da = 1", "d(a-b)/db = -1"),
)
def sub(a, b):
    """a - b"""
    return a - b


@defop(
    "mul",
    lambda g, y, a, b: g * b,  # d(ab)/da = b
    lambda g, y, a, b: g * a,  # d(ab)/db = a
    explain=lambda a, b, **kw: _explain_broadcast("mul", a, b),
    rules=("d(a*b)/da = b", "d(a*b)/db = a"),
)
def mul(a, b):
    """a * b"""
    return a * b


@defop(
    "div",
    lambda g, y, a, b: g / b,  # d(a/b)/da = 1/b
    lambda g, y, a, b: -g * y / b,  # d(a/b)/db = -a/b^2 = -y/b
    explain=lambda a, b, **kw: _explain_broadcast("div", a, b),
    rules=("d(a/b)/da = 1/b", "d(a/b)/db = -a/b^2 = -y/b"),
)
def div(a, b):
    """a / b"""
    return a / b


def _pow_grad_exponent(g, y, a, b):
    # d(a^b)/db = a^b ln a, defined for a > 0; 0 elsewhere (as at a = 0, b > 0).
    xp = array_namespace(a)
    return g * y * xp.log(xp.where(a > 0, a, 1))


def _pow_grad_base(g, y, a, b):
    # d(a^b)/da = b a^(b-1); for b = 0 that is 0 everywhere (a^0 = 1), also at
    # a = 0, where b a^(b-1) would be 0 * inf = NaN: there the exponent becomes 1.
    xp = array_namespace(a, b)
    zero = value(b) == 0
    return g * xp.where(zero, 0, b * a ** xp.where(zero, 1, b - 1))


@defop(
    "pow",
    _pow_grad_base,
    _pow_grad_exponent,
    explain=lambda a, b, **kw: _explain_broadcast("pow", a, b),
    rules=("d(a^b)/da = b a^(b-1)", "d(a^b)/db = a^b ln a (0 where a <= 0)"),
)
def pow(a, b):  # noqa: A001 - the op's name
    """a ** b"""
    return a**b


def _winner_grad(g, wins, ties):
    # The input that wins gets the gradient; at a tie each input gets half of it.
    return array_namespace(g).where(ties, g * 0.5, g * wins)


@defop(
    "maximum",
    lambda g, y, a, b: _winner_grad(g, a > b, a == b),
    lambda g, y, a, b: _winner_grad(g, b > a, a == b),
    explain=lambda a, b, **kw: _explain_broadcast("maximum", a, b),
    rules=(
        "d max(a, b)/da = 1 where a > b, 1/2 at a tie, 0 elsewhere",
        "d max(a, b)/db = 1 where b > a, 1/2 at a tie, 0 elsewhere",
    ),
)
def maximum(a, b):
    """elementwise max(a, b)"""
    return np.maximum(a, b)


@defop(
    "minimum",
    lambda g, y, a, b: _winner_grad(g, a < b, a == b),
    lambda g, y, a, b: _winner_grad(g, b < a, a == b),
    explain=lambda a, b, **kw: _explain_broadcast("minimum", a, b),
    rules=(
        "d min(a, b)/da = 1 where a < b, 1/2 at a tie, 0 elsewhere",
        "d min(a, b)/db = 1 where b < a, 1/2 at a tie, 0 elsewhere",
    ),
)
def minimum(a, b):
    """elementwise min(a, b)"""
    return np.minimum(a, b)


@defop(
    "where",
    lambda g, y, a, b, cond: g * cond,  # picks a where cond holds
    lambda g, y, a, b, cond: g * ~cond,
    explain=lambda a, b, cond, **kw: (
        f"where: condition {np.shape(cond)} and values {a.shape}, {b.shape} "
        "cannot be broadcast together"
    ),
    rules=(
        "d where(c, a, b)/da = 1 where c, 0 elsewhere",
        "d where(c, a, b)/db = 0 where c, 1 elsewhere",
    ),
)
def where(a, b, cond):
    """cond ? a : b (cond is a boolean array, not differentiated)"""
    return np.where(cond, a, b)


def _matmul_explain(a, b, transpose_b=False, **_):
    if a.ndim == 0 or b.ndim == 0:
        return f"matmul: shapes {a.shape} and {b.shape}: operands must have at least 1 dimension"
    if transpose_b:  # a @ b.T, a dense layer's x W^T
        if b.ndim != 2 or a.shape[-1] != b.shape[-1]:
            return (
                f"matmul: shapes {a.shape} and {b.shape} are not aligned for a @ b.T: "
                f"the last axes of both must be equal ({a.shape[-1]} vs {b.shape[-1]})"
            )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        return (
            f"matmul: shapes {a.shape} and {b.shape} are not aligned: the last axis "
            f"of the first ({k_a}) must equal the "
            f"{'first' if b.ndim == 1 else 'second-to-last'} axis of the second ({k_b})"
        )
    return f"matmul: the batch axes of {a.shape} and {b.shape} cannot be broadcast together"


def _matmul_grad_a(g, y, a, b, transpose_b=False):
    # d(AB)/dA applied to G is G B^T. A 1-D operand acts as a row (a) or a column
    # (b) and its axis is dropped from the result; the engine sums batch axes away.
    if transpose_b:
        return g @ b  # d(A B^T)/dA applied to G is G B
    if b.ndim == 1:
        return g[..., None] * b
    if a.ndim == 1:
        return (b @ g[..., None])[..., 0]
    if b.ndim == 2:  # a view, where swapaxes is a function call
        return g @ b.T
    return g @ array_namespace(b).swapaxes(b, -1, -2)


def _matmul_grad_b(g, y, a, b, transpose_b=False):
    # d(AB)/dB applied to G is A^T G.
    if transpose_b:
        # d(A B^T)/dB applied to G is G^T A, summed over the batch axes: computed in
        # B's own layout, so that a weight gets its gradient without a transposed copy.
        if a.ndim != 2:
            g, a = g.reshape(-1, g.shape[-1]), a.reshape(-1, a.shape[-1])
        return g.T @ a
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return a[:, None] * g[..., None, :]
    if b.ndim == 1:
        return (array_namespace(a).swapaxes(a, -1, -2) @ g[..., None])[..., 0]
    if a.ndim == 2:
        return a.T @ g
    return array_namespace(a).swapaxes(a, -1, -2) @ g


@defop(
    "matmul",
    _matmul_grad_a,
    _matmul_grad_b,
    explain=_matmul_explain,
    rules=("d(A @ B)/dA sends G to G @ B^T", "d(A @ B)/dB sends G to A^T @ G"),
)
def matmul(a, b, transpose_b=False):
    """a @ b; with transpose_b, a @ b.T for a 2-D b (a dense layer's x W^T)"""
    if transpose_b:
        if b.ndim != 2:
            raise ValueError("transpose_b needs a 2-D b")
        return a @ b.T
    return a @ b


# ------------------------------------------------------- elementwise unary


@defop("neg", lambda g, y, x: -g, rules=("d(-x)/dx = -1",))
def neg(x):
    """-x"""
    return -x


@defop("exp", lambda g, y, x: g * y, rules=("d e^x/dx = e^x = y",))  # d/dx e^x = e^x
def exp(x):
    """e^x"""
    return np.exp(x)


@defop("log", lambda g, y, x: g / x, rules=("d ln(x)/dx = 1/x",))  # d/dx ln x = 1/x
def log(x):
    """natural logarithm"""
    return np.log(x)


@defop(
    "sqrt", lambda g, y, x: g / (2 * y), rules=("d sqrt(x)/dx = 1 / (2 sqrt(x)) = 1 / (2y)",)
)  # d/dx sqrt(x) = 1 / (2 sqrt(x))
def sqrt(x):
    """square root"""
    return np.sqrt(x)


def _hyperbolic_grad(g, y, x, derivative):
    # Where cosh or sinh overflowed (|x| > 710) and g is 0 (every use of it is a
    # 1/cosh, which is 0 there), the gradient is 0, the limit, not 0 * inf = NaN;
    # x is replaced by 0 there, so that no higher derivative meets inf either.
    xp = array_namespace(g, x)
    unused = (g == 0) & ((y == np.inf) | (y == -np.inf))
    with np.errstate(over="ignore"):
        return g * getattr(xp, derivative)(xp.where(unused, 0, x))


@defop(
    "cosh",
    lambda g, y, x: _hyperbolic_grad(g, y, x, "sinh"),
    rules=("d cosh(x)/dx = sinh(x)",),
)
def cosh(x):
    """hyperbolic cosine (inf beyond |x| = 710, where 1 / cosh is 0)"""
    with np.errstate(over="ignore"):
        return np.cosh(x)


@defop(
    "sinh",
    lambda g, y, x: _hyperbolic_grad(g, y, x, "cosh"),
    rules=("d sinh(x)/dx = cosh(x)",),
)
def sinh(x):
    """hyperbolic sine"""
    with np.errstate(over="ignore"):
        return np.sinh(x)


# abs'(x) = sign(x); at the kink abs'(0) = 0, as np.sign(0) = 0.
@defop("abs", lambda g, y, x: g * np.sign(value(x)), rules=("d|x|/dx = sign(x), 0 at x = 0",))
def abs(x):  # noqa: A001 - the op's name
    """|x|"""
    return np.abs(x)


# clip passes the gradient inside [lo, hi] *and at the bounds* (the subgradient
# 1 at a bound, as PyTorch's clamp), and 0 strictly outside.
@defop(
    "clip",
    lambda g, y, x, lo, hi: g * ((x >= lo) & (x <= hi)),
    rules=("d clip(x, lo, hi)/dx = 1 for lo <= x <= hi, 0 outside",),
)
def clip(x, lo, hi):
    """min(max(x, lo), hi)"""
    return np.clip(x, lo, hi)


def _astype_grad(g, y, x, dtype):
    return array_namespace(g).astype(g, x.dtype, copy=False)


@defop("astype", _astype_grad, rules=("d astype(x)/dx = 1 (the gradient takes x's dtype)",))
def astype(x, dtype):
    """x converted to dtype (the gradient is converted back)"""
    return x.astype(dtype)


# Each copy of x gets the gradient of its place; the engine sums them back
# (unbroadcast), as for every broadcasting op. sum and mean differentiate to it.
@defop(
    "broadcast_to",
    lambda g, y, x, shape: g,
    rules=("d broadcast_to(x)/dx = 1 for each copy (the copies' gradients add up)",),
)
def broadcast_to(x, shape):
    """x repeated to shape, as NumPy broadcasting does"""
    return np.broadcast_to(x, shape)


# --------------------------------------------------------------- reductions


# d/dx_i sum_j x_j = 1: every summed element receives the upstream gradient.
@defop(
    "sum",
    lambda g, y, x, axis, keepdims: array_namespace(g).broadcast_to(
        _expand(g, x, axis, keepdims), x.shape
    ),
    rules=("d sum(x)/dx_i = 1",),
)
def sum(x, axis, keepdims):  # noqa: A001 - the op's name
    """sum over axis"""
    return x.sum(axis=axis, keepdims=keepdims)


# d/dx_i (1/n) sum_j x_j = 1/n
@defop(
    "mean",
    # (a mean over nothing has a zero-size gradient: divide by at least 1, no warning)
    lambda g, y, x, axis, keepdims: array_namespace(g).full(
        x.shape, _expand(g, x, axis, keepdims) / builtins.max(_count(x, axis), 1)
    ),
    rules=("d mean(x)/dx_i = 1/n",),
)
def mean(x, axis, keepdims):
    """mean over axis"""
    if x.dtype.itemsize < 4:  # float16: np.mean sums in float32
        return x.mean(axis=axis, keepdims=keepdims)
    # The sum over the count, as np.mean computes it, without its Python wrapper
    # (a mean is often the loss: every training step takes one).
    n = _count(x, axis)
    if n == 0:  # the mean over nothing is NaN, without NumPy's warning
        return np.full(x.sum(axis=axis, keepdims=keepdims).shape, np.nan, x.dtype)
    with np.errstate(over="ignore"):
        out = x.sum(axis=axis, keepdims=keepdims) / n
        # The sum overflowed (or x holds a NaN or inf): x / n summed is finite if the
        # mean is. (math.isfinite, for the usual one-number mean, costs nearly nothing.)
        if not (math.isfinite(out) if out.ndim == 0 else np.isfinite(out).all()):
            out = (x / n).sum(axis=axis, keepdims=keepdims)
    return out


def _var_grad(g, y, x, axis, keepdims):
    # d/dx_i (1/n) sum (x_j - m)^2 = 2 (x_i - m) / n  (the terms through m sum to 0)
    if x.size == 0:  # nothing was summed: a zero-size gradient
        return np.zeros_like(x)
    centred = x - x.mean(axis=axis, keepdims=True)
    return _expand(g, x, axis, keepdims) * centred * (2 / _count(x, axis))


@defop("var", _var_grad, rules=("d var(x)/dx_i = 2 (x_i - mean(x)) / n",))
def var(x, axis, keepdims):
    """population variance over axis"""
    if _count(x, axis) == 0:  # the variance over nothing is NaN, without NumPy's warning
        return np.full(x.sum(axis=axis, keepdims=keepdims).shape, np.nan, x.dtype)
    return x.var(axis=axis, keepdims=keepdims)


def _extreme_grad(g, y, x, axis, keepdims):
    # The gradient of a max (min) goes to the maxima; tied maxima share it evenly.
    # Which elements won is a constant mask: a max is piecewise linear. A NaN
    # maximum is the NaN itself (NaN propagates): the gradient goes to it, as in PyTorch.
    xv, best = value(x), _expand(value(y), x, axis, keepdims)
    ties = (xv == best) | (np.isnan(xv) & np.isnan(best))
    share = ties / ties.sum(axis=axis, keepdims=True, dtype=g.dtype)
    return _expand(g, x, axis, keepdims) * share


@defop(
    "max",
    _extreme_grad,
    rules=("d max(x)/dx_i = 1 at the maximum (ties share it evenly), 0 elsewhere",),
)
def max(x, axis, keepdims):  # noqa: A001 - the op's name
    """max over axis"""
    return x.max(axis=axis, keepdims=keepdims)


@defop(
    "min",
    _extreme_grad,
    rules=("d min(x)/dx_i = 1 at the minimum (ties share it evenly), 0 elsewhere",),
)
def min(x, axis, keepdims):  # noqa: A001 - the op's name
    """min over axis"""
    return x.min(axis=axis, keepdims=keepdims)


def _finite_max(x, axis):
    # The max along axis (kept), or 0 where it is infinite: subtracting it from x
    # leaves no e^x to overflow, and never makes inf - inf.
    m = x.max(axis=axis, keepdims=True)
    if np.isfinite(m).all():  # the usual case, checked for half the cost of np.where
        return m
    return np.where(np.isfinite(m), m, 0)


def _minus(x, m):
    # x - m for x <= m. It rounds to -inf only when the true difference is below
    # -1.8e308 (x and m at opposite ends of the float range), and e^-inf = 0 is
    # then exact: no warning for it.
    with np.errstate(over="ignore"):
        return x - m


def _stable_logsumexp(x, axis):
    # log sum e^x = m + log sum e^(x - m) with m = max x: no overflow for any finite x.
    m = _finite_max(x, axis)
    return m + np.log(np.exp(_minus(x, m)).sum(axis=axis, keepdims=True))


@defop(
    "logsumexp",
    # d/dx_i log sum_j e^x_j = e^(x_i - lse) = softmax(x)_i, computed from x itself:
    # the output y may be rounded (1e16 + log 2 is 1e16), e^(x - y) would not sum to 1.
    lambda g, y, x, axis, keepdims: _expand(g, x, axis, keepdims) * call(softmax, x, axis=axis),
    rules=("d logsumexp(x)/dx_i = e^(x_i - y) = softmax(x)_i",),
)
def logsumexp(x, axis, keepdims):
    """log(sum(exp(x))) over axis, computed stably"""
    out = _stable_logsumexp(x, axis)
    return out if keepdims else np.squeeze(out, axis=axis)


# softmax VJP: J = diag(s) - s s^T, so J^T g = s * (g - sum(g * s)).
@defop(
    "softmax",
    lambda g, y, x, axis: y * (g - (g * y).sum(axis=axis, keepdims=True)),
    rules=("d softmax(x)_i/dx_j = y_i (delta_ij - y_j)",),
)
def softmax(x, axis):
    """e^x / sum(e^x) over axis"""
    e = np.exp(_minus(x, _finite_max(x, axis)))
    return e / e.sum(axis=axis, keepdims=True)


# log_softmax VJP: d/dx_j (x_i - lse) = delta_ij - softmax_j, so g - softmax * sum(g).
@defop(
    "log_softmax",
    lambda g, y, x, axis: g - array_namespace(y).exp(y) * g.sum(axis=axis, keepdims=True),
    rules=("d log_softmax(x)_i/dx_j = delta_ij - softmax(x)_j",),
)
def log_softmax(x, axis):
    """x - logsumexp(x) over axis"""
    shifted = _minus(x, _finite_max(x, axis))  # x - m - log sum e^(x - m), as in logsumexp
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def _softmax_cross_entropy_grad(g, y, x, labels):
    # d/dx mean_n(-log softmax(x_n)[label_n]) = (softmax(x) - one_hot(labels)) / N
    p = call(softmax, x, axis=-1)
    rows = np.arange(len(labels))
    if type(p) is np.ndarray:  # the first-order pass: p is a new array, fix it in place
        p[rows, labels] -= 1
        p *= g / len(labels)
        return p
    one_hot = np.zeros(p.shape, p.dtype)  # on Tensors: the same, recorded
    one_hot[rows, labels] = 1
    return (p - one_hot) * (g / len(labels))


# Cross-entropy of softmax(x) against class labels, fused into one node: one
# forward (log_softmax, the labels' entries, their mean) and one VJP, where the
# composition log_softmax, getitem, mean, neg would take four of each.
@defop(
    "softmax_cross_entropy",
    _softmax_cross_entropy_grad,
    rules=("d mean(-log softmax(x)[labels])/dx = (softmax(x) - one_hot(labels)) / N",),
)
def softmax_cross_entropy(x, labels):
    """mean over the rows of -log softmax(x)[label] (labels: checked integer indices)"""
    log_probs = log_softmax.forward(x, -1)
    return log_probs[np.arange(len(labels)), labels].sum() / -len(labels)


# ------------------------------------------------------------------- shapes


@defop(
    "reshape",
    lambda g, y, x, shape: g.reshape(x.shape),
    rules=("d reshape(x)/dx = 1 (the gradient is reshaped back)",),
)
def reshape(x, shape):
    """x with a new shape"""
    return x.reshape(shape)


@defop(
    "transpose",
    lambda g, y, x, axes: g.transpose(np.argsort(axes)),
    rules=("d transpose(x)/dx = 1 (the gradient's axes are permuted back)",),
)
def transpose(x, axes):
    """axes permuted"""
    return x.transpose(axes)


def _is_basic_index(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


@defop(
    "getitem",
    lambda g, y, x, index: call(scatter_add, g, shape=x.shape, index=index),
    rules=("d x[index]/dx = 1 at each picked element (picked twice: added), 0 elsewhere",),
)
def getitem(x, index):
    """x[index], NumPy indexing"""
    return x[index]


# getitem's VJP, an op of its own so that it can be differentiated again: it is
# linear in g, and its adjoint is getitem itself.
@defop(
    "scatter_add",
    lambda g, y, x, shape, index: g[index],
    rules=("d scatter_add(x, index)/dx = 1 at each element's place (picked twice: both)",),
)
def scatter_add(x, shape, index):
    """zeros of shape with x added at index: the adjoint of x[index]"""
    out = np.zeros(shape, x.dtype)
    if _is_basic_index(index):
        out[index] = x  # each element is picked at most once
    else:
        np.add.at(out, index, x)  # repeated indices accumulate their gradients
    return out


def _concat_grad(g, y, *xs, axis, i):
    start = builtins.sum(x.shape[axis] for x in xs[:i])
    index = [slice(None)] * g.ndim
    index[axis] = slice(start, start + xs[i].shape[axis])
    return g[tuple(index)]


@defop(
    "concatenate",
    _concat_grad,
    arity=None,
    rules=("d concatenate(x_1, ..., x_n)/dx_k = 1 on x_k's slice of the output",),
)
def concatenate(*xs, axis):
    """inputs joined along an existing axis"""
    return np.concatenate(xs, axis=axis)


@defop(
    "stack",
    lambda g, y, *xs, axis, i: g[(slice(None),) * (axis % g.ndim) + (i,)],
    arity=None,
    rules=("d stack(x_1, ..., x_n)/dx_k = 1 on x_k's slice of the output",),
)
def stack(*xs, axis):
    """inputs joined along a new axis"""
    return np.stack(xs, axis=axis)
