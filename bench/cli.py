"""The command line: which workloads to run, the machine header and the table."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict

import numpy as np

from . import activations, chain, conv, digits, mlp
from .memory import in_fresh_process
from .timing import CONTENDERS, MINIGRAD, NUMPY, TORCH, Contender, RaceResult, Row, race

torch = None  # imported in main() unless --no-torch; the suite runs without it

PER_OP_OPS = 1_000
LONG_CHAIN_OPS = 100_000
# The smooth activations' tail-accurate derivatives cost a few NumPy passes more
# than the piecewise-linear ones: their target is looser.
ACTIVATION_LIMITS = {"sigmoid": 1.3, "tanh": 1.3, "gelu": 1.3, "silu": 1.3}


class Settings:
    def __init__(self, quick: bool) -> None:
        self.rounds = 5 if quick else 15
        self.sample_seconds = 0.02 if quick else 0.05
        self.contenders = [MINIGRAD, NUMPY] + ([TORCH] if torch is not None else [])


def settle_heap() -> None:
    """Allocate and free one 16 MB array before timing anything.

    glibc hands freed memory back to the OS when more than 128 KB lie free at the
    top of its heap (and maps blocks over 128 KB afresh each time), until it has
    seen a large block freed. Before that, a workload whose temporaries straddle
    the line pays page faults on every repeat (on the small MLP, ~70 a step,
    1.7x the time), and which contender pays depends on the order of allocations.
    Freeing one large block raises both thresholds, as in any process that has
    used a large array; elsewhere this is just a short-lived array.
    """
    block = np.ones(4 << 20, np.float32)
    del block


def _race(builders: dict[str, Callable], settings: Settings) -> RaceResult:
    contenders = [Contender(name, builders[name]) for name in settings.contenders]
    return race(contenders, settings.rounds, settings.sample_seconds)


def timed_row(workload: str, what: str, unit: str, result: RaceResult, factor: float,
              limit: float | None = None) -> Row:  # fmt: skip
    """A row of times (scaled to ``unit``) with their paired ratios."""
    values = _scaled(result.seconds, factor)
    return Row(workload, what, unit, values, limit, ratios=result.ratios)


# ---------------------------------------------------------------- workloads


def run_mlp(config: mlp.MLPConfig, limit: float, beat_torch: bool, settings: Settings) -> Row:
    steps = mlp.steps(config, settings.contenders)
    times = _race(steps, settings)
    row = timed_row(config.name, f"SGD step, {config.describe()}", "ms", times, 1e3, limit)
    if beat_torch and TORCH in times.ratios:
        below = times.ratios[MINIGRAD] < times.ratios[TORCH]
        row.extra_checks.append(("below PyTorch's ratio", below))
    return row


def run_conv(settings: Settings) -> Row:
    times = _race(conv.steps(settings.contenders), settings)
    return timed_row("conv-step", f"SGD step, {conv.DESCRIPTION}", "ms", times, 1e3)


def run_per_op(settings: Settings) -> Row:
    runs = chain.chains(PER_OP_OPS, settings.contenders)
    times = _race(runs, settings)
    what = f"per op, chain of {PER_OP_OPS:,} ops on 1 element, forward + backward"
    return timed_row("per-op", what, "us/op", times, 1e6 / PER_OP_OPS, 3.0)


def run_long_chain(settings: Settings) -> list[Row]:
    quick = Settings(quick=True)
    quick.contenders = settings.contenders
    quick.rounds = min(settings.rounds, 5)
    runs = chain.chains(LONG_CHAIN_OPS, settings.contenders)
    times = _race(runs, quick)
    what = f"chain of {LONG_CHAIN_OPS:,} ops, forward + backward"
    rows = [timed_row("chain", what, "ms", times, 1e3, 4.0)]
    peaks = {c: in_fresh_process("chain", c, LONG_CHAIN_OPS) for c in (MINIGRAD, NUMPY)}
    per_node = {c: peak / LONG_CHAIN_OPS for c, peak in peaks.items()}
    memory = Row("chain", "peak memory per op (graph node)", "bytes", {**per_node, TORCH: None})
    memory.extra_checks.append(("<= 800 B per node", per_node[MINIGRAD] <= 800))
    return rows + [memory]


def run_activations(settings: Settings) -> list[Row]:
    import minigrad as mg

    rows = []
    for name in mg.activations.names():
        if name not in activations.REFERENCE:
            print(f"  (skipping {name!r}: a user activation with no reference)")
            continue
        times = _race(activations.runs(name, settings.contenders), settings)
        what = f"{name}, forward + backward, 1024x1024"
        limit = ACTIVATION_LIMITS.get(name, 1.2)
        rows.append(timed_row("activations", what, "ms", times, 1e3, limit))
    return rows


def run_step_memory(settings: Settings) -> Row:
    peaks = {c: in_fresh_process("step", c) for c in (MINIGRAD, NUMPY)}
    what = f"peak memory of one SGD step, {mlp.LARGE.describe()}"
    return Row("step-memory", what, "MB", {**_scaled(peaks, 1e-6), TORCH: None}, 1.5)


def run_digits(settings: Settings) -> Row:
    contenders = [c for c in settings.contenders if c in digits.BUILDERS]
    rounds = 1 if settings.rounds < 15 else 3
    samples: dict[str, list[float]] = {c: [] for c in contenders}
    for r in range(rounds):  # alternate which engine goes first
        for c in contenders[r % 2 :] + contenders[: r % 2]:
            samples[c].append(digits.BUILDERS[c]())
    values = {c: statistics.median(times) for c, times in samples.items()}
    row = Row("digits-mlp", digits.DESCRIPTION, "s", {**values, NUMPY: None})
    if TORCH in values:
        row.extra_checks.append(("faster than PyTorch", values[MINIGRAD] < values[TORCH]))
    return row


def _scaled(values: dict[str, float], factor: float) -> dict[str, float]:
    return {name: value * factor for name, value in values.items()}


WORKLOADS: dict[str, Callable[[Settings], Row | list[Row]]] = {
    "mlp-small": lambda s: run_mlp(mlp.SMALL, 1.2, True, s),
    "mlp-small-f64": lambda s: run_mlp(mlp.SMALL64, 1.15, False, s),
    "mlp-large": lambda s: run_mlp(mlp.LARGE, 1.05, False, s),
    "per-op": run_per_op,
    "chain": run_long_chain,
    "activations": run_activations,
    "step-memory": run_step_memory,
    "conv-step": run_conv,
    "digits-mlp": run_digits,
}


# ------------------------------------------------------------------- output


def machine() -> list[str]:
    """Where and with what the numbers were measured."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = models[0] if models else cpu
    except OSError:
        pass
    threads = os.environ.get("OMP_NUM_THREADS", "?")
    lines = [
        f"date     {datetime.date.today().isoformat()}",
        f"machine  {os.cpu_count()} CPUs (nproc), {cpu}",
        f"python   {platform.python_version()}, numpy {np.__version__}, "
        f"torch {torch.__version__ if torch is not None else 'not used'}",
        f"threads  {threads} (OMP/OPENBLAS/MKL_NUM_THREADS"
        + (f", torch.set_num_threads({torch.get_num_threads()})" if torch is not None else "")
        + ")",
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"blas     {pool.get('internal_api')} {pool.get('version')}, "
                f"{pool.get('num_threads')} thread(s), core type {pool.get('architecture')}"
            )
    except ImportError:
        pass
    if hasattr(os, "getloadavg"):  # other work on the machine shows in the medians
        one, five, fifteen = os.getloadavg()
        lines.append(f"load     {one:.1f} {five:.1f} {fifteen:.1f} (1, 5, 15 min averages)")
    tuning = [
        f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ
    ]
    if tuning:
        lines.append(f"env      {' '.join(tuning)} (left as found)")
    return lines


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if value < 100 else f"{value:,.0f}"


