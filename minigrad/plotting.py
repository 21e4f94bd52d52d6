"""Matplotlib pictures of gradient flow (matplotlib is imported only here, when used)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .diagnostics import ParameterGradient, Recorder, gradient_flow


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(8, 4))[1]


def plot_gradient_flow(model_or_records: Any, ax: Any = None, title: str = "Gradient flow") -> Any:
    """The familiar bar chart: mean and max |grad| of each parameter, on a log scale.

    Pass a model after ``backward()``, or the records of ``gradient_flow``.
    """
    records: list[ParameterGradient] = (
        gradient_flow(model_or_records)
        if hasattr(model_or_records, "named_parameters")
        else list(model_or_records)
    )
    ax = _axes(ax)
    names = [r.name for r in records]
    positions = np.arange(len(records))
    floor = 1e-12  # a log axis cannot show 0: dead gradients sit on the floor
    ax.bar(positions, [max(r.max_abs_grad, floor) for r in records], color="#56B4E9",
           label="max |grad|")  # fmt: skip
    ax.bar(positions, [max(r.mean_abs_grad, floor) for r in records], color="#0072B2",
           label="mean |grad|")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xticks(positions, names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("|gradient|")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_layer_series(
    recorder: Recorder, key: str = "mean_abs_grad", ax: Any = None, log: bool = True
) -> Any:
    """One line per layer: a ``Recorder`` statistic over the training steps."""
    ax = _axes(ax)
    for name, values in recorder.series(key).items():
        ax.plot(np.arange(len(values)), values, label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(key.replace("_", " "))
    ax.legend(fontsize=8)
    return ax
