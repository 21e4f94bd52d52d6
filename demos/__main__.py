"""Run every demo and write the report: ``python -m demos [--quick] [--seed N] [--out DIR]``.

Demos are independent, so they run in parallel processes (``--jobs``, by
default one per core); each writes its figures and a JSON record into the
output folder, and the report is assembled from those.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from demos import DEMOS
from demos.common import DEFAULT_OUT, Result, one_blas_thread, setup_matplotlib
from demos.report import write_report


def run_one(name: str, quick: bool, seed: int, out: Path) -> Result:
    setup_matplotlib()
    module = importlib.import_module(f"demos.{name}")
    print(f"\n== {module.TITLE}")
    start = time.perf_counter()
    with one_blas_thread():
        result = module.run(quick=quick, seed=seed, out=out)
    result.seconds = time.perf_counter() - start
    result.save()
    return result


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for tests")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--only", nargs="*", choices=DEMOS, help="run only these demos")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    names = args.only or DEMOS

    start = time.perf_counter()
    if args.jobs > 1 and len(names) > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_one, n, args.quick, args.seed, args.out) for n in names]
            results = [f.result() for f in futures]
    else:
        results = [run_one(n, args.quick, args.seed, args.out) for n in names]
    seconds = time.perf_counter() - start
    report = write_report(results, args.out, seconds, args.quick)
    print(f"\n{len(results)} demos in {seconds:.0f} s. Open the report: {report.resolve()}")
    return results


if __name__ == "__main__":
    main()
