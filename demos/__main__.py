"""Run every demo and write the report: ``python -m demos [--quick] [--seed N] [--out DIR]``.

Demos are independent, so they run in parallel processes (``--jobs``, by
default one per core); each writes its figures and a JSON record into the
output folder, and the report is assembled from those.

Each demo's printed lines are kept in its worker and printed whole, under the
demo's own ``== <title>`` header and in lesson order, as soon as it and every
demo before it have finished: two processes never interleave their lines.
One overall progress bar counts finished demos; the demos' own training bars
appear only on a terminal, one screen line per worker.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import demos.common
from demos import DEMOS
from demos.common import DEFAULT_OUT, Result, one_blas_thread, setup_matplotlib
from demos.report import write_report

Outcome = tuple[Result | None, str, float, float]  # result, output, wall and CPU seconds


def run_one(name: str, quick: bool, seed: int, out: Path) -> Outcome:
    """Run one demo with its printed output captured: ``(result, output, wall
    seconds, CPU seconds)``. The CPU time is this process's own, so it hardly
    depends on what else the machine is doing; the wall time does.

    A demo that fails returns ``None`` and its traceback as the end of its output,
    so the lines it printed before failing are not lost.
    """
    setup_matplotlib()
    buffer = io.StringIO()
    start, cpu_start = time.perf_counter(), time.process_time()
    result = None
    with contextlib.redirect_stdout(buffer):
        try:
            module = importlib.import_module(f"demos.{name}")
            with one_blas_thread():
                result = module.run(quick=quick, seed=seed, out=out)
            result.seconds = time.perf_counter() - start
            result.save()
        except Exception:
            traceback.print_exc(file=buffer)
            result = None
    cpu = time.process_time() - cpu_start
    return result, buffer.getvalue(), time.perf_counter() - start, cpu


def _take_bar_line(counter: Any) -> None:
    # Worker k draws its demos' bars on screen line k + 1; line 0 is the overall bar.
    with counter.get_lock():
        counter.value += 1
        demos.common.BAR_POSITION = counter.value


def _overall_bar(total: int) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="demos", unit="demo", disable=None)  # None: a terminal only


def _title(name: str) -> str:
    return importlib.import_module(f"demos.{name}").TITLE


def _print_block(name: str, outcome: Outcome, write: Callable[[str], None]) -> None:
    _, output, seconds, cpu = outcome
    write(f"\n== {_title(name)}\n{output.rstrip()}\n  ({name}: {seconds:.1f} s, CPU {cpu:.1f} s)")


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(prog="python -m demos", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for tests")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--only", nargs="*", choices=DEMOS, help="run only these demos")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    args.out.mkdir(parents=True, exist_ok=True)
    names = [n for n in DEMOS if n in args.only] if args.only else list(DEMOS)

    bar = _overall_bar(len(names))
    write = bar.write if bar is not None else print
    done: dict[int, Outcome] = {}
    shown = 0  # the demos before this index have been printed

    def finished(index: int, outcome: Outcome) -> None:
        nonlocal shown
        done[index] = outcome
        if bar is not None:
            bar.update(1)
        while shown in done:  # print in lesson order, as soon as the order allows
            _print_block(names[shown], done[shown], write)
            sys.stdout.flush()
            shown += 1

    start = time.perf_counter()
    if args.jobs > 1 and len(names) > 1:
        counter = multiprocessing.Value("i", 0)
        workers = min(args.jobs, len(names))
        with ProcessPoolExecutor(workers, initializer=_take_bar_line, initargs=(counter,)) as pool:
            futures = {
                pool.submit(run_one, n, args.quick, args.seed, args.out): i
                for i, n in enumerate(names)
            }
            for future in as_completed(futures):
                finished(futures[future], future.result())
    else:
        demos.common.BAR_POSITION = 1
        for i, n in enumerate(names):
            finished(i, run_one(n, args.quick, args.seed, args.out))
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()

    results = [done[i][0] for i in range(len(names))]
    failed = [n for n, r in zip(names, results, strict=True) if r is None]
    ok = [r for r in results if r is not None]
    report = write_report(ok, args.out, seconds, args.quick)
    cpu = sum(outcome[3] for outcome in done.values())
    print("\nTime per demo (wall clock, and CPU time of its process):")
    for i, n in enumerate(names):
        print(f"  {n:<22} {done[i][2]:7.1f} s   CPU {done[i][3]:7.1f} s")
    workers = min(args.jobs, len(names))
    print(f"  {'total':<22} {seconds:7.1f} s   CPU {cpu:7.1f} s, {workers} process(es)")
    print(f"\n{len(ok)} demos in {seconds:.0f} s. Open the report: {report.resolve()}")
    if failed:
        raise SystemExit(f"these demos failed (their tracebacks are above): {', '.join(failed)}")
    return ok


if __name__ == "__main__":
    main()
