"""Finite-difference gradient checks: the test every op passes.

Central differences, ``(f(x + eps) - f(x - eps)) / (2 eps)``, have an error of
order eps^2; in float64 with eps = 1e-6 that leaves about eight good digits,
enough to catch any wrong derivative. The passed tensors themselves are
perturbed, their data temporarily replaced by float64 copies (whatever their
dtype, so a float32 model can be checked too): ``fn`` sees the change wherever
it reaches them, also through parameters it closes over. Afterwards every
tensor's data and ``.grad`` are exactly as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .autograd import enable_grad, is_grad_enabled, no_grad, nodes_behind
from .functions import concatenate
from .tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with its finite-difference estimate."""


# Outputs with at most this many elements are checked through the full
# Jacobian (one backward pass per element); larger ones along random directions.
_FULL_JACOBIAN_MAX = 16
_RANDOM_DIRECTIONS = 3


@contextlib.contextmanager
def float64_inputs(inputs: Sequence[Any]) -> Iterator[list[Tensor]]:
    """Run the block with each Tensor in ``inputs`` holding a float64 copy of its data.

    The passed Tensor objects themselves are perturbed, so ``fn`` sees the
    change wherever it reaches them, also through a parameter it closes over.
    Afterwards every tensor has its own data array and ``.grad`` back, exactly.
    Yields the distinct Tensors (a tensor given twice is one).
    """
    tensors = list({id(x): x for x in inputs if isinstance(x, Tensor)}.values())
    saved = [(t, t.data, t.grad) for t in tensors]
    try:
        for t in tensors:
            t.data = np.array(t.data, dtype=np.float64)  # always a copy
            t.grad = None
        yield tensors
    finally:
        for t, data, grad in saved:
            t.data, t.grad = data, grad


def analytic_grads(out: Tensor, direction: np.ndarray, tensors: Sequence[Tensor]) -> list:
    """The gradients of ``sum(out * direction)`` for ``tensors``, by ``backward``,
    leaving the ``.grad`` of every tensor in the graph as it was."""
    nodes = nodes_behind(out)
    saved = [(node, node.grad) for node in nodes]
    try:
        for t in tensors:
            t.grad = None
        if out.requires_grad:
            out.backward(direction)
        return [None if t.grad is None else t.grad.copy() for t in tensors]
    finally:
        for node, grad in saved:
            node.grad = grad


def _as_list(inputs: Any) -> list[Any]:
    return [inputs] if isinstance(inputs, Tensor) else list(inputs)


def _evaluate(fn: Callable[..., Tensor], inputs: list[Any]) -> np.ndarray:
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    return out.data.astype(np.float64)


def _jacobian_columns(fn: Callable[..., Tensor], inputs: list[Any], x: Tensor, eps: float):
    """d out / d x by central differences: one column (output-shaped) per element of x."""
    columns = np.empty(x.data.shape + _evaluate(fn, inputs).shape)
    with no_grad():
        for index in np.ndindex(*x.data.shape):
            original = x.data[index]
            x.data[index] = original + eps
            above = _evaluate(fn, inputs)
            x.data[index] = original - eps
            below = _evaluate(fn, inputs)
            x.data[index] = original
            columns[index] = (above - below) / (2 * eps)
    return columns


def numerical_grad(
    fn: Callable[..., Tensor], inputs: Sequence[Any], eps: float = 1e-6
) -> list[np.ndarray | None]:
    """Finite-difference gradients of a one-element ``fn``: one array per Tensor input
    (``None`` for inputs that are not Tensors)."""
    xs = _as_list(inputs)
    with float64_inputs(xs):
        size = _evaluate(fn, xs).size
        if size != 1:
            raise ValueError(f"numerical_grad: fn must return one element, it returned {size}")
        return [
            _jacobian_columns(fn, xs, x, eps).reshape(x.shape) if isinstance(x, Tensor) else None
            for x in xs
        ]


