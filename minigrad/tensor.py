"""The Tensor: an array, its gradient, and the op and parents that produced it.

The class is thin. Its operators and methods call registered ops through
``apply``, which runs the op's forward and, when a gradient is wanted,
records the op and its inputs on the new tensor: that record *is* the graph.
The graph holds references from child to parents only, so dropping the
output frees all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Union

import numpy as np

from . import autograd, ops
from .autograd import mode
from .ops import Op
from .rng import default_generator

_default_dtype: type[np.floating] = np.float64


def get_default_dtype() -> type[np.floating]:
    """The dtype of tensors made from Python numbers, lists and integer data."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the default float dtype: ``np.float32`` or ``np.float64``."""
    global _default_dtype
    resolved = np.dtype(dtype).type
    if resolved not in (np.float32, np.float64):
        raise ValueError(f"set_default_dtype: expected np.float32 or np.float64, got {dtype!r}")
    _default_dtype = resolved


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """The dtype rule, in one place: float arrays keep their dtype, everything
    else (Python numbers, lists, integer and bool data) gets the default."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        array = np.asarray(data, dtype=dtype)
    else:
        array = np.asarray(data)
        is_numpy = isinstance(data, (np.ndarray, np.generic))
        if array.dtype.kind != "f" or not is_numpy:
            array = array.astype(_default_dtype, copy=False)
    if array.dtype.kind != "f":
        raise TypeError(
            f"Tensor: minigrad tensors hold floating-point data, got dtype {array.dtype}"
        )
    return array


ArrayLike = Union["Tensor", np.ndarray, float, int, Sequence]


class Tensor:
    """An n-dimensional array that can record how it was computed.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    array([2., 4.])
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "parents",
        "_op",
        "_params",
        "name",
        "_hooks",
        "_origin",
        "__weakref__",
    )
    # NumPy defers to our reflected operators (array + tensor -> Tensor.__radd__).
    __array_ufunc__ = None

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        self.data = _to_array(data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.parents: tuple[Tensor, ...] = ()
        self._op: Op | None = None
        self._params: dict[str, Any] = _NO_PARAMS
        self.name = name
        self._hooks: list[Callable] | None = None
        self._origin: str | None = None

    # ------------------------------------------------------------ attributes

    @property
    def op(self) -> str | None:
        """Name of the op that produced this tensor; ``None`` for a leaf."""
        return None if self._op is None else self._op.name

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __hash__(self) -> int:  # identity, although == compares values
        return id(self)

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if mode.recording_derivative and self.requires_grad:
            # A derivative being recorded (create_graph) would silently lose
            # this tensor's graph: say so instead.
            raise TypeError("NumPy converted a Tensor that is being differentiated to an array")
        if dtype is None or dtype == self.data.dtype:
            return self.data.copy() if copy else self.data
        return self.data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(
            self.data, separator=", ", threshold=100, edgeitems=3, prefix="tensor("
        )
        extras = []
        if self.data.dtype != _default_dtype:
            extras.append(f"dtype={self.data.dtype}")
        if self._op is not None:
            extras.append(f"op={self._op.name!r}")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        if self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # -------------------------------------------------------------- autograd

    def backward(self, grad: Any = None) -> None:
        """Reverse-mode pass from this tensor (see ``autograd.backward``)."""
        autograd.backward(self, grad)

    def zero_grad(self) -> None:
        self.grad = None

    def register_hook(self, fn: Callable[[np.ndarray], np.ndarray | None]) -> Callable[[], None]:
        """Run ``fn(grad)`` when this tensor's gradient is complete in a pass.

        A returned array replaces the gradient. Returns a function that removes
        the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return lambda: self._hooks.remove(fn)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, outside the graph."""
        return _leaf(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(
                f"item: only a tensor with one element can be converted to a Python "
                f"number, this one has shape {self.data.shape}"
            )
        return self.data.item()

    def astype(self, dtype: Any) -> Tensor:
        """This tensor as ``dtype``; the gradient flows back in the old dtype."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"astype: minigrad tensors hold floats, not {dtype}")
        return apply(ops.astype, self, dtype=dtype)

    # ------------------------------------------------------------- operators

    def __add__(self, other: ArrayLike) -> Tensor:
        return apply(ops.add, self, _lift(other, self))

    def __radd__(self, other: ArrayLike) -> Tensor:
        return apply(ops.add, _lift(other, self), self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return apply(ops.sub, self, _lift(other, self))

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return apply(ops.sub, _lift(other, self), self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return apply(ops.mul, self, _lift(other, self))

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return apply(ops.mul, _lift(other, self), self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return apply(ops.div, self, _lift(other, self))

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return apply(ops.div, _lift(other, self), self)

    def __pow__(self, other: ArrayLike) -> Tensor:
        return apply(ops.pow, self, _lift(other, self))

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return apply(ops.pow, _lift(other, self), self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return apply(ops.matmul, self, _lift(other, self))

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return apply(ops.matmul, _lift(other, self), self)

    def __neg__(self) -> Tensor:
        return apply(ops.neg, self)

    def __getitem__(self, index: Any) -> Tensor:
        return apply(ops.getitem, self, index=_plain_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError(
            "Tensor does not support item assignment (it would rewrite a recorded "
            "graph); build a new tensor with mg.where or mg.concatenate, or change "
            "t.data outside of any graph"
        )

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other: ArrayLike) -> np.ndarray:
        return self.data < _raw(other)

    def __le__(self, other: ArrayLike) -> np.ndarray:
        return self.data <= _raw(other)

    def __gt__(self, other: ArrayLike) -> np.ndarray:
        return self.data > _raw(other)

    def __ge__(self, other: ArrayLike) -> np.ndarray:
        return self.data >= _raw(other)

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        return self.data == _raw(other)

    def __ne__(self, other: object) -> np.ndarray:  # type: ignore[override]
        return self.data != _raw(other)

    # --------------------------------------------------------------- methods

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.sum, self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.mean, self, axis=_axis(axis), keepdims=keepdims)

    def var(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Population variance (divides by n)."""
        return apply(ops.var, self, axis=_axis(axis), keepdims=keepdims)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.max, self, axis=_axis(axis), keepdims=keepdims)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return apply(ops.min, self, axis=_axis(axis), keepdims=keepdims)

    def argmax(self, axis: int | None = None) -> np.ndarray:
        return np.argmax(self.data, axis=axis)

    def argmin(self, axis: int | None = None) -> np.ndarray:
        return np.argmin(self.data, axis=axis)

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        return apply(ops.reshape, self, shape=_shape(shape))

    def flatten(self) -> Tensor:
        return apply(ops.reshape, self, shape=(-1,))

    def squeeze(self, axis: int | Sequence[int] | None = None) -> Tensor:
        try:
            shape = np.squeeze(self.data, axis=_axis(axis)).shape
        except ValueError as error:
            raise ValueError(f"squeeze: tensor of shape {self.shape}: {error}") from None
        return apply(ops.reshape, self, shape=shape)

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Permute the axes; with no arguments, reverse them."""
        n = self.ndim
        perm = _shape(axes) if axes else tuple(reversed(range(n)))
        # Range first: axis n would wrap (n % n == 0) into a false permutation.
        if any(not -n <= a < n for a in perm) or sorted(a % n for a in perm) != list(range(n)):
            raise ValueError(
                f"transpose: axes {perm} are not a permutation of the {self.ndim} axes "
                f"of a tensor of shape {self.shape}"
            )
        return apply(ops.transpose, self, axes=tuple(a % n for a in perm))

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def exp(self) -> Tensor:
        return apply(ops.exp, self)

    def log(self) -> Tensor:
        return apply(ops.log, self)

    def sqrt(self) -> Tensor:
        return apply(ops.sqrt, self)

    def abs(self) -> Tensor:
        return apply(ops.abs, self)

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        lo = -np.inf if lo is None else lo
        hi = np.inf if hi is None else hi
        if lo > hi:
            raise ValueError(f"clip: lower bound {lo} is above upper bound {hi}")
        return apply(ops.clip, self, lo=lo, hi=hi)

    # Activations live in their own registry (activations.py); these are shortcuts.
    def relu(self) -> Tensor:
        return apply(ops.get("relu"), self)

    def sigmoid(self) -> Tensor:
        return apply(ops.get("sigmoid"), self)

    def tanh(self) -> Tensor:
        return apply(ops.get("tanh"), self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        return apply(ops.get("leaky_relu"), self, slope=slope)


_NO_PARAMS: dict[str, Any] = {}


def _leaf(data: np.ndarray) -> Tensor:
    """A leaf that wraps ``data`` as it is (the fast path behind constants)."""
    t = Tensor.__new__(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = False
    t.parents = ()
    t._op = None
    t._params = _NO_PARAMS
    t.name = None
    t._hooks = None
    t._origin = None
    return t


def apply(op: Op, *inputs: Tensor, **params: Any) -> Tensor:
    """Run ``op`` on tensors; record it in the graph when a gradient is wanted.

    This is the engine's hot path, run once per op: one forward call and one
    new object, with nothing else that can be avoided.
    """
    try:
        # Unary and binary ops (nearly all calls) skip building an argument list,
        # and the many without parameters skip unpacking an empty dict.
        if len(inputs) == 1:
            x = inputs[0].data
            data = op.forward(x, **params) if params else op.forward(x)
        elif len(inputs) == 2:
            a, b = inputs[0].data, inputs[1].data
            data = op.forward(a, b, **params) if params else op.forward(a, b)
        else:
            data = op.forward(*[t.data for t in inputs], **params)
    except (ValueError, IndexError, TypeError) as error:
        raise _op_error(op, inputs, params, error) from None
    if type(data) is not np.ndarray:
        data = np.asarray(data)  # reductions to a scalar give NumPy scalars
    out = Tensor.__new__(Tensor)
    out.data = data
    out.grad = None
    out.name = None
    out._hooks = None
    out._origin = None
    for t in inputs:
        if t.requires_grad and mode.grad_enabled:
            out.requires_grad = True
            out.parents = inputs
            out._op = op
            out._params = params or _NO_PARAMS
            break
    else:  # no input requires grad, or no_grad is on: a leaf, outside any graph
        out.requires_grad = False
        out.parents = ()
        out._op = None
        out._params = _NO_PARAMS
    if mode.anomaly:
        out._origin = autograd.user_frame()
        autograd.check_finite(data, "forward result", op.name, out._origin)
    return out


def _op_error(op: Op, inputs: Sequence[Tensor], params: dict, error: Exception) -> Exception:
    arrays = [t.data for t in inputs]
    if op.explain is not None and isinstance(error, ValueError):
        return ValueError(op.explain(*arrays, **params))
    shapes = " and ".join(str(a.shape) for a in arrays)
    shown = {k: v for k, v in params.items() if not isinstance(v, np.ndarray)}
    detail = f" with {shown}" if shown else ""
    return type(error)(f"{op.name}: cannot apply to shape(s) {shapes}{detail}: {error}")


def _lift(value: Any, like: Tensor) -> Tensor:
    """Make the other operand a Tensor; Python numbers take ``like``'s dtype
    so they never up-cast it."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float, bool)):
        return _leaf(np.asarray(value, dtype=like.data.dtype))
    if isinstance(value, np.ndarray) and value.dtype.kind == "b":
        return _leaf(value.astype(like.data.dtype))  # a mask never up-casts, as in NumPy
    return Tensor(value)


def as_tensor(value: ArrayLike) -> Tensor:
    """``value`` itself if it is a Tensor, else a new leaf holding it."""
    return value if isinstance(value, Tensor) else Tensor(value)


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def _axis(axis: Any) -> int | tuple[int, ...] | None:
    if axis is None or isinstance(axis, (int, np.integer)):
        return None if axis is None else int(axis)
    return tuple(int(a) for a in axis)


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def _plain_index(index: Any) -> Any:
    """Tensors and lists inside an index become arrays (NumPy's meaning)."""
    if isinstance(index, tuple):
        return tuple(_plain_index(part) for part in index)
    if isinstance(index, Tensor):
        data = index.data
        return data.astype(np.intp) if data.dtype.kind == "f" else data
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ----------------------------------------------------------------- factories


def tensor(
    data: ArrayLike, requires_grad: bool = False, dtype: Any = None, name: str | None = None
) -> Tensor:
    """Same as ``Tensor(...)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def _factory_shape(shape: tuple) -> tuple[int, ...]:
    return _shape(shape) if shape else ()


def zeros(
    *shape: int | Sequence[int],
    dtype: Any = None,
    requires_grad: bool = False,
    name: str | None = None,
) -> Tensor:
    # dtype is passed on so that a non-float dtype is refused, not silently replaced.
    data = np.zeros(_factory_shape(shape), dtype or _default_dtype)
    return Tensor(data, requires_grad, dtype=dtype, name=name)


def ones(
    *shape: int | Sequence[int],
    dtype: Any = None,
    requires_grad: bool = False,
    name: str | None = None,
) -> Tensor:
    data = np.ones(_factory_shape(shape), dtype or _default_dtype)
    return Tensor(data, requires_grad, dtype=dtype, name=name)


def randn(
    *shape: int | Sequence[int],
    rng: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    name: str | None = None,
) -> Tensor:
    """Standard normal samples; ``rng`` defaults to the generator of ``manual_seed``."""
    rng = rng or default_generator()
    data = rng.standard_normal(_factory_shape(shape)).astype(dtype or _default_dtype)
    return Tensor(data, requires_grad, dtype=dtype, name=name)


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
    name: str | None = None,
) -> Tensor:
    """``np.arange`` as a float tensor."""
    data = np.arange(0, start, step) if stop is None else np.arange(start, stop, step)
    return Tensor(data.astype(dtype or _default_dtype), requires_grad, dtype=dtype, name=name)
