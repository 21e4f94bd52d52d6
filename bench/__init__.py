"""minigrad's benchmark suite: ``python -m bench`` (see bench/README.md).

Each workload runs with minigrad, with a hand-written NumPy reference (the same
arithmetic, no graph) and, when it is installed, with PyTorch on the CPU. This
file imports nothing: ``__main__`` must fix the thread counts before NumPy loads.
"""
