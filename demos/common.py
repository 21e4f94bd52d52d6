"""What every demo shares: options, progress bars, figures, graph renders, the result record.

A demo module defines ``TITLE``, ``CLAIM`` (the lesson as the literature
states it, with its source) and ``run(quick, seed, out) -> Result``. The
``Result`` holds the numbers the demo measured (its test asserts on them),
the figures and graph renders it wrote, and notes that compare the
measurement with the claim; the report is built from it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_OUT = Path("demo-output")


@dataclass
class Result:
    """What a demo measured: numbers for tests and the report, files it wrote."""

    name: str
    title: str
    claim: str
    out: Path = DEFAULT_OUT
    numbers: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # key -> words for the report
    figures: list[tuple[str, str]] = field(default_factory=list)  # (file, caption)
    graphs: list[tuple[str, str]] = field(default_factory=list)  # (file, caption)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def report(self, key: str, value: Any, text: str | None = None) -> Any:
        """Record a measured number (or small table) and print it.

        ``key`` names it in the JSON record and for tests; ``text`` is what the
        console and the report call it, in words with units.
        """
        self.numbers[key] = value
        if text is not None:
            self.labels[key] = text
        print(f"  {text or key}: {format_value(value)}")
        return value

    def note(self, text: str) -> None:
        """A sentence for the report: what the measurement says about the claim."""
        self.notes.append(text)
        print(f"  note: {text}")

    def figure(self, fig: Any, filename: str, caption: str) -> Path:
        """Save a matplotlib figure as PNG next to the report and close it."""
        import matplotlib.pyplot as plt

        path = self.out / filename
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.figures.append((filename, caption))
        print(f"  figure: {path}")
        return path

    def graph(self, digraph: Any, stem: str, caption: str) -> Path:
        """Save a computation-graph render: SVG when Graphviz's ``dot`` is
        installed, the DOT text otherwise."""
        if shutil.which("dot"):
            path = Path(digraph.render(self.out / stem, format="svg", cleanup=True))
        else:
            path = self.out / f"{stem}.dot"
            path.write_text(digraph.source, encoding="utf-8")
            print("  graph not drawn: Graphviz's dot program is not installed (see the README)")
        self.graphs.append((path.name, caption))
        print(f"  graph: {path}")
        return path

    def save(self) -> Path:
        path = self.out / f"{self.name}.json"
        record = asdict(self)
        record["out"] = str(self.out)
        path.write_text(json.dumps(record, indent=2, default=_json_default), encoding="utf-8")
        return path


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


# The screen line of this process's progress bars: the demo runner gives each
# worker its own line below its overall bar, so parallel bars do not overwrite
# each other.
BAR_POSITION = 0


def progress(items: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """A progress bar over a training loop (tqdm when installed), shown only when
    stderr is a terminal: in a log file, bars would be a wall of carriage returns."""
    try:
        from tqdm import tqdm
    except ImportError:
        return iter(items)
    if not sys.stderr.isatty():
        return iter(items)
    bar = tqdm(items, desc=desc, total=total, leave=False, mininterval=0.5, position=BAR_POSITION)
    return iter(bar)


def fit(
    model: Any,
    opt: Any,
    X: Any,
    y: Any,
    epochs: int,
    batch_size: int,
    rng: Any,
    desc: str | None = "epochs",
) -> int:
    """The everyday training loop: minibatches, cross-entropy, one optimizer step
    each. Returns the number of steps taken. ``desc=None``: no progress bar."""
    import minigrad as mg
    from minigrad.nn import functional as F

    steps = 0
    for _ in range(epochs) if desc is None else progress(range(epochs), desc=desc):
        for xb, yb in mg.data.batches(X, y, batch_size=batch_size, rng=rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
    return steps


def one_blas_thread() -> contextlib.AbstractContextManager:
    """Run NumPy's matrix products on one thread inside the ``with`` block.

    The demos' matrices are small: BLAS threads gain nothing there, and when
    processes share the cores (``python -m demos`` runs one demo per core) the
    waiting threads made single training steps up to 100x slower.
    threadpoolctl comes with scikit-learn; without it, NumPy runs as set up.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def fit_and_report(
    result: Result,
    model: Any,
    opt: Any,
    data: tuple[Any, Any, Any, Any],
    epochs: int,
    rng: Any,
    batch_size: int = 32,
    curves: bool = False,
) -> dict[str, list[float]]:
    """Train a classifier with ``fit`` and report its accuracies and speed.

    With ``curves=True`` the model is also evaluated after every epoch (outside
    the timed training), and the learning curves are returned: the training
    loss and the training and test accuracies, one value per epoch.
    """
    import time

    import minigrad as mg
    from minigrad.nn import functional as F

    X_train, y_train, X_test, y_test = data
    history: dict[str, list[float]] = {"loss": [], "train_accuracy": [], "test_accuracy": []}
    seconds, steps = 0.0, 0
    # With curves: one epoch at a time, evaluated between them; else all in one go.
    for _ in progress(range(epochs), desc="epochs") if curves else range(1):
        start = time.perf_counter()
        n = 1 if curves else epochs
        steps += fit(model, opt, X_train, y_train, n, batch_size, rng, None if curves else "epochs")
        seconds += time.perf_counter() - start
        if curves:
            with mg.no_grad():
                logits = model(X_train)
                history["loss"].append(F.cross_entropy(logits, y_train).item())
                history["train_accuracy"].append(mg.data.accuracy(logits, y_train))
                history["test_accuracy"].append(mg.data.accuracy(model(X_test), y_test))
    with mg.no_grad():
        result.report("train_accuracy", mg.data.accuracy(model(X_train), y_train), "train accuracy")
        result.report("test_accuracy", mg.data.accuracy(model(X_test), y_test), "test accuracy")
    result.report("steps", steps, "training steps")
    result.report("train_seconds", seconds, "training time (s)")
    result.report("ms_per_step", 1000 * seconds / steps, f"time per step, batch {batch_size} (ms)")
    return history


