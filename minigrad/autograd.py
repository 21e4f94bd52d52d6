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
from .validation import real_array


class _Mode(threading.local):
    # Class attributes are each thread's starting values.
    grad_enabled = True
    anomaly = False
    # True while a user's derivative runs on Tensors (create_graph): turning one
    # into a NumPy array there would lose its graph, so Tensor.__array__ refuses.
    recording_derivative = False


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


def nodes_behind(root: Any, stop: set[int] | frozenset[int] = frozenset()) -> list[Any]:
    """Every tensor behind ``root`` (itself included), not going past the ids in
    ``stop``; in no particular order. Iterative, so a chain of any length is fine."""
    seen = {id(root)}
    found, todo = [], [root]
    while todo:
        node = todo.pop()
        found.append(node)
        for parent in node.parents:
            if id(parent) not in seen and id(parent) not in stop:
                seen.add(id(parent))
                todo.append(parent)
    return found


def pending_uses(root: Any) -> dict[int, int]:
    """For each node that requires grad (by ``id``), how many times it is used
    as an input in the graph behind ``root``: the number of gradients it
    will receive before its own is complete. Iterative, so a chain of any
    length is fine."""
    uses = {id(root): 0}
    todo = [root]
    while todo:
        for parent in todo.pop().parents:
            if parent.requires_grad:
                key = id(parent)
                if key in uses:
                    uses[key] += 1
                else:
                    uses[key] = 1
                    todo.append(parent)
    return uses


