"""Derivatives as values: ``grad``, ``jacobian``, ``hessian`` and ``hvp``.

``backward()`` stores gradients in ``.grad``; ``grad`` returns them instead,
as ``torch.autograd.grad`` does, and touches no ``.grad``. With
``create_graph=True`` the returned gradients are recorded in the graph (the
VJPs run on Tensors, see ``ops.py``), so they can be differentiated again:
that is all a Hessian, a Hessian-vector product or a gradient penalty needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import autograd
from .autograd import enable_grad
from .tensor import Tensor, _leaf

TensorOrTensors = Tensor | Sequence[Tensor]


def _tensors(value: Any, what: str) -> list[Tensor]:
    """``value`` as a list of Tensors, or a TypeError naming what is wrong."""
    items = [value] if isinstance(value, Tensor) else value
    try:
        if isinstance(value, (np.ndarray, str)):
            raise TypeError
        items = list(items)
    except TypeError:
        raise TypeError(
            f"grad: {what} must be a Tensor or a sequence of Tensors, got {type(value).__name__}"
        ) from None
    if not items:
        raise ValueError(f"grad: {what} is empty; give at least one Tensor")
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"grad: {what}[{i}] is a {type(item).__name__}, not a Tensor"
                + ("; wrap it with mg.Tensor(..., requires_grad=True)" if what == "inputs" else "")
            )
    return items


def _seeds(outputs: list[Tensor], grad_outputs: Any, create_graph: bool) -> list[Any]:
    """One checked seed per output: an array, or a Tensor when recording."""
    if grad_outputs is None:
        given = [None] * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)) or np.isscalar(grad_outputs):
        given = [grad_outputs]
    else:
        given = list(grad_outputs)
    if len(given) != len(outputs):
        raise ValueError(
            f"grad: {len(outputs)} output(s) but {len(given)} grad_outputs; give one per output"
        )
    seeds = []
    for i, (out, seed) in enumerate(zip(outputs, given, strict=True)):
        if seed is None:
            if out.size != 1:
                raise RuntimeError(
                    f"grad: outputs[{i}] has shape {out.shape}, so grad_outputs is needed: the "
                    f"gradient of a non-scalar is defined only along a direction. Pass "
                    f"grad_outputs= a Tensor of shape {out.shape}, or reduce the output first "
                    "(e.g. .sum())"
                )
            seed = np.ones_like(out.data)
        elif not isinstance(seed, Tensor):
            seed = np.asarray(seed)
            if seed.dtype.kind not in "fiub":
                raise TypeError(f"grad: grad_outputs[{i}] must hold real numbers, got {seed.dtype}")
        if seed.shape != out.shape:
            raise ValueError(
                f"grad: grad_outputs[{i}] has shape {seed.shape} but outputs[{i}] has shape "
                f"{out.shape}; they must be equal"
            )
        if isinstance(seed, Tensor):
            if seed.dtype != out.dtype:
                seed = seed.astype(out.dtype)
            seeds.append(seed if create_graph else seed.data)
        else:
            seed = seed.astype(out.dtype, copy=False)
            seeds.append(_leaf(seed) if create_graph else seed)
    return seeds


def grad(
    outputs: TensorOrTensors,
    inputs: TensorOrTensors,
    grad_outputs: Any = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to each of ``inputs``, as Tensors.

    Like ``torch.autograd.grad``: ``outputs`` must have one element unless
    ``grad_outputs`` (one per output, of its shape) gives the direction; with
    several outputs the gradients of each are added. No ``.grad`` is changed.
    With ``create_graph=True`` the gradients are recorded in the graph, so they
    can be differentiated again, to any order. ``inputs`` may be leaves or
    intermediate tensors. An input that ``outputs`` does not depend on raises
    ``ValueError`` unless ``allow_unused=True`` (its gradient is then ``None``).

    >>> x = mg.Tensor(3.0, requires_grad=True)
    >>> (dy,) = mg.grad(x**3, x, create_graph=True)  # 3 x^2 = 27
    >>> mg.grad(dy, x)[0].item()  # 6 x
    18.0
    """
    outs = _tensors(outputs, "outputs")
    ins = _tensors(inputs, "inputs")
    for i, x in enumerate(ins):
        if not x.requires_grad:
            raise ValueError(
                f"grad: inputs[{i}] does not require grad, so nothing can be differentiated "
                "with respect to it; create it with requires_grad=True"
            )
    seeds = _seeds(outs, grad_outputs, create_graph)
    # An output that does not require grad depends on no input (a constant, or
    # the gradient of a piecewise-linear function such as a ReLU's).
    pairs = [(out, s) for out, s in zip(outs, seeds, strict=True) if out.requires_grad]

    # Several outputs: one pass from their seeded sum, which sends each its own seed.
    with enable_grad():
        if not pairs:
            found = {}
        elif len(pairs) == 1:
            found = autograd.backward(*pairs[0], wrt=ins, create_graph=create_graph)
        else:
            root = sum((out * s).sum() for out, s in pairs)
            seed = np.ones((), root.dtype)
            seed = _leaf(seed) if create_graph else seed
            found = autograd.backward(root, seed, wrt=ins, create_graph=create_graph)

    unused = [i for i, x in enumerate(ins) if id(x) not in found]
    if unused and not allow_unused:
        why = "" if pairs else " (no output requires grad: no graph leads to them)"
        raise ValueError(
            f"grad: the outputs do not depend on inputs{unused}{why}; pass allow_unused=True "
            "to get None for them (their gradient is 0)"
        )
    results: list[Tensor | None] = []
    seen: set[int] = set()
    for x in ins:
        g = found.get(id(x))
        if g is None:
            results.append(None)
        elif create_graph:
            results.append(g)
        else:
            if type(g) is not np.ndarray:
                g = np.asarray(g)
            # Each result owns its array: a gradient may be a seed or be shared.
            if g.base is not None or id(g) in seen or any(g is s for s in seeds):
                g = g.copy()
            seen.add(id(g))
            results.append(_leaf(g))
    return tuple(results)


