"""The Tensor: an array, its gradient, and the op and parents that produced it.

The class is thin. Its operators and methods call registered ops through
``apply``, which runs the op's forward and, when a gradient is wanted,
records the op and its inputs on the new tensor: that record *is* the graph.
The graph holds references from child to parents only, so dropping the
output frees all of it.
"""

from __future__ import annotations

import copy
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Union

import numpy as np

from . import autograd, ops, validation
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
    # Real numbers only: None, strings, complex and object data raise TypeError
    # (np.asarray would make NaN of None, and drop an imaginary part).
    array = validation.real_array(data, lambda: (_caller(), _argument(data)))
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    else:
        is_numpy = isinstance(data, (np.ndarray, np.generic))
        if array.dtype.kind != "f" or not is_numpy:
            array = array.astype(_default_dtype, copy=False)
    if array.dtype.kind != "f":
        raise TypeError(
            f"Tensor: minigrad tensors hold floating-point data, got dtype {array.dtype}"
        )
    return array


def _caller() -> str:
    """The public minigrad function that was called (for an error message): the
    innermost caller in the package whose name has no leading underscore.

    Only run on the way to an error, so that no call pays for it.
    """
    frame = sys._getframe(1)
    fallback = "Tensor"
    while frame is not None:
        code = frame.f_code
        if not code.co_filename.startswith(_PACKAGE_DIR):
            break
        name = code.co_name
        if name.startswith("__") and name.endswith("__") and name != "__init__":
            owner = frame.f_locals.get("self")
            fallback = f"{getattr(owner, 'name', None) or type(owner).__name__}.{name}"
            if isinstance(owner, Tensor):
                fallback = f"Tensor.{name}"  # an operator: x + None
        elif not name.startswith(("_", "<")) and name not in _NOT_PUBLIC:
            return name
        frame = frame.f_back
    return fallback


