"""The activation registry: each activation's forward and local derivative.

An elementwise activation is declared once, as ``forward(x, **params) -> y``
and ``derivative(x, y, **params) -> f'(x)`` on NumPy arrays. Registering it
also registers an op whose VJP is ``g * f'(x)``, so the engine, the renderer
and the diagnostics all read the same derivative: it is the single source of
truth for where a unit saturates (f' near 0) or is dead (f' exactly 0).

Derivatives are written against ``xp = array_namespace(x)`` (see ``ops.py``):
on arrays they are plain NumPy, on Tensors (``mg.grad(..., create_graph=True)``)
every call is recorded, which gives second and higher derivatives. A masked
derivative (ReLU's ``x > 0``) is a constant, so ``relu''`` is 0 everywhere.

``prelu`` (a learnable slope, two inputs) and ``maxout`` (a max over groups)
are not elementwise: their records carry their own VJPs and no derivative.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import autograd, ops
from .ops import Op, array_namespace, call
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
    # The largest |f'| with the default parameters: "saturated" is measured against it.
    peak: float = 1.0
    # peak_of(*inputs, **params): the largest |f'| with a call's own parameters
    # (a leaky ReLU's slope, a PReLU's slope tensor), for activations whose peak moves.
    peak_of: Callable[..., float] | None = None
    peak_given: bool = False  # a user gave peak=: it holds whatever the parameters
    # The local derivative as text (``d tanh(x)/dx = 1 - y^2``), for the backprop explainer.
    rule: str = ""

    def __call__(self, *inputs: Any, **params: Any) -> Tensor:
        return apply(self.op, *map(as_tensor, inputs), **params)

    def call_peak(self, inputs: list[Array], params: dict) -> float:
        """The largest |f'| of this activation with one call's inputs and parameters."""
        if self.peak_of is not None:
            return self.peak_of(*inputs, **params)
        if params and not (self.builtin or self.peak_given):  # find it with these parameters
            return find_peak(self.forward, self.derivative, params)
        return self.peak

    def __reduce__(self) -> tuple:
        # By name, not by value: the record's op holds closures, which cannot be
        # pickled, and a built-in must stay the one object of the registry. A
        # user's record carries its functions, to be registered where it is read.
        if self.builtin:
            return (get, (self.name,))
        return (_restore, (self.name, self.forward, self.derivative, self.peak, self.rule))

    def __repr__(self) -> str:
        kind = "built-in" if self.builtin else "user"
        return f"<activation {self.name!r} ({kind})>"


_REGISTRY: dict[str, ActivationRecord] = {}
PEAK_RANGE = (-20.0, 20.0)  # where the peak of an activation without a known one is searched


def find_peak(
    forward: Callable[..., Array], derivative: Callable[..., Array], params: dict | None = None
) -> float:
    """The largest finite |f'(x)| on ``PEAK_RANGE``: a grid, then two finer grids
    around its best point (a smooth peak is found to about 1e-7 in x)."""
    params = params or {}
    lo, hi = PEAK_RANGE
    best, step = 0.0, (hi - lo) / 8000
    centre = None
    for _ in range(3):
        if centre is None:
            x = np.linspace(lo, hi, 8001)
        else:
            x = np.linspace(max(lo, centre - step), min(hi, centre + step), 201)
        with np.errstate(all="ignore"):
            d = np.abs(np.asarray(derivative(x, forward(x, **params), **params), dtype=float))
        d = np.where(np.isfinite(d), d, -np.inf) * np.ones_like(x)
        k = int(np.argmax(d))
        if d[k] > best:
            best, centre = float(d[k]), x[k]
        elif centre is None:
            break  # f' is 0 (or not finite) everywhere on the grid
        step /= 100
    return best


def _with_peak(name: str, peak: float, **fields: Any) -> ActivationRecord:
    _REGISTRY[name] = record = replace(_REGISTRY[name], peak=peak, **fields)
    return record


def names() -> list[str]:
    """Every registered activation, built-in and user-added."""
    return sorted(_REGISTRY)


def get(name: str) -> ActivationRecord:
    """The record of a registered activation; ``KeyError`` lists the known ones."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        hint = ""
        if isinstance(name, str):
            close = [n for n in names() if n.lower() == name.lower()]
            close = close or difflib.get_close_matches(name.lower(), names(), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise KeyError(
            f"unknown activation {name!r}{hint}; registered activations: {', '.join(names())}"
        ) from None


def _restore(
    name: str, forward: Callable, derivative: Callable, peak: float, rule: str
) -> ActivationRecord:
    """The registered record of a user's activation read from a pickle."""
    record = _REGISTRY.get(name)
    # The registry is the source of truth for a name within a process.
    if record is not None:
        return record
    return register(name, forward, derivative, peak=peak, rule=rule)


def _elementwise_vjp(name: str, derivative: Callable[..., Array]) -> Callable[..., Array]:
    def vjp(g: Array, y: Array, x: Array, **params: Any) -> Array:
        if type(x) is np.ndarray:  # the first-order pass
            return g * derivative(x, y, **params)  # chain rule: dL/dx = dL/dy * f'(x)
        return g * _recorded_derivative(name, derivative, x, y, params)

    return vjp


def _recorded_derivative(name: str, derivative: Callable, x: Any, y: Any, params: dict) -> Any:
    """f'(x) on Tensors, recorded (create_graph): a derivative written with NumPy
    calls instead of ``xp`` cannot be, and the error says which one it is."""
    previous = autograd.mode.recording_derivative
    autograd.mode.recording_derivative = True
    try:
        return derivative(x, y, **params)
    except TypeError as error:
        raise RuntimeError(
            f"create_graph=True: the derivative of activation {name!r} cannot be "
            f"differentiated, as it calls NumPy on Tensors ({error}). Write it with "
            "xp = mg.array_namespace(x) and xp.exp, xp.where, ... instead of np.exp, "
            "np.where, ... (operators work as they are); first-order gradients work as it is"
        ) from error
    finally:
        autograd.mode.recording_derivative = previous


def _add(
    name: str,
    forward: Callable[..., Array],
    derivative: Callable[..., Array] | None,
    builtin: bool,
    vjps: tuple | None = None,
    rules: tuple[str, ...] = (),
) -> ActivationRecord:
    if name in _REGISTRY or name in ops.REGISTRY:
        raise ValueError(f"register: an activation or op named {name!r} already exists")
    op = ops.register_op(name, forward, vjps or (_elementwise_vjp(name, derivative),), rules=rules)
    record = ActivationRecord(name, forward, derivative, op, builtin, op.doc, rule="; ".join(rules))
    _REGISTRY[name] = record
    return record


def register(
    name: str,
    forward: Callable[..., Array] | None = None,
    derivative: Callable[..., Array] | None = None,
    *,
    peak: float | None = None,
    rule: str | None = None,
    replace: bool = False,
) -> Any:
    """Add an elementwise activation: ``register(name, forward, derivative)``.

    As a decorator on the forward: ``@register(name, derivative=...)``.
    ``derivative(x, y, **params)`` returns f'(x) elementwise; it may use the
    input ``x`` or the output ``y``, whichever is cheaper. ``peak`` is the
    largest |f'| (what "saturated" is measured against); when not given it is
    found numerically on [-20, 20], and again with a call's own parameters.
    ``rule`` is the derivative as text (``"d softsign(x)/dx = 1 / (1 + |x|)^2"``);
    without it, the rule names the derivative function.

    Registering an existing name raises ``ValueError`` unless ``replace=True``
    (a re-run notebook cell redefines a user's activation); built-ins cannot be
    replaced. Everything is checked before the registry changes.
    """
    _check_registration(name, derivative, replace, peak, rule)
    if forward is None:

        def decorate(fn: Callable[..., Array]) -> Callable[..., Array]:
            _replace_or_add(name, fn, derivative, replace, peak, rule)
            return fn

        return decorate
    return _replace_or_add(name, forward, derivative, replace, peak, rule)


def _check_registration(
    name: Any, derivative: Any, replace: bool, peak: Any = None, rule: Any = None
) -> None:
    if not isinstance(name, str) or not name:
        raise TypeError(f"register: name must be a non-empty string, got {name!r}")
    if derivative is None:
        raise TypeError(f"register({name!r}): a derivative(x, y) function is required")
    if not callable(derivative):
        raise TypeError(
            f"register({name!r}): derivative must be callable, got {type(derivative).__name__}"
        )
    if not isinstance(replace, bool):
        raise TypeError(f"register({name!r}): replace must be True or False, got {replace!r}")
    if peak is not None:
        if isinstance(peak, bool) or not isinstance(peak, (int, float, np.integer, np.floating)):
            raise TypeError(f"register({name!r}): peak must be a number, got {peak!r}")
        if not (math.isfinite(peak) and peak > 0):
            raise ValueError(f"register({name!r}): peak must be positive and finite, got {peak}")
    if rule is not None and (not isinstance(rule, str) or not rule.strip()):
        raise TypeError(f"register({name!r}): rule must be a non-empty string, got {rule!r}")
    record = _REGISTRY.get(name)
    if record is not None and record.builtin:
        raise ValueError(f"register: {name!r} is a built-in activation and cannot be replaced")
    if record is not None and not replace:
        raise ValueError(
            f"register: an activation named {name!r} already exists; pass replace=True "
            "to redefine it"
        )
    if record is None and name in ops.REGISTRY:
        raise ValueError(f"register: an op named {name!r} already exists")


def _replace_or_add(
    name: str,
    forward: Any,
    derivative: Callable[..., Array],
    replace: bool,
    peak: float | None,
    rule: str | None,
) -> ActivationRecord:
    # Check everything (again, for the decorator's later call), then change.
    _check_registration(name, derivative, replace, peak, rule)
    if not callable(forward):
        raise TypeError(
            f"register({name!r}): forward must be callable, got {type(forward).__name__}"
        )
    found = float(peak) if peak is not None else _search_peak(name, forward, derivative)
    rule = rule if rule is not None else _default_rule(name, derivative)
    if name in _REGISTRY:
        del _REGISTRY[name]
        ops.unregister_op(name)
    _add(name, forward, derivative, builtin=False, rules=(rule,))
    return _with_peak(name, found, peak_given=peak is not None)


def _search_peak(name: str, forward: Callable[..., Array], derivative: Callable[..., Array]):
    try:
        return find_peak(forward, derivative)
    except Exception as error:
        raise ValueError(
            f"register({name!r}): could not find the largest |f'| on {PEAK_RANGE} "
            f"({type(error).__name__}: {error}); give it as peak="
        ) from error


def _default_rule(name: str, derivative: Callable[..., Array]) -> str:
    """``d name(x)/dx = <derivative's name>(x, y)``: what can be said without a rule."""
    label = getattr(derivative, "__qualname__", None) or type(derivative).__name__
    if "<lambda>" in label:
        label = "derivative"  # an anonymous function: say what it is, not "<lambda>"
    return f"d {name}(x)/dx = {label}(x, y)"


def unregister(name: str) -> None:
    """Remove a user's activation (built-ins cannot be removed)."""
    record = get(name)
    if record.builtin:
        raise ValueError(f"unregister: {name!r} is a built-in activation and cannot be removed")
    del _REGISTRY[name]
    ops.unregister_op(name)


def builtin(name: str, derivative: Callable[..., Array], rule: str) -> Callable:
    def wrap(forward: Callable[..., Array]) -> Callable[..., Array]:
        _add(name, forward, derivative, builtin=True, rules=(rule,))
        return forward

    return wrap


# ------------------------------------------------------------ the built-ins


def _sigmoid(x: Array) -> Array:
    # 1 / (1 + e^-x) is accurate for every x. e^-x overflows to inf (x < -88 in
    # float32) only where the sigmoid is 0 anyway, and 1 / inf = 0: no warning.
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    e += 1
    return 1 / e


def _sigmoid_derivative(x: Array, y: Array) -> Array:
    # d/dx sigmoid = s (1 - s) = 1 / (4 cosh^2(x / 2)): at most 1/4 (at 0), tiny but
    # not 0 in the tails. Computing s (1 - s) from y would round 1 - y to exactly 0
    # once y rounds to 1 (x > 37 in float64, > 17 in float32) and call a merely
    # saturated unit dead. cosh overflows (|x| > 178 in float32) only where the
    # derivative is 0 anyway: 0.5 / inf = 0, so the warning is silenced.
    with np.errstate(over="ignore"):
        s = 0.5 / array_namespace(x).cosh(x * 0.5)
    return s * s


def _tanh_derivative(x: Array, y: Array) -> Array:
    # d/dx tanh = 1 - tanh^2 = 1 / cosh^2 x: at most 1 (at 0); from x rather than
    # y for the same reasons as the sigmoid's.
    with np.errstate(over="ignore"):
        s = 1 / array_namespace(x).cosh(x)
    return s * s


builtin("sigmoid", _sigmoid_derivative, "d sigmoid(x)/dx = y (1 - y)")(_sigmoid)
builtin("tanh", _tanh_derivative, "d tanh(x)/dx = 1 - y^2")(np.tanh)


# relu'(x) = 1 for x > 0 and 0 for x <= 0: at the kink relu'(0) = 0, as in PyTorch.
# A float mask, not a boolean one: NumPy has no float-times-bool loop, and g * mask
# casts the mask in buffered chunks, slower than the one astype pass (1.3x on 1M).
@builtin("relu", lambda x, y: (x > 0).astype(x.dtype), "d relu(x)/dx = 1 for x > 0, 0 for x <= 0")
def _relu(x: Array) -> Array:
    return np.maximum(x, 0)


def _leaky_relu_derivative(x: Array, y: Array, slope: float = 0.01) -> Array:
    # leaky_relu'(x) = 1 for x >= 0, slope otherwise: at the kink leaky_relu'(0) = 1,
    # the x >= 0 branch of the definition.
    d = (x < 0).astype(x.dtype)
    d *= slope - 1
    d += 1
    return d


@builtin("leaky_relu", _leaky_relu_derivative, "d leaky_relu(x)/dx = 1 for x >= 0, slope otherwise")
def _leaky_relu(x: Array, slope: float = 0.01) -> Array:
    # x for x >= 0, slope * x otherwise: the larger of the two when slope <= 1,
    # the smaller when slope > 1 (one pass each, where np.where branches per element).
    pick = np.maximum if slope <= 1 else np.minimum
    return pick(x, x * slope)


def _elu_derivative(x: Array, y: Array, alpha: float = 1.0) -> Array:
    # elu'(x) = 1 for x > 0, alpha e^x otherwise. From x, not as y + alpha: that
    # rounds to 0 once e^x - 1 rounds to -1, and ELU units are never dead.
    xp = array_namespace(x)
    d = xp.exp(xp.minimum(x, 0))
    d *= alpha
    d *= x <= 0  # multiplying by masks selects without a branch per element
    d += x > 0
    return d


@builtin("elu", _elu_derivative, "d elu(x)/dx = 1 for x > 0, alpha e^x otherwise")
def _elu(x: Array, alpha: float = 1.0) -> Array:
    # max(x, 0) + alpha (e^min(x, 0) - 1): one of the two terms is 0. expm1 of
    # min(x, 0) never overflows for large positive x and is accurate near 0.
    y = np.expm1(np.minimum(x, 0))
    y *= alpha
    y += np.maximum(x, 0)
    return y


def _sigmoid_of(x: Any) -> Any:
    """sigmoid(x) on arrays or Tensors (the registered op: differentiable again)."""
    return call(ops.get("sigmoid"), x)


# softplus'(x) = sigmoid(x).
@builtin("softplus", lambda x, y: _sigmoid_of(x), "d softplus(x)/dx = sigmoid(x)")
def _softplus(x: Array) -> Array:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): e^-|x| <= 1 never overflows.
    y = np.log1p(np.exp(-np.abs(x)))
    y += np.maximum(x, 0)
    return y


