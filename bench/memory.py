"""Peak memory, each measurement in a fresh Python process.

A fresh process counts nothing left over from other workloads. The measure is
``tracemalloc``'s peak: every Python object and every NumPy array allocated
after the start of the measured work and alive at the same time. (PyTorch
allocates outside of Python's allocator, so it is not measured this way.)

Run as ``python -m bench.memory KIND CONTENDER [N]``; it prints the bytes.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def peak_bytes(work) -> int:
    """tracemalloc's peak while ``work()`` runs: what it allocates and holds at once."""
    gc.collect()
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def step_peak_bytes(contender: str) -> int:
    """One training step of workload 2, from a freshly built model and optimizer:
    the peak of what the step allocates (its growth over the state before it)."""
    from .mlp import BUILDERS, LARGE, problem

    x, labels, weights = problem(LARGE)
    step, _ = BUILDERS[contender](LARGE, x, labels, weights)
    return peak_bytes(step)


def chain_peak_bytes(contender: str, n_ops: int) -> int:
    """One forward and backward pass through an ``n_ops`` chain."""
    from .chain import BUILDERS

    return peak_bytes(BUILDERS[contender](n_ops))


def in_fresh_process(kind: str, contender: str, *args: object) -> int:
    """Run one measurement in a new interpreter (same thread settings) and
    return its bytes."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "bench.memory", kind, contender, *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    if done.returncode:
        raise RuntimeError(f"memory measurement {kind} {contender} failed:\n{done.stderr}")
    return int(done.stdout.split()[-1])


def main(argv: list[str]) -> None:
    kind, contender, *rest = argv
    if kind == "step":
        print(step_peak_bytes(contender))
    elif kind == "chain":
        print(chain_peak_bytes(contender, int(rest[0])))
    else:
        raise SystemExit(f"unknown measurement {kind!r}: use step or chain")


if __name__ == "__main__":
    main(sys.argv[1:])
