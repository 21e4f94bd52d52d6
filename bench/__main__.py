"""``python -m bench [--quick] [--only NAME[,NAME]] [--profile] [--threads N]``.

The BLAS and OpenMP thread counts are read once, when NumPy (or PyTorch) is
first imported, so they are set here, before any import that could load it.
"""

import os
import sys


def _threads(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads(sys.argv[1:])

from .cli import main  # noqa: E402  (after the thread counts are fixed)

sys.exit(main())
