"""Convolution and pooling: ``conv2d``, ``max_pool2d`` and ``avg_pool2d`` as registered ops.

All three slide a ``kh x kw`` window over the spatial axes of an NCHW input.
The windows are a strided *view* of the (zero-padded) input, no copy::

    windows[n, c, h, w, i, j] = x_pad[n, c, h*sh + i, w*sw + j]

This is im2col: ``conv2d`` contracts the windows with the weights in one
``einsum`` (NumPy copies the windows into the im2col matrix and makes a single
BLAS matrix product); pooling reduces each window to its max or mean.

Backward, each op first finds the gradient of every window element, ``dcols``,
then sends it back to the pixel that element was read from (col2im, in
``_col2im``). Windows overlap when the stride is smaller than the kernel, so a
pixel read by several windows receives the sum of their gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .ops import call, defop, value
from .tensor import ArrayLike, Tensor, apply, as_tensor

Array = np.ndarray
Pair = tuple[int, int]


# ------------------------------------------------------------------ helpers


def _pair(value: Any, what: str, op: str) -> Pair:
    """An int or a pair of ints, as ``(height, width)``."""
    parts = (value, value) if isinstance(value, (int, np.integer)) else value
    try:
        h, w = parts
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {what} must be an int or a pair of ints, got {value!r}") from None
    if not all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in (h, w)):
        raise TypeError(f"{op}: {what} must be an int or a pair of ints, got {value!r}")
    return int(h), int(w)


def _pad(x: Array, padding: Pair) -> Array:
    ph, pw = padding
    if not (ph or pw):
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # zeros around H and W


def _windows(x: Array, kernel: Pair, stride: Pair, padding: Pair = (0, 0)) -> Array:
    """The view ``windows[n, c, h, w, i, j] = x_pad[n, c, h*sh + i, w*sw + j]``."""
    sh, sw = stride
    return sliding_window_view(_pad(x, padding), kernel, axis=(2, 3))[:, :, ::sh, ::sw]


def _col2im(dcols: Array, x_shape: tuple[int, ...], stride: Pair, padding: Pair = (0, 0)) -> Array:
    """The adjoint of ``_windows``: add each window element's gradient to the pixel it read.

    ``dcols`` has the windows' shape ``(N, C, OH, OW, kh, kw)``. The loop runs
    over the kh*kw offsets inside a window (9 steps for 3x3), not over pixels:
    step (i, j) adds element (i, j) of every window, in the whole batch, to one
    strided slab of the input. Overlapping windows add to the same pixels,
    which is why this is a sum. Measured several times faster than a loop-free
    scatter (``np.add.at``, ``np.bincount``) or a transposed convolution.
    """
    n, c, h, w = x_shape
    (sh, sw), (ph, pw) = stride, padding
    oh, ow, kh, kw = dcols.shape[2:]
    dx = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dcols.dtype)
    for i in range(kh):
        rows = slice(i, i + sh * (oh - 1) + 1, sh)  # the rows that offset i of a window reads
        for j in range(kw):
            cols = slice(j, j + sw * (ow - 1) + 1, sw)
            dx[:, :, rows, cols] += dcols[:, :, :, :, i, j]
    return dx[:, :, ph : ph + h, pw : pw + w]  # the padding's gradient is dropped


def _window_problem(
    op: str, x: Array, kernel: Pair, stride: Pair, padding: Pair | None = None
) -> str | None:
    """What is wrong with sliding ``kernel`` over ``x``, or ``None``.
    ``padding`` is ``None`` for the ops that do not pad (pooling)."""
    if x.ndim != 4:
        return (
            f"{op}: x must be 4-D (N, C, H, W), got shape {x.shape}; "
            "for a single image use x.reshape(1, C, H, W)"
        )
    if min(kernel) < 1:
        return f"{op}: kernel size must be positive, got {kernel} for x of shape {x.shape}"
    if min(stride) < 1:
        return f"{op}: stride must be positive, got {stride} for x of shape {x.shape}"
    ph, pw = padding or (0, 0)
    if ph < 0 or pw < 0:
        return f"{op}: padding must be non-negative, got {padding} for x of shape {x.shape}"
    size = (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw)
    if kernel[0] > size[0] or kernel[1] > size[1]:
        if padding is None:
            where, fix = "input's", "a smaller kernel_size or a larger input"
        else:
            where = f"padded (padding {padding}) input's" if ph or pw else "input's"
            fix = "a smaller kernel, a larger input or more padding"
        return (
            f"{op}: kernel {kernel} is larger than the {where} spatial size {size} "
            f"(x of shape {x.shape}); use {fix}"
        )
    return None


# ------------------------------------------------------------------- conv2d


def _conv2d_problem(x: Array, w: Array, stride: Pair, padding: Pair) -> str | None:
    if w.ndim != 4:
        return (
            f"conv2d: w must be 4-D (out_channels, in_channels, kh, kw), got shape {w.shape} "
            f"(x has shape {x.shape})"
        )
    if x.ndim == 4 and x.shape[1] != w.shape[1]:
        return (
            f"conv2d: x of shape {x.shape} has {x.shape[1]} channels, but w of shape {w.shape} "
            f"expects {w.shape[1]} (w is (out_channels, in_channels, kh, kw))"
        )
    problem = _window_problem("conv2d", x, w.shape[2:], stride, padding)
    return problem and f"{problem} (w has shape {w.shape})"


def _explain_conv2d(x: Array, w: Array, stride: Pair, padding: Pair) -> str:
    return _conv2d_problem(x, w, stride, padding) or (
        f"conv2d: cannot convolve x of shape {x.shape} with w of shape {w.shape} "
        f"(stride {stride}, padding {padding})"
    )


# conv2d is bilinear, so each of its VJPs is linear in g and in the other input,
# and their own VJPs are again the same three ops: conv2d, conv2d_backward_input
# (a transposed convolution) and conv2d_backward_weight. That closes the table
# under differentiation: derivatives of every order use these three.


def _conv2d_grad_x(g: Array, y: Array, x: Array, w: Array, stride: Pair, padding: Pair) -> Array:
    return call(conv2d_backward_input, g, w, x_shape=x.shape, stride=stride, padding=padding)


def _conv2d_grad_w(g: Array, y: Array, x: Array, w: Array, stride: Pair, padding: Pair) -> Array:
    return call(conv2d_backward_weight, g, x, kernel=w.shape[2:], stride=stride, padding=padding)


@defop(
    "conv2d",
    _conv2d_grad_x,
    _conv2d_grad_w,
    explain=_explain_conv2d,
    rules=(
        "d conv2d(x, w)/dx = w: each window's gradient times w, summed where windows overlap",
        "d conv2d(x, w)/dw = x: the gradient times each window of x, summed over windows",
    ),
)
def conv2d_op(x: Array, w: Array, stride: Pair, padding: Pair) -> Array:
    """y[n, o, h, w] = sum_{c, i, j} x_pad[n, c, h*sh + i, w*sw + j] w[o, c, i, j]"""
    problem = _conv2d_problem(x, w, stride, padding)
    if problem:
        raise ValueError(problem)
    windows = _windows(x, w.shape[2:], stride, padding)
    return np.einsum("nchwij,ocij->nohw", windows, w, optimize=True)


# <conv2d_backward_input(g, w), h> = <g, conv2d(h, w)> = <conv2d_backward_weight(g, h), w>
@defop(
    "conv2d_backward_input",
    lambda k, out, g, w, x_shape, stride, padding: call(
        conv2d_op, k, w, stride=stride, padding=padding
    ),
    lambda k, out, g, w, x_shape, stride, padding: call(
        conv2d_backward_weight, g, k, kernel=w.shape[2:], stride=stride, padding=padding
    ),
    rules=(
        "d conv2d_backward_input(g, w)/dg = w: conv2d of the upstream gradient with w",
        "d conv2d_backward_input(g, w)/dw = g: correlates g with the upstream gradient",
    ),
)
def conv2d_backward_input(g: Array, w: Array, x_shape, stride: Pair, padding: Pair) -> Array:
    """conv2d's gradient for x: a transposed convolution of g with w"""
    # dL/dx_pad[n, c, h*sh + i, w*sw + j] += sum_o g[n, o, h, w] w[o, c, i, j]:
    # one matrix product gives every window's gradient, col2im adds them up.
    dcols = np.einsum("nohw,ocij->nchwij", g, w, optimize=True)
    return _col2im(dcols, tuple(x_shape), stride, padding)