def _one_input(fn_name: str, x: Any) -> Tensor:
    """A fresh leaf on ``x``'s data that requires grad: differentiating at ``x``
    leaves ``x`` itself (and its ``.grad``) alone."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn_name}: x must be a Tensor, got {type(x).__name__}")
    leaf = Tensor(x.data, requires_grad=True, name=x.name)
    return leaf


def _call(fn_name: str, fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    with enable_grad():
        out = fn(x)
    if not isinstance(out, Tensor):
        raise TypeError(f"{fn_name}: fn must return a Tensor, got {type(out).__name__}")
    return out


def _rows(fn_name: str, out: Tensor, x: Tensor) -> np.ndarray:
    """d out / d x, one backward pass per element of ``out``."""
    rows = np.zeros(out.shape + x.shape, dtype=np.result_type(out.dtype, x.dtype))
    if not out.requires_grad:
        return rows  # out does not depend on x
    for index in np.ndindex(*out.shape):
        seed = np.zeros(out.shape, out.dtype)
        seed[index] = 1
        (g,) = grad(out, x, grad_outputs=seed, allow_unused=True)
        if g is not None:
            rows[index] = g.data
    return rows


def jacobian(fn: Callable[[Tensor], Tensor], x: Tensor) -> np.ndarray:
    """The Jacobian of ``fn`` at ``x``, an array of shape ``out.shape + x.shape``."""
    leaf = _one_input("jacobian", x)
    return _rows("jacobian", _call("jacobian", fn, leaf), leaf)


def _first_derivative(fn_name: str, fn: Callable[[Tensor], Tensor], x: Tensor):
    leaf = _one_input(fn_name, x)
    out = _call(fn_name, fn, leaf)
    if out.size != 1:
        raise ValueError(
            f"{fn_name}: fn must return one element (a scalar function), got shape {out.shape}"
        )
    if not out.requires_grad:
        return leaf, None
    with enable_grad():
        (g,) = grad(out, leaf, create_graph=True, allow_unused=True)
    return leaf, g


def hessian(fn: Callable[[Tensor], Tensor], x: Tensor) -> np.ndarray:
    """The Hessian of a scalar ``fn`` at ``x``, an array of shape ``x.shape + x.shape``."""
    leaf, g = _first_derivative("hessian", fn, x)
    if g is None:
        return np.zeros(x.shape + x.shape, x.dtype)
    return _rows("hessian", g, leaf)


def hvp(fn: Callable[[Tensor], Tensor], x: Tensor, v: Any) -> np.ndarray:
    """The Hessian of a scalar ``fn`` at ``x`` times ``v``, without forming the Hessian:
    the gradient of <grad fn(x), v>, one double-backward pass. An array of ``x.shape``."""
    v = np.asarray(v.data if isinstance(v, Tensor) else v)
    if not isinstance(x, Tensor):
        raise TypeError(f"hvp: x must be a Tensor, got {type(x).__name__}")
    if v.shape != x.shape:
        raise ValueError(
            f"hvp: v has shape {v.shape} but x has shape {x.shape}; they must be equal"
        )
    leaf, g = _first_derivative("hvp", fn, x)
    if g is None or not g.requires_grad:
        return np.zeros(x.shape, x.dtype)
    (hv,) = grad(g, leaf, grad_outputs=v, allow_unused=True)
    return np.zeros(x.shape, x.dtype) if hv is None else hv.data