def setup_matplotlib() -> None:
    """Draw without a screen (figures go to files)."""
    import matplotlib

    matplotlib.use("Agg")


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, for tests")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    return parser.parse_args(argv)


def main_for(run: Callable[..., Result], description: str, argv: list[str] | None = None) -> Result:
    """The body of a demo's ``python -m demos.NAME``."""
    args = parse_args(description, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    setup_matplotlib()
    with one_blas_thread():
        result = run(quick=args.quick, seed=args.seed, out=args.out)
    result.save()
    print(f"results: {args.out / (result.name + '.json')}")
    return result


# ------------------------------------------------ figures several lessons draw

# Colour-blind safe (Okabe-Ito), with a marker each so colour is never the only cue.
CLASS_COLOURS = ["#E69F00", "#56B4E9", "#009E73"]
CLASS_MARKERS = ["o", "s", "^"]


def grid(X: Any, steps: int = 200) -> tuple[Any, Any, Any]:
    """A square grid of points around the data, for drawing decision regions."""
    import numpy as np

    pad = 0.25 * (X.max(0) - X.min(0)) + 0.1
    lo, hi = X.min(0) - pad, X.max(0) + pad
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def draw_regions(ax: Any, predict: Callable[[Any], Any], X: Any, y: Any, title: str) -> None:
    """Colour the plane by predicted class and draw the training points on top."""
    import numpy as np
    from matplotlib.colors import ListedColormap

    xx, yy, points = grid(X)
    classes = int(y.max()) + 1
    regions = predict(points).argmax(1).reshape(xx.shape)
    levels = np.arange(classes + 1) - 0.5
    ax.contourf(
        xx, yy, regions, levels=levels, cmap=ListedColormap(CLASS_COLOURS[:classes]), alpha=0.3
    )
    ax.contour(xx, yy, regions, levels=levels[1:-1], colors="k", linewidths=0.8)
    big = 120 if len(X) < 10 else 18  # XOR has four points: make them visible
    for k in range(classes):
        ax.scatter(
            *X[y == k].T,
            s=big,
            c=CLASS_COLOURS[k],
            marker=CLASS_MARKERS[k],
            edgecolors="k",
            linewidths=0.5,
            label=f"class {k}",
        )
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal", adjustable="box")