_NOT_PUBLIC = frozenset(
    {"as_tensor", "real_array", "tensor", "Tensor", "apply", "decorate", "forward"}
)
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _argument(value: Any) -> str:
    """The name of the argument of the public caller that holds ``value``."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        code = frame.f_code
        public = not code.co_name.startswith(("_", "<")) and code.co_name not in _NOT_PUBLIC
        if public or (code.co_name.startswith("__") and code.co_name != "__init__"):
            for name in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]:
                if frame.f_locals.get(name) is value:
                    return name
        frame = frame.f_back
    return "data"


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
        "_version",
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
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Tensor: name must be a string or None, got {name!r}")
        self.data = _to_array(data, dtype)
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self.parents: tuple[Tensor, ...] = ()
        self._op: Op | None = None
        self._params: dict[str, Any] = _NO_PARAMS
        self.name = name
        self._hooks: list[Callable] | None = None
        self._origin: str | None = None
        self._version = 0

    # ------------------------------------------------------------ attributes

    @property
    def op(self) -> str | None:
        """Name of the op that produced this tensor; ``None`` for a leaf."""
        return None if self._op is None else self._op.name

    @property
    def is_leaf(self) -> bool:
        """True for a tensor made by the user, not by an op (its ``.grad`` accumulates)."""
        return self._op is None

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``, as in NumPy."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements (an int, as in NumPy)."""
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of ``data`` (float32 or float64)."""
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

    # ----------------------------------------------------------- persistence

    def __reduce_ex__(self, protocol: Any) -> tuple:
        """Pickle (``copy.deepcopy`` has its own, faster ``__deepcopy__``).

        A leaf is its values; a graph node is its whole graph, flattened into a
        list in which each node names its parents by position, so that
        pickling does not recurse once per op: a long graph is fine. Leaves
        stay objects of their own, so a parameter shared by a model, an
        optimizer and a graph stays one tensor when they are pickled together.
        """
        if self._op is None:
            return (
                _rebuild_leaf,
                (self.data, self.grad, self.requires_grad, self.name, self._hooks),
            )
        order = _topological(self)
        position = {id(node): i for i, node in enumerate(order)}
        nodes = [
            node
            if node._op is None
            else (
                node.data,
                node.grad,
                node._op,
                node._params,
                node.name,
                tuple([position[id(p)] for p in node.parents]),
            )
            for node in order
        ]
        return (_rebuild_graph, (nodes,))

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """A copy of this tensor and of the graph behind it, node by node (iterative).

        Tensors and arrays already copied (``memo``) are reused, so what is
        shared in the original (a parameter used by several graphs, a model's
        parameter held by its optimizer) is shared in the copy.
        """
        for node in _topological(self, stop=memo):
            twin = _leaf(copy.deepcopy(node.data, memo))
            twin.grad = copy.deepcopy(node.grad, memo)
            twin.requires_grad, twin.name = node.requires_grad, node.name
            if node._op is None:
                twin._hooks = None if node._hooks is None else list(node._hooks)
            else:
                twin._op = node._op
                twin._params = copy.deepcopy(node._params, memo) if node._params else _NO_PARAMS
                twin.parents = tuple([memo[id(p)] for p in node.parents])
            memo[id(node)] = twin
        return memo[id(self)]

    # -------------------------------------------------------------- autograd

    def backward(self, grad: Any = None) -> None:
        """Reverse-mode pass from this tensor (see ``autograd.backward``)."""
        autograd.backward(self, grad)

    def zero_grad(self) -> None:
        """Forget the gradient: ``.grad`` becomes ``None``."""
        self.grad = None

    def register_hook(self, fn: Callable[[np.ndarray], np.ndarray | None]) -> Callable[[], None]:
        """Run ``fn(grad)`` when this tensor's gradient is complete in a pass.

        A returned array replaces the gradient. Returns a function that removes
        the hook.
        """
        if not callable(fn):
            raise TypeError(
                f"register_hook: fn must be callable, fn(grad) -> grad or None; got {fn!r}"
            )
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
        """The data as a NumPy array (``.data`` itself, not a copy); not differentiable."""
        return self.data

    def tolist(self) -> Any:
        """The data as nested Python lists of floats (a float for a 0-d tensor);
        not differentiable."""
        return self.data.tolist()

    def item(self) -> float:
        """The value of a one-element tensor as a Python float; not differentiable."""
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
        """y = sum of x over ``axis`` (all axes by default); dy/dx_i = 1, so the
        gradient is copied back to every summed element."""
        return apply(ops.sum, self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """y = (1/n) sum of x over ``axis``; dy/dx_i = 1/n."""
        return apply(ops.mean, self, axis=_axis(axis), keepdims=keepdims)

    def var(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Population variance y = (1/n) sum (x_i - mean)^2 (divides by n);
        dy/dx_i = 2 (x_i - mean) / n."""
        return apply(ops.var, self, axis=_axis(axis), keepdims=keepdims)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """y = largest x over ``axis``; dy/dx_i = 1 at the maximum and 0 elsewhere,
        split evenly among tied maxima."""
        return apply(ops.max, self, axis=_axis(axis), keepdims=keepdims)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """y = smallest x over ``axis``; dy/dx_i = 1 at the minimum and 0 elsewhere,
        split evenly among tied minima."""
        return apply(ops.min, self, axis=_axis(axis), keepdims=keepdims)

    def argmax(self, axis: int | None = None) -> np.ndarray:
        """Index of the largest value (an array, as ``np.argmax``); not differentiable."""
        return np.argmax(self.data, axis=validation.integer_or_none(axis, "argmax", self.ndim))

    def argmin(self, axis: int | None = None) -> np.ndarray:
        """Index of the smallest value (an array, as ``np.argmin``); not differentiable."""
        return np.argmin(self.data, axis=validation.integer_or_none(axis, "argmin", self.ndim))

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same values in a new shape (sizes or one tuple, -1 inferred); the
        gradient is reshaped back (the derivative is the identity)."""
        return apply(ops.reshape, self, shape=_shape(shape))

    def flatten(self) -> Tensor:
        """The values as one axis, ``reshape(-1)``; the gradient is reshaped back."""
        return apply(ops.reshape, self, shape=(-1,))

    def squeeze(self, axis: int | Sequence[int] | None = None) -> Tensor:
        """Drop axes of length 1 (``axis``, or all of them); the gradient is reshaped back."""
        try:
            shape = np.squeeze(self.data, axis=_axis(axis)).shape
        except ValueError as error:
            raise ValueError(f"squeeze: tensor of shape {self.shape}: {error}") from None
        return apply(ops.reshape, self, shape=shape)

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Permute the axes; with no arguments, reverse them. The gradient goes back
        through the inverse permutation."""
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
        """The axes reversed, ``transpose()``; for a matrix, its transpose."""
        return self.transpose()

    def exp(self) -> Tensor:
        """y = e^x; dy/dx = e^x = y."""
        return apply(ops.exp, self)

    def log(self) -> Tensor:
        """y = ln x (natural logarithm); dy/dx = 1 / x."""
        return apply(ops.log, self)

    def sqrt(self) -> Tensor:
        """y = sqrt(x); dy/dx = 1 / (2 sqrt(x)) = 1 / (2 y)."""
        return apply(ops.sqrt, self)

    def abs(self) -> Tensor:
        """y = |x|; dy/dx = sign(x), with abs'(0) = 0."""
        return apply(ops.abs, self)

    def clip(self, lo: float | None, hi: float | None) -> Tensor:
        """y = min(max(x, lo), hi) (``None``: no bound); dy/dx = 1 inside the bounds
        and at them, 0 outside."""
        lo = -np.inf if lo is None else validation.real_scalar(lo, "clip", "lo")
        hi = np.inf if hi is None else validation.real_scalar(hi, "clip", "hi")
        if lo > hi:
            raise ValueError(f"clip: lower bound {lo} is above upper bound {hi}")
        return apply(ops.clip, self, lo=lo, hi=hi)

    # Activations live in their own registry (activations.py); these are shortcuts.
    def relu(self) -> Tensor:
        """y = max(0, x); dy/dx = 1 for x > 0, 0 for x <= 0 (relu'(0) = 0)."""
        return apply(ops.get("relu"), self)

    def sigmoid(self) -> Tensor:
        """y = 1 / (1 + e^-x); dy/dx = y (1 - y), at most 1/4 (at x = 0)."""
        return apply(ops.get("sigmoid"), self)

    def tanh(self) -> Tensor:
        """y = tanh x; dy/dx = 1 - y^2, at most 1 (at x = 0)."""
        return apply(ops.get("tanh"), self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """y = x for x >= 0, slope * x otherwise; dy/dx = 1 for x >= 0, slope otherwise."""
        return apply(ops.get("leaky_relu"), self, slope=slope)

    def elu(self, alpha: float = 1.0) -> Tensor:
        """y = x for x > 0, alpha (e^x - 1) otherwise; dy/dx = 1 for x > 0, alpha e^x
        otherwise."""
        return apply(ops.get("elu"), self, alpha=alpha)

    def softplus(self) -> Tensor:
        """y = ln(1 + e^x), a smooth ReLU; dy/dx = sigmoid(x)."""
        return apply(ops.get("softplus"), self)

    def gelu(self) -> Tensor:
        """y = x Phi(x) in the tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715
        x^3))); dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2),
        with t the tanh term."""
        return apply(ops.get("gelu"), self)

    def silu(self) -> Tensor:
        """y = x sigmoid(x) (SiLU, swish); dy/dx = s + x s (1 - s), with s = sigmoid(x)."""
        return apply(ops.get("silu"), self)


_NO_PARAMS: dict[str, Any] = {}

# Version counters, as PyTorch keeps, on one clock: a leaf's ``_version`` is the
# tick of its latest in-place change by minigrad (an optimizer step,
# load_state_dict), an op result's is the tick at which it was made. A result
# made before one of its inputs changed would be differentiated with the new
# values: backward refuses it (``parent._version > node._version``). One int
# per tensor, set once, keeps the forward pass as cheap as it was.
_clock = [0]
_clock_lock = threading.Lock()


def mark_changed(tensors: Iterable[Tensor]) -> None:
    """Note that minigrad changed these tensors' data in place, just now."""
    with _clock_lock:
        _clock[0] += 1
        tick = _clock[0]
    for t in tensors:
        t._version = tick


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
    t._version = 0
    return t


def _rebuild_leaf(
    data: np.ndarray, grad: Any, requires_grad: bool, name: Any, hooks: Any
) -> Tensor:
    t = _leaf(data)
    t.grad, t.requires_grad, t.name, t._hooks = grad, requires_grad, name, hooks
    return t


def _rebuild_graph(nodes: list) -> Tensor:
    """The graph of ``Tensor.__reduce_ex__``, parents first; returns its root."""
    built: list[Tensor] = []
    for node in nodes:
        if not isinstance(node, Tensor):
            data, grad, op, params, name, parents = node
            node = _leaf(data)
            node.grad, node.name, node._op = grad, name, op
            node._params = params or _NO_PARAMS
            node.parents = tuple([built[i] for i in parents])
            node.requires_grad = True
        built.append(node)
    return built[-1]


def _topological(root: Tensor, stop: Any = ()) -> list[Tensor]:
    """Every node behind ``root``, each after its parents; ``root`` last. Iterative.

    Nodes whose ``id`` is in ``stop`` are left out, and not gone past.
    """
    order: list[Tensor] = []
    done: set[int] = set()
    todo: list[tuple[Tensor, bool]] = [(root, False)]
    while todo:
        node, expanded = todo.pop()
        key = id(node)
        if key in done or key in stop:
            continue
        if expanded:
            done.add(key)
            order.append(node)
            continue
        todo.append((node, True))
        todo.extend([(p, False) for p in node.parents if id(p) not in done])
    return order


def apply(op: Op, *inputs: Tensor, **params: Any) -> Tensor:
    """Run ``op`` on tensors; record it in the graph when a gradient is wanted.

    This is the engine's hot path, run once per op: one forward call and one
    new object, with nothing else that can be avoided.
    """
    if params:
        validation.op_parameters(op.name, params)
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
    out._version = _clock[0]
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
    # Integers only (a float, string or bool raises TypeError); the op itself
    # refuses an axis out of range, naming itself.
    if axis is None or type(axis) is int:
        return axis
    return validation.axes(axis, None, sys._getframe(1).f_code.co_name)


def _shape(shape: tuple) -> tuple[int, ...]:
    return validation.sizes(shape, sys._getframe(1).f_code.co_name)


def _plain_index(index: Any) -> Any:
    """Tensors and lists inside an index become arrays (NumPy's meaning); a
    float Tensor or array is not an index (IndexError), as in NumPy."""
    if isinstance(index, tuple):
        return tuple([_plain_index(part) for part in index])
    if isinstance(index, Tensor):  # minigrad tensors hold floats: never an index
        raise IndexError(
            "getitem: a Tensor (of floats) is not a valid index; index with integers, "
            "slices, lists or an integer or boolean NumPy array (e.g. t.data.astype(int))"
        )
    if isinstance(index, list):
        try:
            return validation.index(np.asarray(index))
        except ValueError as error:  # ragged lists
            raise IndexError(f"getitem: {index!r} is not a valid index: {error}") from None
    return validation.index(index)


# ----------------------------------------------------------------- factories


def tensor(
    data: ArrayLike, requires_grad: bool = False, dtype: Any = None, name: str | None = None
) -> Tensor:
    """Same as ``Tensor(...)``."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def _factory_shape(shape: tuple) -> tuple[int, ...]:
    found = validation.sizes(shape, sys._getframe(1).f_code.co_name) if shape else ()
    if any(n < 0 for n in found):
        where = sys._getframe(1).f_code.co_name
        raise ValueError(f"{where}: sizes must be >= 0, got {found}")
    return found


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
    start = validation.real_scalar(start, "arange", "start")
    stop = None if stop is None else validation.real_scalar(stop, "arange", "stop")
    step = validation.real_scalar(step, "arange", "step")
    data = np.arange(0, start, step) if stop is None else np.arange(start, stop, step)
    return Tensor(data.astype(dtype or _default_dtype), requires_grad, dtype=dtype, name=name)
