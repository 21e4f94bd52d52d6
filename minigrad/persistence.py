"""``mg.save`` and ``mg.load``: state dicts in NumPy's own file format.

A state dict (a model's or an optimizer's) is a flat ``name -> array`` dict,
written with ``np.savez`` and read back with ``allow_pickle=False``: loading
weights never unpickles, so never runs, code from the file. (Whole objects,
models and optimizers, can be pickled too; but a pickle from an untrusted
source can run anything.)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import validation


def save(state_dict: dict[str, Any], path: str | os.PathLike) -> None:
    """Write ``state_dict`` (name -> array) to ``path``, as an ``.npz`` archive.

    Everything is checked before the file is opened: keys must be strings and
    values real numbers.
    """
    if not isinstance(state_dict, dict):
        raise TypeError(f"save: state_dict must be a dict, got {type(state_dict).__name__}")
    arrays = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"save: every key must be a string, got {key!r}")
        arrays[key] = np.asarray(validation.real_array(value, "save", repr(key)))
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"save: path must be a string or a path, got {type(path).__name__}")
    # A file object, so that NumPy writes exactly `path` (it would append .npz to a name).
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a state dict written by ``save``: name -> array, for ``load_state_dict``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load: path must be a string or a path, got {type(path).__name__}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except ValueError as error:  # an object array in the file, or not an archive
        raise ValueError(
            f"load: {path!s} is not a state dict written by mg.save: {error}"
        ) from None
    except AttributeError:  # a single .npy array has no .files
        raise ValueError(
            f"load: {path!s} holds one array, not a state dict written by mg.save"
        ) from None