def backward(
    root: Any,
    grad: Any = None,
    *,
    wrt: list | None = None,
    create_graph: bool = False,
    recorder: Any = None,
) -> dict[int, Any] | None:
    """Send the gradient of ``root`` back to every node that requires grad.

    Leaves add the gradient to ``.grad`` (accumulating across passes); every
    other node's ``.grad`` holds this pass's gradient, so that it can be drawn.

    A node is visited once all of its uses have sent it their gradient (a
    reverse topological order, found by counting uses), so its gradient is
    complete before it is passed on to its parents.

    For ``mg.grad``: with ``wrt`` (a list of tensors) no ``.grad`` is written;
    the gradients of those tensors are returned, by ``id``. With
    ``create_graph`` (then ``grad`` is a Tensor) the VJPs run on Tensors, so
    every gradient is itself recorded in the graph (see ``ops.py``).

    ``recorder`` (``None`` on the normal path) is told of each visit and each
    gradient sent, so that ``backprop_steps`` can replay this very walk.
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
    elif not create_graph:
        grad = real_array(getattr(grad, "data", grad), "backward", "grad", dtype=data.dtype)
        if grad.shape != data.shape:
            raise ValueError(
                f"backward: grad has shape {grad.shape} but the tensor has shape {data.shape}"
            )

    anomaly = mode.anomaly
    pending = pending_uses(root)
    # mg.grad walks only the paths that lead to the tensors it was asked about.
    needed = None if wrt is None else _leading_to(root, wrt, dict(pending))
    grads = {id(root): grad}  # gradients received so far, by id(node)
    # .grad is written only once the whole walk has succeeded: an error on the
    # way (a bad hook, an anomaly) leaves every tensor as it was.
    visited, visited_grads = [], []
    ready = [root]
    while ready:
        node = ready.pop()
        g = grads.pop(id(node))
        if node._hooks:
            for hook in node._hooks:
                replaced = hook(g.data if create_graph else g)  # hooks see arrays
                if replaced is not None:
                    g = _checked_hook_result(replaced, data=node.data)
                    if create_graph:
                        g = type(node)(g)
        visited.append(node)
        visited_grads.append(g)
        if recorder is not None:
            recorder.visit(node, g)
        op = node._op
        if op is None:
            continue
        parents = node.parents
        y = node.data
        # Unary and binary ops (nearly all of them) skip building a list.
        if create_graph:  # the VJPs get the tensors themselves, and are recorded
            inputs, y = parents, node
        elif len(parents) == 1:
            inputs = (parents[0].data,)
        elif len(parents) == 2:
            inputs = (parents[0].data, parents[1].data)
        else:
            inputs = tuple([p.data for p in parents])
        params = node._params
        vjps = op.vjps
        version = node._version
        for i, parent in enumerate(parents):
            if parent._version > version:  # an input changed since the forward pass
                raise _changed_in_place(node, parent)
            if not parent.requires_grad or (needed is not None and id(parent) not in needed):
                continue
            if op.arity is None:
                gi = vjps[0](g, y, *inputs, i=i, **params)
            elif params:
                gi = vjps[i](g, y, *inputs, **params)
            else:
                gi = vjps[i](g, y, *inputs)
            x = inputs[i]
            if gi.shape != x.shape:
                gi = unbroadcast(gi, x.shape)  # only where the op broadcast x
            if gi.dtype is not x.dtype and gi.dtype != x.dtype:
                # Mixed-precision inputs: each gradient takes its input's dtype.
                gi = gi.astype(x.dtype)
            if anomaly:
                check_finite(
                    getattr(gi, "data", gi), f"gradient for input {i}", op.name, node._origin
                )
            key = id(parent)
            if key in grads:  # a parent used more than once: its gradients add up
                grads[key] = grads[key] + gi
            else:
                grads[key] = gi
            if recorder is not None:
                recorder.send(node, i, parent, gi)
            left = pending[key] - 1
            if left:
                pending[key] = left
            else:
                ready.append(parent)  # every use has sent its gradient

    if wrt is not None:  # mg.grad: return the gradients, write no .grad
        wanted = {id(t) for t in wrt}
        return {id(n): g for n, g in zip(visited, visited_grads, strict=True) if id(n) in wanted}

    # A leaf must own its .grad: one that is another node's gradient (`add` passes
    # g on unchanged) or a view (of some other array) is copied, so that changing
    # one .grad in place (an optimizer, clipping) changes no other.
    held = {id(g) for node, g in zip(visited, visited_grads, strict=True) if node._op is not None}
    held.add(id(grad))
    for node, g in zip(visited, visited_grads, strict=True):
        if type(g) is not np.ndarray:
            g = np.asarray(g)  # a VJP on 0-d arrays may give a NumPy scalar
        if node._op is not None:
            node.grad = g  # non-leaf: this pass's gradient
        elif node.grad is None:
            node.grad = g if g.base is None and id(g) not in held else g.copy()
        else:
            node.grad = node.grad + g  # leaves accumulate across passes
            if type(node.grad) is not np.ndarray:  # two 0-d arrays add to a NumPy scalar
                node.grad = np.asarray(node.grad)


def _changed_in_place(node: Any, parent: Any) -> RuntimeError:
    what = f"tensor {parent.name!r}" if parent.name else "a tensor"
    return RuntimeError(
        f"backward: {what} of shape {parent.shape}, an input of op {node._op.name!r}, "
        "was changed in place (by an optimizer step or load_state_dict) after this "
        "graph was recorded, so its gradient would be computed from the new values; "
        "run the forward pass again to record a new graph, then call backward"
    )


def _leading_to(root: Any, targets: list, pending: dict[int, int]) -> set[int]:
    """The ids of the nodes behind ``root`` that depend on one of ``targets``
    (the targets included): the only ones a pass for ``targets`` must visit.
    Nodes are taken in reverse topological order (by counting uses, as in
    ``backward``), then marked from the leaves up."""
    order, ready = [], [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            if parent.requires_grad:
                key = id(parent)
                pending[key] -= 1
                if not pending[key]:
                    ready.append(parent)
    needed = {id(t) for t in targets}
    for node in reversed(order):
        if any(id(parent) in needed for parent in node.parents):
            needed.add(id(node))
    return needed


def _checked_hook_result(result: Any, data: np.ndarray) -> np.ndarray:
    result = real_array(getattr(result, "data", result), "register_hook", "result", data.dtype)
    if result.shape != data.shape:
        raise ValueError(
            f"register_hook: the hook returned a gradient of shape {result.shape}, "
            f"but the tensor has shape {data.shape}"
        )
    return result