def _ratio(value: float | None, spread: list[float] | None = None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" + (f" ({spread[0]:.2f}-{spread[1]:.2f})" if spread else "")


def table(rows: list[Row]) -> list[str]:
    header = ["workload", "what", "unit", "minigrad", "NumPy", "PyTorch", "mg/NumPy",
              "torch/NumPy", "target", "met"]  # fmt: skip
    body = []
    for row in rows:
        met = row.met()
        body.append([
            row.workload, row.what, row.unit,
            *(_number(row.values.get(c)) for c in CONTENDERS),
            _ratio(row.ratio(MINIGRAD), row.spread.get(MINIGRAD)),
            _ratio(row.ratio(TORCH), row.spread.get(TORCH)),
            row.target() or "-", "-" if met is None else ("yes" if met else "NO"),
        ])  # fmt: skip
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    fmt = lambda line: "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True))
    return [fmt(header), fmt(["-" * w for w in widths]), *map(fmt, body)]


def profile(settings: Settings, top: int = 15) -> None:
    """cProfile of minigrad's small-MLP step: where the engine spends its time."""
    import cProfile
    import pstats

    step = mlp.steps(mlp.SMALL, [MINIGRAD, NUMPY])[MINIGRAD]
    n = 200 if settings.rounds < 15 else 1000
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [step() for _ in range(n)])
    print(f"\ncProfile of {n} minigrad steps of mlp-small, top {top} by own time (tottime):")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)


