"""The generator behind ``randn`` and every layer's initialisation.

One module-level ``np.random.Generator``: ``manual_seed`` replaces it, so a
seeded run is repeatable without passing ``rng`` everywhere.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the default generator; returns it."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be >= 0, got {seed}")
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The generator used when no ``rng`` is given."""
    return _generator
