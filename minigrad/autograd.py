"""The backward walk, gradient mode (``no_grad``) and anomaly mode.

``backward`` visits the graph in reverse topological order, so a node's
gradient is complete (every use of it has contributed) before it is sent on
to the node's parents. The order is found iteratively: a chain of 100,000
ops never meets Python's recursion limit.

This module knows tensors only by the attributes it reads (``data``,
``grad``, ``requires_grad``, ``parents``, ``_op``, ``_params``, ``_hooks``);
it does not import the Tensor class.
"""

from __future__ import annotations

import contextlib
import os
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import numpy as np

from .ops import unbroadcast


class _Mode(threading.local):
    # Class attributes are each thread's starting values.
    grad_enabled = True
    anomaly = False


mode = _Mode()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for backward in this thread."""
    return mode.grad_enabled


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Record no graph inside the block: results have ``requires_grad=False``."""
    previous = mode.grad_enabled
    mode.grad_enabled = False
    try:
        yield
    finally:
        mode.grad_enabled = previous


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph inside the block, even within ``no_grad``."""
    previous = mode.grad_enabled
    mode.grad_enabled = True
    try:
        yield
    finally:
        mode.grad_enabled = previous


class AnomalyError(RuntimeError):
    """A NaN or infinity appeared in a forward result or a gradient."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``AnomalyError`` at the first NaN or infinity made inside the block.

    Each op remembers the line of user code that called it, so the error can
    say where the bad value came from. Off by default: the check costs a scan
    of every result.
    """
    previous = mode.anomaly
    mode.anomaly = True
    try:
        yield
    finally:
        mode.anomaly = previous


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_frame() -> str:
    """``file:line`` of the innermost caller outside the minigrad package."""
    for frame in reversed(traceback.extract_stack()):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno}"
    return "<unknown>"


def check_finite(array: np.ndarray, what: str, op: str, origin: str | None) -> None:
    if not np.all(np.isfinite(array)):
        bad = "NaN" if np.isnan(array).any() else "infinity"
        where = f" (created at {origin})" if origin else ""
        raise AnomalyError(f"{what} of op {op!r}{where} contains {bad}")


def topological_order(root: Any) -> list[Any]:
    """Nodes that require grad, each after all of its parents (iterative DFS)."""
    order = []
    seen = {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent.requires_grad and id(parent) not in seen:
                seen.add(id(parent))
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def backward(root: Any, grad: Any = None) -> None:
    """Send the gradient of ``root`` back to every node that requires grad.

    Leaves add the gradient to ``.grad`` (accumulating across passes); every
    other node's ``.grad`` holds this pass's gradient, so that it can be drawn.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad, so no graph leads to it; "
            "create the inputs you want gradients for with requires_grad=True"
        )
    data = root.data
    if grad is None:
        if data.size != 1:
            raise RuntimeError(
                f"backward: grad can be omitted only for a tensor with one element, "
                f"but this one has shape {data.shape}; reduce it first (e.g. .sum() "
                f"or .mean()) or pass grad= an array of shape {data.shape}"
            )
        grad = np.ones_like(data)
    else:
        grad = np.asarray(getattr(grad, "data", grad), dtype=data.dtype)
        if grad.shape != data.shape:
            raise ValueError(
                f"backward: grad has shape {grad.shape} but the tensor has shape {data.shape}"
            )

    anomaly = mode.anomaly
    grads = {id(root): grad}
    # Arrays already held as some node's .grad: a leaf that receives one of them
    # (e.g. through `add`, whose VJP passes g on unchanged) gets its own copy, so
    # that changing one .grad in place (an optimizer, clipping) changes no other.
    held = {id(grad)}
    # .grad is written only once the whole walk has succeeded: an error on the
    # way (a bad hook, an anomaly) leaves every tensor as it was.
    results = []
    for node in reversed(topological_order(root)):
        g = grads.pop(id(node))
        if node._hooks:
            for hook in node._hooks:
                replaced = hook(g)
                if replaced is not None:
                    g = _checked_hook_result(replaced, data=node.data)
        results.append((node, g))
        op = node._op
        if op is None:
            continue
        held.add(id(g))
        parents = node.parents
        inputs = [p.data for p in parents]
        params = node._params
        for i, parent in enumerate(parents):
            if not parent.requires_grad:
                continue
            if op.arity is None:
                gi = op.vjps[0](g, node.data, *inputs, i=i, **params)
            else:
                gi = op.vjps[i](g, node.data, *inputs, **params)
            shape = parent.data.shape
            if gi.shape != shape:
                gi = unbroadcast(gi, shape)
            if gi.dtype != parent.data.dtype:
                # Mixed-precision inputs: each gradient takes its input's dtype.
                gi = gi.astype(parent.data.dtype)
            if anomaly:
                check_finite(gi, f"gradient for input {i}", op.name, node._origin)
            previous = grads.get(id(parent))
            grads[id(parent)] = gi if previous is None else previous + gi

    for node, g in results:
        if node._op is not None:
            node.grad = g  # non-leaf: this pass's gradient
        elif node.grad is None:
            node.grad = g if g.base is None and id(g) not in held else g.copy()
        else:
            node.grad = node.grad + g  # leaves accumulate across passes


def _checked_hook_result(result: Any, data: np.ndarray) -> np.ndarray:
    result = np.asarray(getattr(result, "data", result), dtype=data.dtype)
    if result.shape != data.shape:
        raise ValueError(
            f"register_hook: the hook returned a gradient of shape {result.shape}, "
            f"but the tensor has shape {data.shape}"
        )
    return result
