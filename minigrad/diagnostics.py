"""Gradient health: is a gradient flowing, vanishing, dead or exploding?

``health`` is the one classification that the renderer and every statistic
here share. The activation statistics read each activation's registered
local derivative (``mg.activations``), in one vocabulary that the renderer,
the recorder and every lesson use:

- an element is *off* where f'(x) is exactly 0, *saturated* where
  0 < |f'(x)| < SATURATED * peak (the activation's largest |f'|, with the
  call's own parameters), and *passing* otherwise. A ReLU is never
  saturated: it is on or off;
- a unit (one feature: the last axis, or the channel of an image batch) is
  *dead* when it is off on every example, *saturated* when it is off or
  saturated on every example but not dead, *inactive* when its input is
  <= 0 on every example, and *flowing* otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import activations, validation

HEALTH_CLASSES = ("flowing", "vanishing", "dead", "exploding")

# Defaults shared by the renderer and the diagnostics.
VANISHING = 1e-6
EXPLODING = 1e3
# A local derivative below a tenth of the activation's peak passes almost no
# gradient: 0.025 for the sigmoid, 0.1 for tanh. Relative, so that one rule fits
# every activation (tanh(x) = 2 sigmoid(2x) - 1 saturates where the sigmoid does).
SATURATED = 0.1
UNIT_STATES = ("dead", "saturated", "flowing")


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
    """What one activation did on one batch (``activation_stats``)."""

    units: int
    off_fraction: float  # of all elements, f'(x) == 0
    saturated_fraction: float  # of all elements, 0 < |f'(x)| < SATURATED * peak
    passing_fraction: float  # of all elements, the rest
    dead_units: int  # off on every example
    saturated_units: int  # off or saturated on every example, not dead
    inactive_units: int  # input <= 0 on every example
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


def _check_saturated(saturated: Any, where: str) -> float:
    if isinstance(saturated, bool) or not isinstance(saturated, (int, float, np.number)):
        raise TypeError(f"{where}: saturated must be a number (a fraction of the peak)")
    if not (0 < saturated <= 1):
        raise ValueError(
            f"{where}: saturated is a fraction of the activation's peak derivative, "
            f"above 0 and at most 1 (default {SATURATED}); got {saturated}"
        )
    return float(saturated)


@dataclass
class ElementStates:
    """One activation call, element by element (``element_states``)."""

    derivative: np.ndarray  # f'(x), per element (per output unit for maxout)
    peak: float  # the activation's largest |f'| with this call's parameters
    off: np.ndarray  # f'(x) == 0
    saturated: np.ndarray  # 0 < |f'(x)| < saturated * peak
    passing: np.ndarray  # the rest
    inactive: np.ndarray  # input <= 0 (maxout: output <= 0)


def element_states(
    op_name: str,
    inputs: list[np.ndarray],
    output: np.ndarray,
    params: dict,
    saturated: float = SATURATED,
) -> ElementStates | None:
    """Off, saturated and passing elements of one activation call; ``None`` for
    ops that are not activations."""
    d = local_derivative(op_name, inputs, output, params)
    if d is None:
        return None
    peak = activations.get(op_name).call_peak(inputs, params)
    magnitude = np.abs(d)
    off = magnitude == 0
    low = magnitude < saturated * peak
    # maxout's units are its outputs: a unit is inactive where its output is <= 0
    source = output if op_name == "maxout" else inputs[0]
    return ElementStates(d, peak, off, low & ~off, ~low, np.asarray(source <= 0))


@dataclass
class UnitStates:
    """One activation call, unit by unit: boolean arrays with one entry per unit."""

    dead: np.ndarray  # off on every example
    saturated: np.ndarray  # off or saturated on every example, not dead
    inactive: np.ndarray  # input <= 0 on every example
    passing_share: np.ndarray  # per unit, the share of examples where it passes
    mean_derivative: np.ndarray  # per unit, mean |f'(x)| over the examples

    @property
    def state(self) -> np.ndarray:
        """Per unit, ``"dead"``, ``"saturated"`` or ``"flowing"``."""
        states = np.full(self.dead.shape, "flowing", dtype=object)
        states[self.saturated] = "saturated"
        states[self.dead] = "dead"
        return states


def per_unit_mean(values: np.ndarray) -> np.ndarray:
    """For each unit, the mean of ``values`` over every example (all other axes)."""
    if values.ndim == 0:
        return values.reshape(1).astype(float)
    axis = unit_axis(values.ndim)
    others = tuple(a for a in range(values.ndim) if a != axis)
    if not others:
        return values.astype(float)
    if values.size == 0:
        return np.zeros(values.shape[axis])
    return values.mean(axis=others, dtype=float)


def unit_states(
    op_name: str,
    inputs: list[np.ndarray],
    output: np.ndarray,
    params: dict,
    saturated: float = SATURATED,
) -> UnitStates | None:
    """Dead, saturated and inactive units of one activation call; ``None`` for ops
    that are not activations."""
    e = element_states(op_name, inputs, output, params, saturated)
    if e is None:
        return None
    dead = per_unit_all(e.off)
    return UnitStates(
        dead=dead,
        saturated=per_unit_all(~e.passing) & ~dead,
        inactive=per_unit_all(e.inactive),
        passing_share=per_unit_mean(e.passing),
        mean_derivative=per_unit_mean(np.abs(e.derivative)),
    )


def activation_stats(
    op_name: str,
    inputs: list[np.ndarray],
    output: np.ndarray,
    params: dict,
    saturated: float = SATURATED,
) -> ActivationStats | None:
    """Off, saturated and passing shares, and dead, saturated and inactive units,
    of one activation call. ``saturated`` is a fraction of the activation's peak."""
    e = element_states(op_name, inputs, output, params, saturated)
    if e is None:
        return None
    dead = per_unit_all(e.off)
    size = e.off.size

    def share(mask: np.ndarray) -> float:
        return float(np.mean(mask)) if size else 0.0

    return ActivationStats(
        units=int(dead.size),
        off_fraction=share(e.off),
        saturated_fraction=share(e.saturated),
        passing_fraction=share(e.passing),
        dead_units=int(dead.sum()),
        saturated_units=int((per_unit_all(~e.passing) & ~dead).sum()),
        inactive_units=int(per_unit_all(e.inactive).sum()),
        mean_derivative=float(np.mean(np.abs(e.derivative))) if size else 0.0,
    )


