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


def race(contenders: list[Contender], rounds: int, sample_seconds: float) -> dict[str, float]:
    """Median seconds per call of each contender, over ``rounds`` interleaved rounds."""
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
    return {name: statistics.median(times) for name, times in samples.items()}


@dataclass
class Row:
    """One line of the results table.

    ``values`` maps a contender to its result in ``unit`` (``None``: not run).
    ``limit`` is the target for minigrad's ratio to the NumPy reference;
    ``extra_check`` an additional target, as (description, passed).
    """

    workload: str
    what: str
    unit: str
    values: dict[str, float | None]
    limit: float | None = None
    extra_checks: list[tuple[str, bool]] = field(default_factory=list)

    def ratio(self, name: str) -> float | None:
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