_GELU_K = math.sqrt(2 / math.pi)
_GELU_C = 0.044715


def _gelu_gate(x: Array) -> tuple[Array, Array]:
    """The clipped x and s = sigmoid(2u), u = k (x + c x^3), so that gelu(x) = x s.

    0.5 (1 + tanh u) = sigmoid(2u): the sigmoid form keeps s (and the
    derivative) tiny but non-zero in the negative tail, where 1 + tanh u rounds
    to exactly 0 (x < -7) and would call a unit dead. Beyond |x| = 100, s is 0 or
    1 to every float's precision: clipping there changes nothing but keeps x^3
    finite in float32.
    """
    xc = array_namespace(x).clip(x, -100, 100)
    v = xc * xc
    v *= 2 * _GELU_K * _GELU_C
    v += 2 * _GELU_K
    v *= xc  # 2u = x (2k + 2kc x^2)
    return xc, _sigmoid_of(v)


def _gelu_derivative(x: Array, y: Array) -> Array:
    # d/dx x s(2u) = s + x s (1 - s) d(2u)/dx, with d(2u)/dx = 2k (1 + 3c x^2)
    xc, s = _gelu_gate(x)
    slope = xc * xc
    slope *= 3 * _GELU_C
    slope += 1
    slope *= 2 * _GELU_K
    d = 1 - s
    d *= s
    d *= slope
    d *= x
    d += s
    return d


# gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the tanh approximation.
@builtin(
    "gelu",
    _gelu_derivative,
    "d gelu(x)/dx = s + 2 x s (1 - s) u', s = sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3)",
)
def _gelu(x: Array) -> Array:
    y = _gelu_gate(x)[1]
    y *= x
    return y


def _silu_derivative(x: Array, y: Array) -> Array:
    s = _sigmoid_of(x)
    d = 1 - s
    d *= y
    d += s  # d/dx x s(x) = s + x s (1 - s) = s + y (1 - s)
    return d


@builtin("silu", _silu_derivative, "d silu(x)/dx = s + y (1 - s), s = sigmoid(x)")
def _silu(x: Array) -> Array:
    y = _sigmoid(x)
    y *= x
    return y


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
    # x for x >= 0, a x otherwise: max(x, 0) + a min(x, 0), one of the two terms
    # being 0 (one pass each, where np.where branches per element).
    y = np.minimum(x, 0) * _channel_slope(a, x)
    y += np.maximum(x, 0)
    return y


def _prelu_grad_x(g: Array, y: Array, x: Array, a: Array) -> Array:
    # d/dx = 1 for x >= 0, a otherwise; multiplying by masks selects without a branch
    nonnegative = x >= 0
    gx = g * _channel_slope(a, x)
    gx *= ~nonnegative
    gx += g * nonnegative
    return gx