# ------------------------------------------------------------ parameters


@dataclass
class ParameterGradient:
    """Gradient statistics of one parameter (``gradient_flow``)."""

    name: str
    mean_abs_grad: float
    max_abs_grad: float
    zero_fraction: float
    health: str


def gradient_flow(
    model: Any, vanishing: float = VANISHING, exploding: float = EXPLODING
) -> list[ParameterGradient]:
    """One record per parameter, in ``named_parameters()`` order, after a backward
    pass. A parameter that received no gradient (``grad is None``) counts as all
    zeros: nothing flowed to it."""
    records = []
    for name, p in model.named_parameters():
        grad = np.zeros_like(p.data) if p.grad is None else p.grad
        abs_grad = np.abs(grad)
        records.append(
            ParameterGradient(
                name=name,
                mean_abs_grad=float(abs_grad.mean()) if grad.size else 0.0,
                max_abs_grad=float(abs_grad.max()) if grad.size else 0.0,
                zero_fraction=float(np.mean(grad == 0)) if grad.size else 1.0,
                health=health(grad, vanishing, exploding),
            )
        )
    return records


# ----------------------------------------------------- activation modules


def activation_modules(model: Any) -> list[tuple[str, Any]]:
    """(name, module) of every activation module, in ``named_modules()`` order."""
    from .nn import Activation

    return [(name, m) for name, m in model.named_modules() if isinstance(m, Activation)]


def _op_view(module: Any, x: Any, out: Any) -> tuple[str, list[np.ndarray], np.ndarray, dict]:
    """The activation op behind one call of an activation module: its name, input
    arrays, output and parameters. Read from the graph when one was recorded,
    else rebuilt from the module (under ``no_grad`` the output has no parents)."""
    if out._op is not None:
        return out.op, [p.data for p in out.parents], out.data, out._params
    name = module.activation.name
    x_data = np.asarray(x)
    if name == "maxout":
        from .autograd import no_grad

        with no_grad():
            z = module.linear(x)
        return name, [z.data], out.data, {"pieces": module.pieces}
    if name == "prelu":
        return name, [x_data, module.weight.data], out.data, {}
    return name, [x_data], out.data, module.params