# <conv2d_backward_weight(g, x), k> = <g, conv2d(x, k)> = <conv2d_backward_input(g, k), x>
@defop(
    "conv2d_backward_weight",
    lambda k, out, g, x, kernel, stride, padding: call(
        conv2d_op, x, k, stride=stride, padding=padding
    ),
    lambda k, out, g, x, kernel, stride, padding: call(
        conv2d_backward_input, g, k, x_shape=x.shape, stride=stride, padding=padding
    ),
    rules=(
        "d conv2d_backward_weight(g, x)/dg = x: conv2d of x with the upstream gradient",
        "d conv2d_backward_weight(g, x)/dx = g: transposed conv2d of g with it",
    ),
)
def conv2d_backward_weight(g: Array, x: Array, kernel: Pair, stride: Pair, padding: Pair) -> Array:
    """conv2d's gradient for w: g correlated with the windows of x"""
    # dL/dw[o, c, i, j] = sum_{n, h, w} g[n, o, h, w] x_pad[n, c, h*sh + i, w*sw + j]
    # (the windows are recomputed from x: the forward stores nothing).
    windows = _windows(x, tuple(kernel), stride, padding)
    return np.einsum("nohw,nchwij->ocij", g, windows, optimize=True)


# ------------------------------------------------------------------ pooling