def _prelu_grad_a(g: Array, y: Array, x: Array, a: Array) -> Array:
    # d/da = x for x < 0, 0 otherwise; summed over what the slope was shared across
    per_element = g * array_namespace(x).minimum(x, 0)
    slope = _channel_slope(a, x)
    if slope.ndim == 0:
        return per_element.sum().reshape(a.shape)
    if slope is not a:  # one slope per channel on axis 1
        axes = (0,) + tuple(range(2, x.ndim))
        return per_element.sum(axis=axes)
    return per_element  # broadcasting slope: the engine sums it back


_add(
    "prelu",
    _prelu_forward,
    None,
    builtin=True,
    vjps=(_prelu_grad_x, _prelu_grad_a),
    rules=("d prelu(x, a)/dx = 1 for x >= 0, a otherwise", "d prelu(x, a)/da = min(x, 0)"),
)


# ---------------------------------------------------------------- maxout


def _groups(z: Array, pieces: int) -> Array:
    if pieces < 1 or z.ndim == 0 or z.shape[-1] % pieces:
        raise ValueError(
            f"maxout: the last axis of shape {z.shape} must be a multiple of "
            f"pieces={pieces} (units * pieces)"
        )
    return z.reshape(z.shape[:-1] + (z.shape[-1] // pieces, pieces))


def _maxout_forward(z: Array, pieces: int) -> Array:
    # The max over the pieces as one np.maximum per piece: NumPy's max over a short
    # last axis is many times slower.
    groups = _groups(z, pieces)
    y = groups[..., 0]
    for k in range(1, pieces):
        y = np.maximum(y, groups[..., k])
    return y


def _maxout_winners(z: Array, y: Array, pieces: int, dtype) -> tuple[list[Array], Array]:
    """Which piece of each group is its maximum (one mask per piece), and how many tie."""
    groups = _groups(z, pieces)
    wins = [groups[..., k] == y for k in range(pieces)]
    ties = wins[0].astype(dtype)
    for won in wins[1:]:
        ties += won
    return wins, ties


def _maxout_grad(g: Array, y: Array, z: Array, pieces: int) -> Array:
    # The gradient goes to the maximum of each group; tied maxima share it evenly.
    # Which piece won is a constant (z's values): maxout is piecewise linear.
    return call(_maxout_backward, g, z=ops.value(z), y=ops.value(y), pieces=pieces)


def _maxout_backward_forward(g: Array, z: Array, y: Array, pieces: int) -> Array:
    """maxout's gradient: g / ties at each group's maxima, 0 elsewhere"""
    wins, ties = _maxout_winners(z, y, pieces, g.dtype)
    share = g / ties
    grad = np.empty(z.shape, share.dtype)
    grad_groups = _groups(grad, pieces)
    for k, won in enumerate(wins):
        np.multiply(share, won, out=grad_groups[..., k])
    return grad


def _maxout_backward_grad(h: Array, out: Array, g: Array, z: Array, y: Array, pieces: int):
    # Linear in g; its adjoint gathers each group's maxima back: sum_k h_k won_k / ties.
    wins, ties = _maxout_winners(z, y, pieces, h.dtype)
    groups = _groups(h, pieces)
    gathered = groups[..., 0] * (wins[0] / ties)
    for k in range(1, pieces):
        gathered = gathered + groups[..., k] * (wins[k] / ties)
    return gathered


_maxout_backward = ops.register_op(
    "maxout_backward",
    _maxout_backward_forward,
    (_maxout_backward_grad,),
    rules=("d maxout_backward(g)/dg = 1/ties at each group's maxima, 0 elsewhere",),
)


_add(
    "maxout",
    _maxout_forward,
    None,
    builtin=True,
    vjps=(_maxout_grad,),
    rules=("d maxout(z)/dz = 1 at each group's maximum (ties share it evenly), 0 elsewhere",),
)


# ------------------------------------------------------------------ peaks


# Each built-in's largest |f'| (what "saturated" is measured against) and, where a
# parameter moves it, how to take it with a call's own parameters. gelu (1.13 at
# x = 1.5) and silu (1.10 at x = 2.4) have theirs found numerically.
def _leaky_relu_peak(x: Array, slope: float = 0.01) -> float:
    return max(1.0, abs(slope))  # |f'| is 1 or |slope|


def _prelu_peak(x: Array, a: Array) -> float:
    return max(1.0, float(np.max(np.abs(a)))) if np.size(a) else 1.0  # 1 or |a|


def _elu_peak(x: Array, alpha: float = 1.0) -> float:
    return max(1.0, abs(alpha))  # 1, or |alpha e^x| at its largest, x -> 0


_BUILTIN_PEAKS: dict[str, tuple[float, Callable[..., float] | None]] = {
    "sigmoid": (0.25, None),  # sigmoid'(0) = 1/4
    "tanh": (1.0, None),  # tanh'(0) = 1
    "relu": (1.0, None),
    "leaky_relu": (1.0, _leaky_relu_peak),
    "prelu": (1.0, _prelu_peak),
    "elu": (1.0, _elu_peak),
    "softplus": (1.0, None),  # sigmoid(x), which tends to 1
    "maxout": (1.0, None),  # one piece of each group always passes the whole gradient
}


def _set_builtin_peaks() -> None:
    for name, record in list(_REGISTRY.items()):
        peak, peak_of = _BUILTIN_PEAKS.get(name) or (
            find_peak(record.forward, record.derivative),
            None,
        )
        _with_peak(name, peak, peak_of=peak_of)


_set_builtin_peaks()


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
    return apply(ops.get("maxout"), as_tensor(z), pieces=pieces)


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
