"""Argument checks at the public boundary, each written once.

Every op, factory, layer and optimizer calls these instead of checking case
by case, so a bad argument always gets the same kind of error: it names the
function and the argument and says what was expected.

- ``real_array``: data must be real numbers. ``None``, strings, complex and
  object arrays raise ``TypeError``; they never become NaN and never lose an
  imaginary part.
- ``integer``, ``axes``, ``sizes``: sizes, axes and counts are Python or
  NumPy integers (a float, string or bool raises ``TypeError``, as in NumPy
  and PyTorch); an axis out of range raises ``ValueError``.
- ``refuse``: the "check everything, then change" pattern. A function that
  changes state gathers every problem first and raises them together, before
  it has changed anything.

Each check costs one call per argument, never a pass over the elements
(except that the dtype of list data is known only once it is converted).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

# ------------------------------------------------------------------ data

_REAL_KINDS = frozenset("fiub")  # float, signed and unsigned integer, bool


def real_array(data: Any, where: Any, arg: str = "", dtype: Any = None) -> np.ndarray:
    """``data`` as a NumPy array of real numbers, else ``TypeError``.

    A float ndarray (the usual case) is returned as it is, with no copy.
    ``where`` names the function; it may be a callable that returns
    ``(function, argument)``, run only when there is an error to report.
    """
    if type(data) is np.ndarray and data.dtype.kind == "f" and dtype is None:
        return data
    try:
        return _real_array(data, "", "", dtype)
    except (TypeError, ValueError) as error:
        if callable(where):
            where, arg = where()
        raise type(error)(f"{where}: {arg} {error}") from None


def _real_array(data: Any, where: str, arg: str, dtype: Any = None) -> np.ndarray:
    if data is None or isinstance(data, (str, bytes, dict, set)):
        raise TypeError(
            f"must be real numbers (a number, nested list or array), got {type(data).__name__}"
        )
    if isinstance(data, complex) or isinstance(data, np.complexfloating):
        raise TypeError(f"must be real, got the complex number {data!r}")
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(f"is not a rectangular array of numbers: {error}") from None
    if array.dtype.kind not in _REAL_KINDS:
        what = "complex" if array.dtype.kind == "c" else f"dtype {array.dtype}"
        raise TypeError(
            f"must be real numbers, got {what} data"
            + (" (it holds None or non-numbers)" if array.dtype.kind == "O" else "")
        )
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array


def real_scalar(value: Any, where: str, arg: str) -> float:
    """A real number (Python or NumPy, not bool), else ``TypeError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {arg} must be a real number, got {value!r}")
    return float(value)


# ------------------------------------------------- sizes, axes and counts


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(value: Any, where: str, arg: str, low: int | None = None) -> int:
    """A Python or NumPy integer (at least ``low``), else ``TypeError`` / ``ValueError``."""
    expected = "a positive integer" if low == 1 else "an integer"
    if not _is_int(value):
        raise TypeError(f"{where}: {arg} must be {expected}, got {type(value).__name__} {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{where}: {arg} must be {expected} (>= {low}), got {value}")
    return value


def integer_or_none(axis: Any, where: str, ndim: int) -> int | None:
    """One axis or ``None`` (as ``argmax`` takes), checked against ``ndim``."""
    if axis is None:
        return None
    axis = integer(axis, where, "axis")
    _in_range(axis, ndim, where)
    return axis


def sizes(shape: tuple, where: str, arg: str = "") -> tuple[int, ...]:
    """Sizes given as ints or as one sequence of ints: ``f(2, 3)`` or ``f((2, 3))``.

    Only integers; ``-1`` is left for ``reshape`` to read.
    """
    arg = arg or ("axes" if where == "transpose" else "shape")
    if len(shape) == 1 and not _is_int(shape[0]):
        inner = shape[0]
        if isinstance(inner, (str, bytes)) or not isinstance(inner, Iterable):
            raise TypeError(
                f"{where}: {arg} must be integers or one tuple of integers, got {inner!r}"
            )
        shape = tuple(inner)
    for n in shape:
        if not _is_int(n):
            raise TypeError(
                f"{where}: {arg} must be integers, got {type(n).__name__} {n!r} in {shape!r}"
            )
    return tuple([int(n) for n in shape])