def run_workloads(names: list[str], settings: Settings) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    failed = []
    for name in names:
        print(f"running {name} ...", flush=True)
        try:
            result = WORKLOADS[name](settings)
        except AssertionError as error:  # a cross-check failed: no timing is worth having
            print(f"  FAILED cross-check: {error}")
            failed.append(name)
            continue
        rows += result if isinstance(result, list) else [result]
    return rows, failed


def in_fresh_processes(argv: list[str], runs: int) -> tuple[list[Row], list[str]]:
    """Run the suite ``runs`` times, each in a fresh process, and take medians.

    A process has its own heap layout and its own luck with the machine's other
    load; the median over processes of each paired ratio is the number to trust.
    A check (like "below PyTorch's ratio") counts as met when most runs met it.
    """
    per_run: list[list[Row]] = []
    failed: set[str] = set()
    for i in range(runs):
        print(f"run {i + 1} of {runs} (a fresh process) ...", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "rows.json")
            done = subprocess.run(
                [sys.executable, "-m", "bench", *argv, "--runs", "1", "--json", path],
                capture_output=True, text=True, cwd=os.path.dirname(os.path.dirname(__file__)),
            )  # fmt: skip
            if not os.path.exists(path):
                print(done.stdout + done.stderr)
                raise SystemExit(f"run {i + 1} failed")
            with open(path) as f:
                saved = json.load(f)
        failed.update(saved["failed"])
        per_run.append([Row(**row) for row in saved["rows"]])
    return [_median_row([rows[i] for rows in per_run]) for i in range(len(per_run[0]))], sorted(
        failed
    )


def _without_runs(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if not skip and not arg.startswith("--runs"):
            kept.append(arg)
        skip = arg == "--runs"
    return kept


def _median_row(rows: list[Row]) -> Row:
    first = rows[0]
    values = {
        c: (statistics.median(vs) if (vs := [r.values[c] for r in rows if r.values.get(c)])
            else None)
        for c in first.values
    }  # fmt: skip
    ratios, spread = {}, {}
    for c in first.ratios:
        each = [r.ratios[c] for r in rows]
        ratios[c], spread[c] = statistics.median(each), [min(each), max(each)]
    checks = [
        (text, 2 * sum(r.extra_checks[i][1] for r in rows) > len(rows))
        for i, (text, _) in enumerate(first.extra_checks)
    ]
    return Row(first.workload, first.what, first.unit, values, first.limit, checks, ratios, spread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="minigrad against a hand-written NumPy reference (and PyTorch, if "
        "installed) on MLP steps, per-op overhead, long chains, activations and memory; "
        "see bench/README.md",
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds, shorter samples")
    parser.add_argument("--only", help=f"comma-separated workloads: {', '.join(WORKLOADS)}")
    parser.add_argument("--profile", action="store_true", help="cProfile the mlp-small step")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument(
        "--runs", type=int, help="fresh processes to take medians over (default 3; 1 with --quick)"
    )
    parser.add_argument("--json", help=argparse.SUPPRESS)  # where a run of --runs saves its rows
    args = parser.parse_args(argv)
    names = list(WORKLOADS) if not args.only else [n.strip() for n in args.only.split(",")]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(WORKLOADS)}")
    runs = args.runs if args.runs is not None else (1 if args.quick else 3)
    if runs < 1:
        parser.error("--runs must be at least 1")
    global torch
    if not args.no_torch:
        try:
            import torch
        except ImportError:  # its column stays empty
            torch = None
    if torch is not None:
        torch.set_num_threads(args.threads)
    settings = Settings(args.quick)
    settle_heap()
    if args.json is None:
        print("\n".join(machine()))
        print(f"rounds   {settings.rounds} interleaved in each of {runs} process(es); "
              "ratios are medians of per-round paired ratios, then of the processes\n")  # fmt: skip

    if runs > 1:
        rows, failed = in_fresh_processes(_without_runs(argv or sys.argv[1:]), runs)
    else:
        rows, failed = run_workloads(names, settings)
    if args.json is not None:
        with open(args.json, "w") as f:
            json.dump({"rows": [asdict(row) for row in rows], "failed": failed}, f)
        return 1 if failed else 0
    print()
    print("\n".join(table(rows)))
    if failed:  # their rows are missing from the table: say so
        print(f"\nFAILED cross-check (no timing shown): {', '.join(failed)}")
    if args.profile:
        profile(settings)
    return 1 if failed else 0
