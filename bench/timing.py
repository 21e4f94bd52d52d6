"""Interleaved timing and the result rows every workload reports.

All contenders of a workload run in one process, in rounds: each round times
every contender once, starting with a different one each time, so a change in
the machine's speed during the run (other load, clock frequency) falls on all
of them alike. A contender's time is the median over the rounds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

MINIGRAD, NUMPY, TORCH = "minigrad", "numpy", "torch"
CONTENDERS = (MINIGRAD, NUMPY, TORCH)


@dataclass
class Contender:
    """One implementation of a workload: ``run()`` does one unit of work."""

    name: str
    run: Callable[[], object]


def _calls_per_sample(run: Callable[[], object], seconds: float) -> int:
    """How many calls make one sample last about ``seconds`` (after a warm-up)."""
    run()
    start = time.perf_counter()
    run()
    once = time.perf_counter() - start
    return max(1, round(seconds / max(once, 1e-9)))


@dataclass
class RaceResult:
    """Median seconds per call, and median per-round ratio to the reference."""

    seconds: dict[str, float]
    ratios: dict[str, float]


def race(contenders: list[Contender], rounds: int, sample_seconds: float) -> RaceResult:
    """Time each contender over ``rounds`` interleaved rounds (see the module's doc)."""
    calls = {c.name: _calls_per_sample(c.run, sample_seconds) for c in contenders}
    samples: dict[str, list[float]] = {c.name: [] for c in contenders}
    for r in range(rounds):
        first = r % len(contenders)
        for c in contenders[first:] + contenders[:first]:
            n = calls[c.name]
            run = c.run
            start = time.perf_counter()
            for _ in range(n):
                run()
            samples[c.name].append((time.perf_counter() - start) / n)
    seconds = {name: statistics.median(times) for name, times in samples.items()}
    ratios = {}
    if NUMPY in samples:
        reference = samples[NUMPY]
        for name, times in samples.items():
            paired = [t / r for t, r in zip(times, reference, strict=True)]
            ratios[name] = statistics.median(paired)
    return RaceResult(seconds, ratios)


def agree(got, want, rtol: float, what: str, scale: float | None = None) -> None:
    """Raise ``AssertionError`` unless ``got`` matches ``want`` to ``rtol``.

    The absolute tolerance scales with the values (``rtol`` times ``scale``,
    by default the largest |want|): an element near zero in a float32 weight
    matrix carries the rounding error of its larger neighbours, and a fixed
    atol fails as soon as the BLAS kernel sums in another order.
    """
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {got.shape}, the reference's {want.shape}")
    if scale is None:
        scale = float(np.max(np.abs(want))) if want.size else 0.0
    if not np.allclose(got, want, rtol=rtol, atol=rtol * scale):
        worst = float(np.max(np.abs(got - want)))
        raise AssertionError(
            f"{what} differs from the reference's (max |difference| {worst:.3g}, "
            f"tolerance {rtol:g} relative, {rtol * scale:.3g} absolute)"
        )


@dataclass
class Row:
    """One line of the results table.

    ``values`` maps a contender to its result in ``unit`` (``None``: not run);
    ``ratios`` its paired ratio to the NumPy reference, where the values were
    timed in rounds (otherwise the ratio is of the values themselves).
    ``limit`` is the target for minigrad's ratio to the NumPy reference;
    ``extra_check`` an additional target, as (description, passed).
    """

    workload: str
    what: str
    unit: str
    values: dict[str, float | None]
    limit: float | None = None
    extra_checks: list[tuple[str, bool]] = field(default_factory=list)
    ratios: dict[str, float] = field(default_factory=dict)
    spread: dict[str, list[float]] = field(default_factory=dict)  # ratio's range over runs

    def ratio(self, name: str) -> float | None:
        if name in self.ratios:
            return self.ratios[name]
        value, reference = self.values.get(name), self.values.get(NUMPY)
        if value is None or not reference:
            return None
        return value / reference

    def target(self) -> str:
        parts = [f"<= {self.limit:g}x"] if self.limit is not None else []
        return "; ".join(parts + [text for text, _ in self.extra_checks])

    def met(self) -> bool | None:
        checks = [ok for _, ok in self.extra_checks]
        ratio = self.ratio(MINIGRAD)
        if self.limit is not None and ratio is not None:
            checks.append(ratio <= self.limit)
        return all(checks) if checks else None
