"""Gradient health: is a gradient flowing, vanishing, dead or exploding?

``health`` is the one classification that the renderer and every statistic
here share. The activation statistics read each activation's registered
local derivative (``mg.activations``): a unit is *saturated* where f'(x) is
below a threshold and *dead* where f'(x) is exactly 0 for every example.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import activations

HEALTH_CLASSES = ("flowing", "vanishing", "dead", "exploding")

# Defaults shared by the renderer and the diagnostics.
VANISHING = 1e-6
EXPLODING = 1e3
SATURATED = 1e-2  # a local derivative below this passes almost no gradient


def health(grad: Any, vanishing: float = VANISHING, exploding: float = EXPLODING) -> str:
    """Classify a gradient array: ``"dead"``, ``"exploding"``, ``"vanishing"`` or ``"flowing"``.

    dead: every element is exactly 0; exploding: mean |grad| > ``exploding`` or
    any element is not finite; vanishing: mean |grad| < ``vanishing``.
    """
    grad = np.asarray(grad)
    if not np.any(grad):
        return "dead"
    if not np.all(np.isfinite(grad)):
        return "exploding"
    mean_abs = float(np.mean(np.abs(grad)))
    if mean_abs > exploding:
        return "exploding"
    if mean_abs < vanishing:
        return "vanishing"
    return "flowing"


def unit_axis(ndim: int) -> int:
    """The axis that holds a layer's units: the channel axis of an NCHW image
    batch (4-D), otherwise the last axis (features)."""
    return 1 if ndim == 4 else ndim - 1


def per_unit_all(mask: np.ndarray) -> np.ndarray:
    """For each unit, whether ``mask`` holds at every example (all other axes)."""
    if mask.ndim == 0:
        return mask.reshape(1)
    axis = unit_axis(mask.ndim)
    others = tuple(a for a in range(mask.ndim) if a != axis)
    return mask.all(axis=others) if others else mask


@dataclass
class ActivationStats:
    """What one activation did on one batch (``local_derivative_stats``)."""

    units: int
    saturated_fraction: float  # of all elements, f'(x) < threshold
    dead_units: int  # f'(x) == 0 for every example
    inactive_units: int  # input <= 0 for every example
    mean_derivative: float


def local_derivative(op_name: str, inputs: list[np.ndarray], output: np.ndarray, params: dict):
    """f'(x) of a registered activation op, elementwise on its input; ``None``
    for ops that are not activations. PReLU's derivative is 1 or its slope;
    maxout's is taken per output unit (1: one piece always passes the gradient)."""
    if op_name not in activations.names():
        return None
    record = activations.get(op_name)
    x = inputs[0]
    if record.derivative is not None:
        return record.derivative(x, output, **params)
    if op_name == "prelu":
        slope = activations._channel_slope(inputs[1], x)
        return np.where(x >= 0, 1.0, np.broadcast_to(slope, x.shape))
    return np.ones_like(output)  # maxout


def activation_stats(
    op_name: str,
    inputs: list[np.ndarray],
    output: np.ndarray,
    params: dict,
    saturated: float = SATURATED,
) -> ActivationStats | None:
    """Saturated, dead and inactive units of one activation call."""
    d = local_derivative(op_name, inputs, output, params)
    if d is None:
        return None
    x = inputs[0]
    dead = per_unit_all(d == 0)
    # maxout's units are its outputs: a unit is inactive where its output is <= 0
    inactive = per_unit_all((output if op_name == "maxout" else x) <= 0)
    return ActivationStats(
        units=int(dead.size),
        saturated_fraction=float(np.mean(np.abs(d) < saturated)) if d.size else 0.0,
        dead_units=int(dead.sum()),
        inactive_units=int(inactive.sum()),
        mean_derivative=float(np.mean(np.abs(d))) if d.size else 0.0,
    )