def _check_pool(op: str, x: Array, kernel: Pair, stride: Pair) -> None:
    problem = _window_problem(op, x, kernel, stride)
    if problem:
        raise ValueError(problem)


def _explain_pool(op: str) -> Callable[..., str]:
    def explain(x: Array, kernel: Pair, stride: Pair) -> str:
        return _window_problem(op, x, kernel, stride) or (
            f"{op}: cannot pool x of shape {x.shape} (kernel {kernel}, stride {stride})"
        )

    return explain


def _offsets(x_shape: tuple[int, ...], kernel: Pair, stride: Pair):
    """For each offset (i, j) inside a window, the (rows, cols) slices of the
    elements that offset reads in every window: pooling works on these kh*kw
    strided slabs, with one NumPy call each, instead of reducing over small
    window axes (a slow path in NumPy)."""
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = (x_shape[2] - kh) // sh + 1, (x_shape[3] - kw) // sw + 1
    for i in range(kh):
        for j in range(kw):
            yield slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw)


def _fold_windows(combine: np.ufunc, x: Array, kernel: Pair, stride: Pair) -> Array:
    """``combine`` (np.maximum, np.add) of every window's elements, one slab at a time."""
    offsets = _offsets(x.shape, kernel, stride)
    rows, cols = next(offsets)
    y = x[:, :, rows, cols].copy()
    for rows, cols in offsets:
        combine(y, x[:, :, rows, cols], out=y)
    return y


def _max_pool2d_winners(x: Array, y: Array, kernel: Pair, stride: Pair, dtype):
    """For each offset in a window, its slab and where it holds the window's max; the ties."""
    slabs = [
        (rows, cols, x[:, :, rows, cols] == y) for rows, cols in _offsets(x.shape, kernel, stride)
    ]
    ties = np.zeros(y.shape, dtype)
    for _, _, won in slabs:
        ties += won
    return slabs, ties


def _max_pool2d_grad(g: Array, y: Array, x: Array, kernel: Pair, stride: Pair) -> Array:
    # The gradient of each window's max goes to the maximum; tied maxima share
    # it evenly (as for the max reduction). Which element won is a constant (x's
    # values): max pooling is piecewise linear.
    return call(max_pool2d_backward, g, x=value(x), y=value(y), kernel=kernel, stride=stride)


def _max_pool2d_backward_grad(h, out, g, x, y, kernel, stride):
    # Linear in g; the adjoint gathers each window's max back: sum h[slab] won / ties.
    slabs, ties = _max_pool2d_winners(x, y, kernel, stride, h.dtype)
    gathered = None
    for rows, cols, won in slabs:
        term = h[:, :, rows, cols] * (won / ties)
        gathered = term if gathered is None else gathered + term
    return gathered


@defop(
    "max_pool2d_backward",
    _max_pool2d_backward_grad,
    rules=("d max_pool2d_backward(g)/dg = 1/ties at each window's maxima, 0 elsewhere",),
)
def max_pool2d_backward(g: Array, x: Array, y: Array, kernel: Pair, stride: Pair) -> Array:
    """max_pool2d's gradient: g / ties at each window's maxima, overlapping windows added"""
    slabs, ties = _max_pool2d_winners(x, y, kernel, stride, g.dtype)
    share = g / ties
    dx = np.zeros(x.shape, share.dtype)
    for rows, cols, won in slabs:
        dx[:, :, rows, cols] += share * won
    return dx