def axes(axis: Any, ndim: int | None, where: str) -> int | tuple[int, ...] | None:
    """``None``, one axis or a tuple of distinct axes, each in ``[-ndim, ndim)``.

    The axes are returned as given (not wrapped), so that NumPy reads them as
    the user wrote them. With ``ndim=None`` only the types are checked (the op
    itself then refuses an axis out of range, naming itself).
    """
    if axis is None:
        return None
    if _is_int(axis):
        if ndim is not None:
            _in_range(int(axis), ndim, where)
        return int(axis)
    if isinstance(axis, (str, bytes)) or not isinstance(axis, Iterable):
        raise TypeError(
            f"{where}: axis must be None, an integer or a tuple of integers, "
            f"got {type(axis).__name__} {axis!r}"
        )
    found = tuple(axis)
    for a in found:
        if not _is_int(a):
            raise TypeError(
                f"{where}: axis must be integers, got {type(a).__name__} {a!r} in {axis!r}"
            )
        if ndim is not None:
            _in_range(int(a), ndim, where)
    if ndim is not None and len({int(a) % max(ndim, 1) for a in found}) != len(found):
        raise ValueError(f"{where}: axis {axis!r} repeats an axis")
    return tuple([int(a) for a in found])


def _in_range(axis: int, ndim: int, where: str) -> None:
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(
            f"{where}: axis {axis} is out of range for a tensor with {ndim} dimension(s)"
        )


def index(part: Any, where: str = "getitem") -> Any:
    """An index part as NumPy reads it; a float array or Tensor raises ``IndexError``."""
    kind = type(part)
    if kind is int or kind is slice:
        return part
    if isinstance(part, np.ndarray) and part.dtype.kind not in "iub":
        raise IndexError(
            f"{where}: only integers, slices, None, Ellipsis, integer or boolean arrays "
            f"are valid indices, got an array of dtype {part.dtype}"
        )
    if isinstance(part, (float, np.floating, complex, str, bytes)):
        raise IndexError(
            f"{where}: only integers, slices, None, Ellipsis, integer or boolean arrays "
            f"are valid indices, got {type(part).__name__} {part!r}"
        )
    return part


# ------------------------------------------------------------ op parameters


def _flag(value: Any, where: str, arg: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {arg} must be True or False, got {value!r}")
    return bool(value)


def _count(value: Any, where: str, arg: str) -> int:
    return integer(value, where, arg, low=1)


def _number(value: Any, where: str, arg: str) -> Any:
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu" and value.ndim == 0:
        return value
    return real_scalar(value, where, arg)


def _axis_param(value: Any, where: str, arg: str) -> Any:
    return axes(value, None, where)


# Every op parameter with one of these names is checked when the op is applied,
# whichever function passed it: one checker for all ops.
_PARAMETERS = {
    "axis": _axis_param,
    "keepdims": _flag,
    "pieces": _count,
    "slope": _number,
    "alpha": _number,
    "lo": _number,
    "hi": _number,
}


def op_parameters(op: str, params: dict[str, Any]) -> None:
    """Check the parameters that an op is given (types only; the op checks ranges)."""
    for name, value in params.items():
        # The usual values pass at once: a plain int, no axis, a bool keepdims.
        kind = type(value)
        if kind is int or (value is None and name == "axis"):
            continue
        if kind is bool and name == "keepdims":
            continue
        check = _PARAMETERS.get(name)
        if check is not None:
            params[name] = check(value, op, name)


# ------------------------------------------------ check everything, then change


def refuse(where: str, problems: list[str], hint: str = "", error: type = ValueError) -> None:
    """Raise one error listing every problem, if there are any.

    The state-changing functions (``optimizer.step``, ``load_state_dict``,
    ``register``, ``clip_grad_norm_``) gather their problems first and call
    this before their first change, so they either succeed whole or change
    nothing.
    """
    if problems:
        message = f"{where}: " + "; ".join(problems) + ". Nothing was changed."
        raise error(message + (f" {hint}" if hint else ""))


def gradient_problems(params: Iterable[Any], changes: str) -> list[str]:
    """What would stop an in-place update of each parameter from its ``.grad``.

    The gradient must be a real array of the parameter's shape; what is about
    to change (``changes``: ``"data"`` for an optimizer step, ``"grad"`` for
    clipping) must be writeable. Parameters without a gradient are skipped.
    """
    problems = []
    for i, p in enumerate(params):
        g = p.grad
        if g is None:
            continue
        data = p.data
        # The usual case in one test: a writeable array of the parameter's shape.
        if (
            type(g) is np.ndarray
            and g.shape == data.shape
            and g.dtype.kind in "fiu"
            and (data if changes == "data" else g).flags.writeable
        ):
            continue
        label = f"parameter {i}" + (f" ({p.name!r})" if p.name else "")
        if not isinstance(g, np.ndarray):
            problems.append(f"{label} has a .grad of type {type(g).__name__}, not an array")
            continue
        if g.dtype.kind not in "fiu":
            problems.append(f"{label} has a .grad of dtype {g.dtype}, not real numbers")
        elif g.shape != data.shape:
            problems.append(f"{label} has shape {data.shape} but its .grad has shape {g.shape}")
        target = data if changes == "data" else g
        if not target.flags.writeable:
            what = "data" if changes == "data" else ".grad"
            problems.append(f"{label} has read-only {what} (it cannot be changed in place)")
    return problems