class _Capture:
    """Keeps the last call (input, output) of each activation module of a model,
    by shadowing its ``forward`` on the instance; ``close`` restores them."""

    def __init__(self, model: Any) -> None:
        self.modules = activation_modules(model)
        self.calls: dict[str, list[tuple[Any, Any]]] = {name: [] for name, _ in self.modules}
        self.keep_all = False
        for name, module in self.modules:
            module.forward = self._wrap(name, module.forward)

    def _wrap(self, name: str, forward: Any) -> Any:
        def capture(x: Any, *args: Any, **kwargs: Any) -> Any:
            out = forward(x, *args, **kwargs)
            if self.keep_all:
                self.calls[name].append((x, out))
            else:
                self.calls[name] = [(x, out)]
            return out

        return capture

    def close(self) -> None:
        for _, module in self.modules:
            module.__dict__.pop("forward", None)


def unit_masks(
    model: Any,
    x: Any,
    which: str = "dead",
    batch_size: int | None = None,
    saturated: float = SATURATED,
) -> dict[str, np.ndarray]:
    """Per activation module, a boolean array over its units: ``which="dead"``
    marks the units that are off (f'(x) == 0) on every example of ``x``;
    ``which="saturated"`` those off or saturated on every example but not dead;
    ``which="inactive"`` those whose input is <= 0 on every example. The counts
    of ``dead_units`` and ``inactive_units`` are these masks' sums; the masks
    say *which* units, to follow one through training. The renderer's dead and
    saturated cells are these units."""
    if which not in ("dead", "saturated", "inactive"):
        raise ValueError(
            f"unit_masks: which must be 'dead', 'saturated' or 'inactive', got {which!r}"
        )
    saturated = _check_saturated(saturated, "unit_masks")
    from .autograd import no_grad

    if batch_size is not None:  # checked before the model is touched
        batch_size = validation.integer(batch_size, "unit_masks", "batch_size", low=1)
    capture = _Capture(model)
    capture.keep_all = True
    try:
        data = validation.real_array(getattr(x, "data", x), "unit_masks", "x")
        if data.ndim == 0:
            raise ValueError("unit_masks: x must be a batch of inputs, got a 0-d array")
        step = len(data) if batch_size is None else batch_size
        with no_grad():
            for start in range(0, len(data), step):
                model(data[start : start + step])
    finally:
        capture.close()
    masks = {}
    for name, module in capture.modules:
        # per unit, over every batch: always off, always not passing, always inactive
        off = low = inactive = None
        for x_call, out in capture.calls[name]:
            e = element_states(*_op_view(module, x_call, out), saturated)
            call = per_unit_all(e.off), per_unit_all(~e.passing), per_unit_all(e.inactive)
            if off is None:
                off, low, inactive = call
            else:
                off, low, inactive = off & call[0], low & call[1], inactive & call[2]
        if off is None:
            masks[name] = np.zeros(0, dtype=bool)
        else:
            masks[name] = {"dead": off, "saturated": low & ~off, "inactive": inactive}[which]
    return masks


def dead_units(model: Any, x: Any, batch_size: int | None = None) -> dict[str, int]:
    """Per activation module, the number of units whose local derivative is 0 for
    every example of ``x``. The model runs without recording a graph; give
    ``batch_size`` to run a large data set in pieces (a unit must be dead in all).
    Units of leaky ReLU, PReLU (non-zero slope), ELU and maxout are never dead."""
    return {name: int(m.sum()) for name, m in unit_masks(model, x, "dead", batch_size).items()}


def inactive_units(model: Any, x: Any, batch_size: int | None = None) -> dict[str, int]:
    """Per activation module, the number of units whose input is <= 0 for every
    example of ``x`` (for maxout: whose output is). For ReLU the same as
    ``dead_units``; leaky ReLU and PReLU units still pass a small gradient there
    and can recover."""
    masks = unit_masks(model, x, "inactive", batch_size)
    return {name: int(m.sum()) for name, m in masks.items()}


@dataclass
class LayerStats:
    """One activation module on one batch, after a forward and backward pass."""

    name: str
    units: int
    off_fraction: float  # of all elements: f'(x) == 0
    saturated_fraction: float  # of all elements: 0 < |f'(x)| < SATURATED * peak
    passing_fraction: float
    dead_units: int
    saturated_units: int
    inactive_units: int
    mean_abs_grad: float  # of the gradient arriving at the activation's input
    max_abs_grad: float
    health: str
    mean_derivative: float  # mean |f'(x)|: how much gradient the layer lets through
    output_mean: float  # of the activations (Glorot & Bengio's Figure 2)
    output_std: float


