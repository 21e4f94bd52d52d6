"""Training helpers that act on parameters' gradients."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .. import validation
from ..tensor import Tensor


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float) -> float:
    """Scale all gradients together, in place, so that their joint norm is at most
    ``max_norm``; returns the norm before clipping.

    The norm is that of all gradients joined into one vector, so clipping keeps
    the direction of the step and only shortens it. As in PyTorch the factor is
    max_norm / (norm + 1e-6), applied only when it is below 1. Parameters
    without a gradient are skipped.
    """
    max_norm = validation.real_scalar(max_norm, "clip_grad_norm_", "max_norm")
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    for i, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(f"clip_grad_norm_: parameter {i} is a {type(p).__name__}, not a Tensor")
    # Check everything, then change: a bad gradient raises before any is scaled.
    validation.refuse("clip_grad_norm_", validation.gradient_problems(parameters, changes="grad"))
    grads = [p.grad for p in parameters if p.grad is not None]
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in grads:
            g *= scale
    return total
