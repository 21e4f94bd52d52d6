"""Losses, built from minigrad ops so that backward differentiates them.

Each returns the mean over the batch, as a one-element Tensor. Targets and
labels may be Tensors, arrays or lists. Losses that compare two arrays
elementwise (``mse_loss``, ``binary_cross_entropy_with_logits``,
``hinge_loss``) require equal shapes: broadcasting an ``(N, 1)`` output
against ``(N,)`` labels would silently compare every example with every
label. Class losses take logits ``(N, C)`` and integer labels ``(N,)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import ops, validation
from ..activations import relu, softplus
from ..functions import where
from ..tensor import ArrayLike, Tensor, apply, as_tensor

# ------------------------------------------------------------- checks


def _paired(loss: str, pred: ArrayLike, target: Any, names: str) -> tuple[Tensor, Tensor]:
    """``pred`` and ``target`` as Tensors of one shape; a non-Tensor target takes
    ``pred``'s dtype."""
    pred = as_tensor(pred)
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=pred.dtype)
    if pred.shape != target.shape:
        first, second = names.split()
        raise ValueError(
            f"{loss}: {first} has shape {pred.shape} but {second} has shape {target.shape}; "
            "they must be equal (no broadcasting). Reshape one of them, e.g. "
            f"{first}.reshape(-1) for a one-column {first}"
        )
    return pred, target


def _class_labels(loss: str, logits: Tensor, labels: Any) -> np.ndarray:
    """``labels`` as integer class indices, checked against ``(N, C)`` logits."""
    if logits.ndim != 2:
        raise ValueError(f"{loss}: expected logits of shape (N, C), got shape {logits.shape}")
    n, classes = logits.shape
    if n == 0:
        raise ValueError(f"{loss}: the batch is empty (logits of shape {logits.shape})")
    y = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if y.shape != (n,):
        raise ValueError(
            f"{loss}: labels must have shape ({n},), one class index per row of logits "
            f"{logits.shape}, got shape {y.shape}"
        )
    if y.dtype.kind not in "fiub":
        raise TypeError(f"{loss}: labels must be integer class indices, got dtype {y.dtype}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y) & (y == np.round(y))):
        raise ValueError(f"{loss}: labels must be whole numbers (class indices), got {y}")
    y = y.astype(np.intp, copy=False)
    if y.min() < 0 or y.max() >= classes:
        bad = y[(y < 0) | (y >= classes)][0]
        raise ValueError(
            f"{loss}: labels must be class indices in 0 ... {classes - 1} for logits with "
            f"{classes} columns, got {bad}"
        )
    return y


def _overflow_to_inf(loss: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """A loss whose true value overflows returns inf, without NumPy's RuntimeWarning:
    a huge loss is an answer, not an accident of the arithmetic."""

    @functools.wraps(loss)
    def quiet(*args: Any, **kwargs: Any) -> Tensor:
        with np.errstate(over="ignore"):
            return loss(*args, **kwargs)

    return quiet


# -------------------------------------------------------------- losses


@_overflow_to_inf
def mse_loss(pred: ArrayLike, target: ArrayLike) -> Tensor:
    """mean((pred - target)^2), over every element (as PyTorch)."""
    pred, target = _paired("mse_loss", pred, target, "pred target")
    diff = pred - target
    return (diff * diff).mean()


@_overflow_to_inf
def binary_cross_entropy_with_logits(logits: ArrayLike, target: ArrayLike) -> Tensor:
    """Binary cross-entropy of sigmoid(logits) against targets in [0, 1], averaged.

    -[t log s(z) + (1 - t) log(1 - s(z))] simplifies to softplus(z) - t z, with
    softplus(z) = log(1 + e^z). minigrad's softplus never overflows, and its
    derivative is sigmoid(z), so the gradient is exactly s(z) - t for logits
    of any size. (The form max(z, 0) - t z + softplus(-|z|) has the same value
    but kinks at z = 0, where its subgradients would give -t, not 1/2 - t.)
    """
    logits, target = _paired("binary_cross_entropy_with_logits", logits, target, "logits target")
    return (softplus(logits) - logits * target).mean()


def cross_entropy(logits: ArrayLike, labels: ArrayLike) -> Tensor:
    """-log softmax(logits)[label], averaged over the batch.

    One fused op (``softmax_cross_entropy``): log_softmax subtracts the row maximum
    before exponentiating, so logits of any size give finite losses and
    gradients (softmax - one_hot) / N.
    """
    logits = as_tensor(logits)
    y = _class_labels("cross_entropy", logits, labels)
    return apply(ops.softmax_cross_entropy, logits, labels=y)


@_overflow_to_inf
def hinge_loss(scores: ArrayLike, labels: ArrayLike) -> Tensor:
    """mean(max(0, 1 - y s)) for labels y in {-1, +1}: the binary SVM loss.

    An example is penalised until it is on the right side with margin 1.
    """
    scores, labels = _paired("hinge_loss", scores, labels, "scores labels")
    if not np.all((labels.data == 1) | (labels.data == -1)):
        raise ValueError(
            f"hinge_loss: labels must be -1 or +1, got values {np.unique(labels.data)}; "
            "for 0/1 labels pass 2 * y - 1"
        )
    return relu(1 - labels * scores).mean()


@_overflow_to_inf
def multiclass_hinge_loss(scores: ArrayLike, labels: ArrayLike, margin: float = 1.0) -> Tensor:
    """The multiclass SVM loss of the CS231n notes, averaged over the batch.

    L_i = sum over wrong classes j of max(0, s_j - s_{y_i} + margin): the
    correct class must outscore every other by ``margin``. For scores
    [13, -7, 11], correct class 0 and margin 10 the loss is 0 + 8 = 8.
    """
    scores = as_tensor(scores)
    y = _class_labels("multiclass_hinge_loss", scores, labels)
    rows = np.arange(len(y))
    correct = scores[rows, y].reshape(-1, 1)
    margin = validation.real_scalar(margin, "multiclass_hinge_loss", "margin")
    margins = relu(scores - correct + margin)
    wrong = np.ones(scores.shape, dtype=bool)
    wrong[rows, y] = False  # the correct class itself is not summed
    return where(wrong, margins, 0.0).sum() / len(y)


@_overflow_to_inf
def l2_penalty(parameters: Iterable[Tensor]) -> Tensor:
    """The sum of the squares of every element: add ``lam * l2_penalty(...)`` to a
    loss, and each gradient step also shrinks every weight towards 0 by
    ``lr * lam * 2w`` (weight decay)."""
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(
                f"l2_penalty: item {i} is a {type(p).__name__}, not a Tensor; "
                "pass model.parameters()"
            )
    if not params:
        raise ValueError("l2_penalty: no parameters given")
    total = (params[0] * params[0]).sum()
    for p in params[1:]:
        total = total + (p * p).sum()
    return total