def _layer_stats(name, module, x, out, saturated, vanishing, exploding) -> LayerStats:
    op, inputs, output, params = _op_view(module, x, out)
    stats = activation_stats(op, inputs, output, params, saturated)
    # The gradient at the activation's input: the op's first parent after backward.
    grad = out.parents[0].grad if out._op is not None else None
    grad = np.zeros(0) if grad is None else grad
    return LayerStats(
        name=name,
        units=stats.units,
        off_fraction=stats.off_fraction,
        saturated_fraction=stats.saturated_fraction,
        passing_fraction=stats.passing_fraction,
        dead_units=stats.dead_units,
        saturated_units=stats.saturated_units,
        inactive_units=stats.inactive_units,
        mean_abs_grad=float(np.mean(np.abs(grad))) if grad.size else float("nan"),
        max_abs_grad=float(np.max(np.abs(grad))) if grad.size else float("nan"),
        health=health(grad, vanishing, exploding) if grad.size else "no gradient",
        mean_derivative=stats.mean_derivative,
        output_mean=float(output.mean()),
        output_std=float(output.std()),
    )


class Recorder:
    """Collects per-layer statistics at every step of a training loop.

    It keeps each activation module's last input and output (no second forward
    pass); call ``record()`` after ``backward()``::

        recorder = mg.diagnostics.Recorder(model)
        for x, y in batches:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(); loss.backward()
            recorder.record()
            opt.step()
        recorder.close()

    ``saturated`` is the vocabulary's relative threshold: a fraction of each
    activation's peak derivative (``SATURATED``, a tenth, by default).

    ``history`` holds, per step, the ``LayerStats`` of each activation module
    and the ``ParameterGradient`` of each parameter; ``series(key)`` gives one
    statistic per layer over the steps, ready to plot.
    """

    def __init__(
        self,
        model: Any,
        saturated: float = SATURATED,
        vanishing: float = VANISHING,
        exploding: float = EXPLODING,
    ) -> None:
        self.model = model
        saturated = _check_saturated(saturated, "Recorder")
        self.thresholds = (saturated, vanishing, exploding)
        self._capture = _Capture(model)
        self.layers: list[dict[str, LayerStats]] = []
        self.parameters: list[list[ParameterGradient]] = []

    def record(self) -> dict[str, LayerStats]:
        saturated, vanishing, exploding = self.thresholds
        step = {}
        for name, module in self._capture.modules:
            calls = self._capture.calls[name]
            if calls:
                x, out = calls[-1]
                step[name] = _layer_stats(name, module, x, out, *self.thresholds)
        self.layers.append(step)
        self.parameters.append(gradient_flow(self.model, vanishing, exploding))
        return step

    def series(self, key: str) -> dict[str, np.ndarray]:
        """``{activation module name: values over steps}`` of a ``LayerStats`` field."""
        if key not in LayerStats.__dataclass_fields__:
            raise KeyError(f"series: unknown statistic {key!r}; use a LayerStats field")
        names = [name for name, _ in self._capture.modules]
        return {n: np.array([getattr(s[n], key) for s in self.layers if n in s]) for n in names}

    def parameter_series(self, key: str) -> dict[str, np.ndarray]:
        """``{parameter name: values over steps}`` of a ``ParameterGradient`` field."""
        if key not in ParameterGradient.__dataclass_fields__:
            raise KeyError(f"parameter_series: unknown statistic {key!r}")
        values: dict[str, list] = {}
        for step in self.parameters:
            for record in step:
                values.setdefault(record.name, []).append(getattr(record, key))
        return {name: np.array(v) for name, v in values.items()}

    def close(self) -> None:
        """Stop recording: the model's modules run as before."""
        self._capture.close()
        self._capture.calls = {name: [] for name in self._capture.calls}

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def __dir__() -> list[str]:
    # What a learner sees in dir(mg.diagnostics): this module's own functions,
    # classes and constants, not the names it imports (np, Any, dataclass).
    return sorted(
        name
        for name, value in globals().items()
        if not name.startswith("_")
        and (name.isupper() or getattr(value, "__module__", None) == __name__)
    )


__all__ = __dir__()
