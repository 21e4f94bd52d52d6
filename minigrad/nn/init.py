"""Weight initialisations: how big the starting weights are, and why.

Each one is a function ``init(shape, rng) -> array``, the same signature a
user's own initialisation takes. A weight has PyTorch's layout ``(out, in,
*kernel)``; ``fans`` gives its fan-in and fan-out the way PyTorch does, so a
convolution's weight is initialised by the same functions as a Linear's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..rng import default_generator
from ..tensor import get_default_dtype

InitFn = Callable[[tuple[int, ...], np.random.Generator], np.ndarray]
Init = str | InitFn


def fans(shape: Sequence[int]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``.

    A unit sums ``in * prod(kernel)`` inputs (its fan-in) and each input
    reaches ``out * prod(kernel)`` units (its fan-out).
    """
    if len(shape) < 2:
        raise ValueError(
            f"fans: a weight needs at least two axes (out, in, *kernel), got shape {tuple(shape)}"
        )
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def he(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """N(0, 2 / fan_in) (He et al. 2015): a ReLU zeroes half of its inputs, so
    twice the variance keeps the activations' scale constant from layer to layer."""
    fan_in, _ = fans(shape)
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)


def xavier(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """U[-b, b] with b = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010): variance
    2 / (fan_in + fan_out), a compromise that keeps both the forward activations and
    the backward gradients at scale for tanh-like units."""
    fan_in, fan_out = fans(shape)
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=shape)


def lecun(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """N(0, 1 / fan_in) (LeCun et al. 1998): a sum of fan_in unit-variance inputs
    keeps unit variance."""
    fan_in, _ = fans(shape)
    return rng.normal(0.0, math.sqrt(1.0 / fan_in), size=shape)


def standard(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """U[-1/sqrt(fan_in), 1/sqrt(fan_in)], the "standard" initialisation that
    Glorot & Bengio 2010 compare against: variance 1 / (3 fan_in), which shrinks
    the signal layer by layer."""
    fan_in, _ = fans(shape)
    bound = 1.0 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape)


INITS: dict[str, InitFn] = {"he": he, "xavier": xavier, "lecun": lecun, "standard": standard}


def names() -> list[str]:
    """The named initialisations."""
    return list(INITS)


def initial_weight(
    init: Init,
    shape: Sequence[int],
    rng: np.random.Generator | None = None,
    dtype: Any = None,
) -> np.ndarray:
    """A new weight array of ``shape``, drawn by ``init`` (a name or a function).

    ``rng`` defaults to the generator seeded by ``mg.manual_seed``; ``dtype``
    to ``mg.get_default_dtype()``.
    """
    shape = tuple(int(n) for n in shape)
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(
                f"unknown init {init!r}; known inits: {', '.join(INITS)}, "
                "or a function init(shape, rng) -> array"
            )
        fn = INITS[init]
    elif callable(init):
        fn = init
    else:
        raise TypeError(
            f"init must be one of {', '.join(INITS)} or a function init(shape, rng) -> array, "
            f"got {type(init).__name__}"
        )
    # np.array copies: a user's init may return an array it keeps (or hands out twice).
    weight = np.array(fn(shape, rng or default_generator()), dtype=dtype or get_default_dtype())
    if weight.shape != shape:
        raise ValueError(
            f"init {getattr(fn, '__name__', fn)!r} returned an array of shape {weight.shape}, "
            f"but a weight of shape {shape} was asked for"
        )
    return weight