@defop(
    "max_pool2d",
    _max_pool2d_grad,
    explain=_explain_pool("max_pool2d"),
    rules=("d max_pool2d(x)/dx = 1 at each window's maximum (ties share it), 0 elsewhere",),
)
def max_pool2d_op(x: Array, kernel: Pair, stride: Pair) -> Array:
    """y[n, c, h, w] = max_{i, j} x[n, c, h*sh + i, w*sw + j]"""
    _check_pool("max_pool2d", x, kernel, stride)
    return _fold_windows(np.maximum, x, kernel, stride)


def _avg_pool2d_grad(g: Array, y: Array, x: Array, kernel: Pair, stride: Pair) -> Array:
    return call(avg_pool2d_backward, g, x_shape=x.shape, kernel=kernel, stride=stride)


# Linear in g, and its adjoint is avg_pool2d itself.
@defop(
    "avg_pool2d_backward",
    lambda h, out, g, x_shape, kernel, stride: call(avg_pool2d_op, h, kernel=kernel, stride=stride),
    rules=("d avg_pool2d_backward(g)/dg = 1/(kh kw) for each element of a window",),
)
def avg_pool2d_backward(g: Array, x_shape, kernel: Pair, stride: Pair) -> Array:
    """avg_pool2d's gradient: g / (kh kw) on every element of each window, overlaps added"""
    # d/dx mean of kh*kw values = 1/(kh kw) for each value of the window.
    share = g / (kernel[0] * kernel[1])
    dx = np.zeros(x_shape, share.dtype)
    for rows, cols in _offsets(x_shape, kernel, stride):
        dx[:, :, rows, cols] += share
    return dx


@defop(
    "avg_pool2d",
    _avg_pool2d_grad,
    explain=_explain_pool("avg_pool2d"),
    rules=("d avg_pool2d(x)/dx = 1/(kh kw) for each element of a window",),
)
def avg_pool2d_op(x: Array, kernel: Pair, stride: Pair) -> Array:
    """y[n, c, h, w] = mean_{i, j} x[n, c, h*sh + i, w*sw + j]"""
    _check_pool("avg_pool2d", x, kernel, stride)
    y = _fold_windows(np.add, x, kernel, stride)
    y /= kernel[0] * kernel[1]
    return y


# ------------------------------------------------------ functions on Tensors


def conv2d(
    x: ArrayLike,
    w: ArrayLike,
    b: ArrayLike | None = None,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of ``x`` (N, C, H, W)
    with weights ``w`` (O, C, kh, kw), plus an optional bias ``b`` (O,).

    ``padding`` adds zeros around H and W. The output has shape
    (N, O, (H + 2 ph - kh) // sh + 1, (W + 2 pw - kw) // sw + 1).
    """
    x, w = as_tensor(x), as_tensor(w)
    stride = _pair(stride, "stride", "conv2d")
    padding = _pair(padding, "padding", "conv2d")
    y = apply(conv2d_op, x, w, stride=stride, padding=padding)
    if b is None:
        return y
    b = as_tensor(b)
    if b.shape != (w.shape[0],):
        raise ValueError(
            f"conv2d: bias b of shape {b.shape} must have one value per output channel: "
            f"expected shape ({w.shape[0]},) for w of shape {w.shape}"
        )
    # The bias is an ordinary broadcast add (as in Linear): b[o] is added at
    # every position of channel o, so its gradient is g summed over n, h, w.
    return y + b.reshape(-1, 1, 1)


def _pool_params(op: str, kernel_size: int | Pair, stride: int | Pair | None) -> dict[str, Pair]:
    kernel = _pair(kernel_size, "kernel_size", op)
    return {"kernel": kernel, "stride": kernel if stride is None else _pair(stride, "stride", op)}


def max_pool2d(x: ArrayLike, kernel_size: int | Pair, stride: int | Pair | None = None) -> Tensor:
    """The max of each ``kernel_size`` window of ``x`` (N, C, H, W); ``stride``
    defaults to ``kernel_size`` (windows side by side). Tied maxima share the
    gradient evenly."""
    return apply(max_pool2d_op, as_tensor(x), **_pool_params("max_pool2d", kernel_size, stride))


def avg_pool2d(x: ArrayLike, kernel_size: int | Pair, stride: int | Pair | None = None) -> Tensor:
    """The mean of each ``kernel_size`` window of ``x`` (N, C, H, W); ``stride``
    defaults to ``kernel_size``."""
    return apply(avg_pool2d_op, as_tensor(x), **_pool_params("avg_pool2d", kernel_size, stride))