def _directions(shape: tuple[int, ...]) -> list[np.ndarray]:
    size = int(np.prod(shape))
    if size <= _FULL_JACOBIAN_MAX:
        return list(np.eye(size).reshape((size,) + shape))
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape) for _ in range(_RANDOM_DIRECTIONS)]


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare every analytic gradient of ``fn`` with central differences.

    Inputs that are Tensors with ``requires_grad=True`` are checked. A
    non-scalar output is checked through its full Jacobian (small outputs) or
    along random directions. Returns ``True`` or raises ``GradcheckError``
    naming the input, the worst element, both values and the error.
    """
    xs = _as_list(inputs)
    checked = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input is a Tensor with requires_grad=True")
    _check_finite("gradcheck", xs, checked)
    with float64_inputs(xs):
        out = fn(*xs)
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
        jacobians = {i: _jacobian_columns(fn, xs, xs[i], eps) for i in checked}
        out_axes = tuple(range(-out.ndim, 0)) if out.ndim else ()
        worst: tuple | None = None  # (excess, report) of the worst element so far
        for k, direction in enumerate(_directions(out.shape)):
            grads = analytic_grads(out, direction, [xs[i] for i in checked])
            for i, grad in zip(checked, grads, strict=True):
                x = xs[i]
                analytic = np.zeros_like(x.data) if grad is None else grad
                numeric = (
                    (jacobians[i] * direction).sum(axis=out_axes)
                    if out_axes
                    else (jacobians[i] * direction)
                )
                found = _worst(analytic, numeric, i, x, k, out.shape, atol, rtol)
                if found is not None and (worst is None or found[0] > worst[0]):
                    worst = found
    if worst is not None:
        raise GradcheckError(worst[1])
    return True


def _check_finite(where: str, xs: list[Any], checked: list[int]) -> None:
    for i in checked:
        if not np.isfinite(xs[i].data).all():
            raise ValueError(
                f"{where}: input {i} contains NaN or infinity; finite differences "
                "need finite inputs"
            )


def _worst(analytic, numeric, i, x, k, out_shape, atol, rtol) -> tuple[float, str] | None:
    """The element of input ``i`` with the largest excess over the tolerance, and
    its report; ``None`` when every element is within it."""
    if analytic.shape != x.shape:
        raise GradcheckError(
            f"gradcheck: input {i} has shape {x.shape} but its gradient has shape {analytic.shape}"
        )
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(analytic - numeric)
        excess = error - (atol + rtol * np.abs(numeric))
    excess = np.where(np.isfinite(excess), excess, np.inf)
    if np.all(excess <= 0):
        return None
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape) if excess.ndim else ()
    label = f"input {i}" + (f" ({x.name!r})" if x.name else "") + f" of shape {x.shape}"
    along = f"output direction {k} of an output of shape {out_shape}" if out_shape else "output"
    return float(excess[worst]), (
        f"gradcheck: {label}, element {tuple(int(j) for j in worst)}: analytic gradient "
        f"{analytic[worst]:.8g} but numerical {numeric[worst]:.8g} (error "
        f"{error[worst]:.3g}, allowed {atol + rtol * abs(numeric[worst]):.3g}), along {along}"
    )


def gradgradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence[Any],
    grad_outputs: Sequence[Any] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the second derivatives of ``fn`` against finite differences of its first ones.

    The first derivatives are taken with ``mg.grad(..., create_graph=True)``
    along ``grad_outputs`` (random when not given, as in PyTorch, for an
    output of several elements), and ``gradcheck`` then checks *them*: with
    respect to every input that requires grad and to ``grad_outputs``
    themselves (the first derivative is linear in them). Returns ``True`` or
    raises ``GradcheckError`` as ``gradcheck`` does.
    """
    from .derivatives import grad  # the layer above: imported when used

    # gradcheck does the perturbing (and the float64 copies): the inputs go to it as given.
    xs = _as_list(inputs)
    checked = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input is a Tensor with requires_grad=True")
    _check_finite("gradgradcheck", xs, checked)
    with float64_inputs(xs), enable_grad():  # only to learn the output's shape
        out = fn(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradgradcheck: fn must return a Tensor, got {type(out).__name__}")
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        seeds = [Tensor(rng.standard_normal(out.shape), requires_grad=True)]
    else:
        # The seeds become inputs of the check: new float64 tensors, so the caller's
        # grad_outputs keep their dtype and requires_grad.
        seeds = [
            Tensor(np.array(getattr(s, "data", s), dtype=np.float64), requires_grad=True)
            for s in _as_list(grad_outputs)
        ]
    n = len(xs)

    def first_derivatives(*args: Any) -> Tensor:
        # Run under gradcheck's no_grad for the finite differences too: the
        # forward is recorded either way, and the gradient's own graph only
        # when gradcheck differentiates it.
        recording = is_grad_enabled()
        with enable_grad():
            y = fn(*args[:n])
            if not y.requires_grad:
                return Tensor(np.zeros(0))
            grads = grad(
                y,
                [args[i] for i in checked],
                grad_outputs=list(args[n:]),
                create_graph=recording,
                allow_unused=True,
            )
        flat = [g.reshape(-1) for g in grads if g is not None]
        with enable_grad() if recording else no_grad():
            return concatenate(flat) if flat else Tensor(np.zeros(0))

    try:
        return gradcheck(first_derivatives, xs + seeds, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as error:  # say which check failed: the second derivatives
        raise GradcheckError(
            f"gradgradcheck: second derivatives disagree with finite differences ({error})"
        ) from None
