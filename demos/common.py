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
    figures: list[tuple[str, str]] = field(default_factory=list)  # (file, caption)
    graphs: list[tuple[str, str]] = field(default_factory=list)  # (file, caption)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def report(self, key: str, value: Any, text: str | None = None) -> Any:
        """Record a measured number (or small table) and print it."""
        self.numbers[key] = value
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
    desc: str = "epochs",
) -> int:
    """The everyday training loop: minibatches, cross-entropy, one optimizer step
    each. Returns the number of steps taken."""
    import minigrad as mg
    from minigrad.nn import functional as F

    steps = 0
    for _ in progress(range(epochs), desc=desc):
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
) -> None:
    """Train a classifier with ``fit`` and report its accuracies and speed."""
    import time

    import minigrad as mg

    X_train, y_train, X_test, y_test = data
    start = time.perf_counter()
    steps = fit(model, opt, X_train, y_train, epochs, batch_size=batch_size, rng=rng)
    seconds = time.perf_counter() - start
    with mg.no_grad():
        result.report("train_accuracy", mg.data.accuracy(model(X_train), y_train), "train accuracy")
        result.report("test_accuracy", mg.data.accuracy(model(X_test), y_test), "test accuracy")
    result.report("steps", steps, "training steps")
    result.report("train_seconds", seconds, "training time (s)")
    result.report("ms_per_step", 1000 * seconds / steps, f"time per step, batch {batch_size} (ms)")


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
