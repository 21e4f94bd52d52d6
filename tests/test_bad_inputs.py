"""Bad and unusual inputs across the public API: a right answer or a clear error, and
nothing changed.

Each entry of ``API`` is one public function or method, called once with good
arguments; every argument slot then gets, in turn, each value of its kind's
list below: wrong types, ``None``, NaN, complex, empty, 0-d, wrongly shaped
and non-contiguous data, floats and strings where integers belong. For each
case the call must either

- return the right result (checked against NumPy where the entry has a
  reference), or
- raise a clear error: ``TypeError``, ``ValueError``, ``IndexError``,
  ``KeyError`` or ``RuntimeError`` whose message names the function,

and every tensor it was given, and the model and optimizer around, must be
exactly as before. Data that is not real numbers must always be refused: an
acceptance of it is a silent acceptance, and fails. NumPy warnings are errors.

``survey()`` runs every case and counts them (``python -m tests.test_bad_inputs``).
"""

from __future__ import annotations

import math
import os
import tempfile
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

NAN = float("nan")
CLEAR = (TypeError, ValueError, IndexError, KeyError, RuntimeError, mg.GradcheckError)


def _noncontiguous(shape: tuple[int, ...]) -> np.ndarray:
    wide = np.arange(1.0, 1.0 + 2 * math.prod(shape)).reshape(*shape[:-1], 2 * shape[-1])
    return wide[..., ::2] / 7.0


# Values that are never real numbers: each must raise TypeError.
NOT_REAL = {
    "None": None,
    "str": "1.5",
    "complex": np.array([[1 + 2j, 3j]]),
    "complex scalar": 2j,
    "object array": np.array([[object(), 1.0]], dtype=object),
    "dict": {"a": 1.0},
    "list with None": [[1.0, None]],
}


def _odd_data(shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Real data that is unusual: either handled right or refused clearly."""
    nan = np.arange(1.0, 1.0 + math.prod(shape)).reshape(shape) / 3.0
    nan.flat[0] = NAN
    return {
        "nan": nan,
        "empty": np.zeros((0, *shape[1:])),
        "0-d": np.array(0.75),
        "wrong shape": np.ones((5, 7)),
        "non-contiguous": _noncontiguous(shape),
        "int list": np.arange(1, 1 + math.prod(shape)).reshape(shape).tolist(),
        "float32": np.linspace(0.1, 1, math.prod(shape)).reshape(shape).astype(np.float32),
    }


NOT_INTEGERS = {"float": 2.5, "whole float": 2.0, "str": "2", "bool": True, "list": [2]}
NOT_AXES = {"float": 1.0, "str": "1", "bool": True, "out of range": 7, "list of float": [0.5]}
NOT_NUMBERS = {"str": "a", "complex": 1j, "list": [1.0, 2.0], "dict": {}}
NOT_CALLABLES = {"None": None, "int": 5, "str": "relu"}


@dataclass
class Entry:
    """One public function: ``call(*args)``, and the kind of each argument."""

    name: str  # what the error message must name
    # (an entry whose job is to change the tensors it is given, like backward,
    # has changes=True: only the model and optimizer around must stay as they were)
    call: Callable[..., Any]
    args: tuple  # good arguments (arrays stand for Tensors where the kind is "T")
    kinds: tuple  # per argument: "T" tensor, "data", "int", "axis", "num", "fn", "-" (fixed)
    reference: Callable[..., Any] | None = None  # the right result, on NumPy arrays
    names: tuple[str, ...] = field(default=())  # other accepted names in messages
    changes: bool = False


A = np.arange(1.0, 7.0).reshape(2, 3) / 4.0
B = np.arange(6.0, 0.0, -1.0).reshape(2, 3) / 5.0
SQ = np.arange(1.0, 7.0).reshape(3, 2) / 3.0
LABELS = np.array([0, 2])
SIGNS = np.array([[1.0, -1.0, 1.0], [-1.0, 1.0, 1.0]])
IMG = np.arange(32.0).reshape(1, 2, 4, 4) / 10.0
KERNEL = np.ones((1, 2, 3, 3)) / 9.0


def _save_and_remove(value: Any) -> None:
    path = os.path.join(tempfile.gettempdir(), f"minigrad-bad-inputs-{os.getpid()}.npz")
    try:
        mg.save({"w": value}, path)
    finally:
        if os.path.exists(path):
            os.remove(path)


def _quiet(f: Callable) -> Callable:
    def reference(a: np.ndarray, axis: Any) -> np.ndarray:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(a, axis=int(axis))

    return reference


def _logsumexp(x: np.ndarray, axis: int = -1) -> np.ndarray:
    m = np.max(x, axis=int(axis), keepdims=True)
    return np.squeeze(m + np.log(np.exp(x - m).sum(axis=int(axis), keepdims=True)), int(axis))


def _log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    if x.ndim == 0:  # one value: probability 1
        return x - x
    return x - np.expand_dims(_logsumexp(x, axis), int(axis))


ACTIVATION_REFERENCES = {
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0),
    "softplus": lambda x: np.logaddexp(0, x),
    "silu": lambda x: x / (1 + np.exp(-x)),
}


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


API = [
    # construction
    Entry("Tensor", lambda d: mg.Tensor(d), (A,), ("data",), lambda d: d),
    Entry("Tensor", lambda d: mg.tensor(d), (A,), ("data",), lambda d: d),
    Entry("zeros", lambda n, m: mg.zeros(n, m), (2, 3), ("int", "int")),
    Entry("ones", lambda n: mg.ones((n, 2)), (2,), ("int",)),
    Entry("randn", lambda n: mg.randn(n, 2, rng=np.random.default_rng(0)), (2,), ("int",)),
    Entry("arange", lambda a: mg.arange(a), (4.0,), ("num",)),
    # elementwise and operators
    Entry("add", lambda a, b: a + b, (A, B), ("T", "data"), np.add, ("__add__",)),
    Entry("sub", lambda a, b: b - a, (A, B), ("T", "data"), lambda a, b: b - a, ("__rsub__",)),
    Entry("mul", lambda a, b: a * b, (A, B), ("T", "data"), np.multiply, ("__mul__",)),
    Entry("div", lambda a, b: a / b, (A, B), ("T", "data"), np.divide, ("__truediv__",)),
    Entry("pow", lambda a, b: a**b, (A, B), ("T", "data"), np.power, ("__pow__",)),
    Entry("matmul", lambda a, b: a @ b, (A, SQ), ("T", "data"), np.matmul, ("__matmul__",)),
    Entry("neg", lambda a: -a, (A,), ("T",), np.negative),
    Entry("exp", mg.exp, (A,), ("data",), np.exp),
    Entry("log", mg.log, (A,), ("data",), np.log),
    Entry("sqrt", mg.sqrt, (A,), ("data",), np.sqrt),
    Entry("abs", mg.abs, (A,), ("data",), np.abs),
    Entry("clip", mg.clip, (A, 0.3, 1.0), ("data", "num", "num"), np.clip),
    Entry("maximum", mg.maximum, (A, B), ("data", "data"), np.maximum),
    Entry("minimum", mg.minimum, (A, B), ("data", "data"), np.minimum),
    Entry("where", mg.where, (A > 0.7, A, B), ("data", "data", "data")),
    # reductions and shapes
    Entry("sum", mg.sum, (A, 1), ("data", "axis"), lambda a, ax: a.sum(axis=ax)),
    Entry("mean", mg.mean, (A, 0), ("data", "axis"), _quiet(np.mean)),
    Entry("var", mg.var, (A, 1), ("data", "axis"), _quiet(np.var)),
    Entry("max", mg.max, (A, 1), ("data", "axis"), lambda a, ax: np.max(a, axis=int(ax))),
    Entry("min", mg.min, (A, 0), ("data", "axis"), lambda a, ax: np.min(a, axis=int(ax))),
    Entry("argmax", mg.argmax, (A, 1), ("data", "axis"), lambda a, ax: np.argmax(a, int(ax))),
    Entry("argmin", mg.argmin, (A, 1), ("data", "axis")),
    Entry("reshape", lambda a, n: mg.reshape(a, n, -1), (A, 3), ("T", "int")),
    Entry("flatten", mg.flatten, (A,), ("data",), np.ravel),
    Entry("squeeze", mg.squeeze, (A[:1], 0), ("data", "axis")),
    Entry("transpose", lambda a, i: mg.transpose(a, i, 0), (A, 1), ("T", "int")),
    Entry("getitem", lambda a, i: a[i], (A, 1), ("T", "-")),
    Entry(
        "concatenate", lambda a, b, ax: mg.concatenate([a, b], ax), (A, B, 0), ("T", "T", "axis")
    ),
    Entry("stack", lambda a, b, ax: mg.stack([a, b], ax), (A, B, 0), ("T", "T", "axis")),
    Entry("softmax", mg.softmax, (A, -1), ("data", "axis"), _softmax),
    Entry("log_softmax", mg.log_softmax, (A, -1), ("data", "axis"), _log_softmax),
    Entry("logsumexp", mg.logsumexp, (A, -1), ("data", "axis"), _logsumexp),
    Entry("astype", lambda a: a.astype(np.float32), (A,), ("T",)),
    Entry("item", lambda a: a.item(), (np.array(2.0),), ("T",)),
    # activations
    *[
        Entry(name, getattr(mg, name), (A,), ("data",), ACTIVATION_REFERENCES.get(name))
        for name in ("sigmoid", "tanh", "relu", "softplus", "gelu", "silu")
    ],
    Entry("leaky_relu", mg.leaky_relu, (A, 0.1), ("data", "num")),
    Entry("elu", mg.elu, (A, 0.5), ("data", "num")),
    Entry("prelu", mg.prelu, (A, np.array([0.2])), ("data", "data")),
    Entry("maxout", mg.maxout, (SQ.reshape(2, 3).repeat(2, axis=1), 2), ("data", "int")),
    Entry("register", mg.activations.register, ("r", np.tanh, np.cos), ("-", "-", "fn")),
    Entry("get", mg.activations.get, ("relu",), ("-",)),
    # autograd
    Entry(
        "backward",
        lambda a, g: (a * 2.0).backward(g),
        (A, np.ones((2, 3))),
        ("T", "data"),
        changes=True,
    ),
    Entry("register_hook", lambda a, f: a.register_hook(f), (A, np.negative), ("T", "fn")),
    Entry("gradcheck", lambda a: mg.gradcheck(lambda t: (t * t).sum(), [a]), (A,), ("T",)),
    # convolution
    Entry("conv2d", mg.conv2d, (IMG, KERNEL), ("data", "data")),
    Entry("max_pool2d", mg.max_pool2d, (IMG, 2), ("data", "int")),
    Entry("avg_pool2d", mg.avg_pool2d, (IMG, 2), ("data", "int")),
    # layers
    Entry("Linear", lambda n: nn.Linear(n, 2), (3,), ("int",)),
    Entry("Linear", lambda x: nn.Linear(3, 2, rng=np.random.default_rng(0))(x), (A,), ("data",)),
    Entry("MLP", lambda n: nn.MLP([3, n, 2]), (4,), ("int",)),
    Entry("Maxout", lambda n: nn.Maxout(3, 2, pieces=n), (2,), ("int",)),
    Entry("Conv2d", lambda n: nn.Conv2d(2, n, 3), (1,), ("int",)),
    Entry("Flatten", lambda x: nn.Flatten()(x), (IMG,), ("data",)),
    Entry("PReLU", lambda n: nn.PReLU(n), (3,), ("int",)),
    Entry(
        "LeakyReLU",
        lambda s: nn.LeakyReLU(s)(mg.Tensor(A)),
        (0.1,),
        ("num",),
        None,
        ("leaky_relu",),
    ),
    # losses
    Entry("mse_loss", nn.F.mse_loss, (A, B), ("data", "data")),
    Entry(
        "binary_cross_entropy_with_logits",
        nn.F.binary_cross_entropy_with_logits,
        (A, B / 2),
        ("data", "data"),
    ),
    Entry("cross_entropy", nn.F.cross_entropy, (A, LABELS), ("data", "data")),
    Entry("hinge_loss", nn.F.hinge_loss, (A, SIGNS), ("data", "data")),
    Entry(
        "multiclass_hinge_loss",
        nn.F.multiclass_hinge_loss,
        (A, LABELS, 1.0),
        ("data", "data", "num"),
    ),
    # optimizers and training helpers
    Entry(
        "SGD", lambda lr: mg.optim.SGD([mg.Tensor(A, requires_grad=True)], lr=lr), (0.1,), ("num",)
    ),
    Entry(
        "Adam",
        lambda eps: mg.optim.Adam([mg.Tensor(A, requires_grad=True)], eps=eps),
        (1e-8,),
        ("num",),
    ),
    Entry(
        "clip_grad_norm_",
        lambda m: nn.utils.clip_grad_norm_([mg.Tensor(A, requires_grad=True)], m),
        (1.0,),
        ("num",),
    ),
    Entry(
        "dead_units",
        lambda x, b: mg.diagnostics.dead_units(nn.MLP([3, 4, 2]), x, b),
        (A, 1),
        ("data", "int"),
        None,
        ("unit_masks", "Linear"),
    ),
    Entry("accuracy", mg.data.accuracy, (A, LABELS), ("data", "data")),
    # more of the API: state, registry, data, persistence, rendering
    Entry("manual_seed", mg.manual_seed, (3,), ("int",)),
    Entry("set_default_dtype", mg.set_default_dtype, (np.float64,), ("-",)),
    Entry("unregister", mg.activations.unregister, ("relu",), ("-",)),
    Entry(
        "numerical_grad",
        lambda a: mg.numerical_grad(lambda t: (t * t).sum(), [a]),
        (A,),
        ("T",),
    ),
    Entry("Activation", lambda a: nn.Activation("tanh")(a), (A,), ("data",), np.tanh, ("tanh",)),
    Entry("MaxPool2d", lambda k: nn.MaxPool2d(k)(mg.Tensor(IMG)), (2,), ("int",)),
    Entry("AvgPool2d", lambda k: nn.AvgPool2d(k)(mg.Tensor(IMG)), (2,), ("int",)),
    Entry("l2_penalty", lambda a: nn.F.l2_penalty([a]), (A,), ("T",), lambda a: (a * a).sum()),
    Entry(
        "load_state_dict",
        lambda w: nn.Linear(3, 2).load_state_dict({"weight": w, "bias": np.zeros(2)}),
        (A,),
        ("data",),
    ),
    Entry(
        "load_state_dict",
        lambda lr: mg.optim.SGD([mg.Tensor(A, requires_grad=True)], lr=0.1).load_state_dict(
            {"lr": lr, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0}
        ),
        (0.5,),
        ("data",),
    ),
    Entry("save", _save_and_remove, (A,), ("data",)),
    Entry("moons", mg.data.moons, (20,), ("int",), None, ("n",)),
    Entry("spiral", mg.data.spiral, (20,), ("int",), None, ("n_per_class",)),
    Entry("batches", lambda b: list(mg.data.batches(A, LABELS, b)), (1,), ("int",)),
    Entry("to_dot", lambda a: mg.to_dot((a * 2.0).sum()), (A,), ("T",)),
    # higher-order gradients and the backprop explainer
    Entry("grad", lambda a: mg.grad((a * a).sum(), a), (A,), ("T",)),
    Entry("grad", lambda a, v: mg.grad(a * 2.0, a, grad_outputs=v), (A, B), ("T", "data")),
    Entry("jacobian", lambda a: mg.jacobian(lambda t: t * 2.0, a), (A,), ("T",)),
    Entry("hessian", lambda a: mg.hessian(lambda t: (t * t * t).sum(), a), (A,), ("T",)),
    Entry("hvp", lambda a, v: mg.hvp(lambda t: (t * t).sum(), a, v), (A, B), ("T", "data")),
    Entry("gradgradcheck", lambda a: mg.gradgradcheck(lambda t: t.tanh(), [a]), (A,), ("T",)),
    Entry("backprop_steps", lambda a: mg.backprop_steps((a * a).sum()), (A,), ("T",), changes=True),
    Entry("draw", lambda a: mg.draw(a.tanh().sum()), (A,), ("T",)),
    Entry(
        "draw",
        lambda n: mg.draw(mg.Tensor(A, requires_grad=True).sum(), max_units=n),
        (4,),
        ("int",),
    ),
]


def _replacements(kind: str, good: Any) -> dict[str, Any]:
    shape = np.shape(good) if np.ndim(good) else (2, 3)
    if kind == "T":  # the tensor a method is called on: always a Tensor
        return _odd_data(shape)
    if kind == "data":
        return {**NOT_REAL, **_odd_data(shape)}
    return {
        "int": NOT_INTEGERS,
        "axis": NOT_AXES,
        "num": NOT_NUMBERS,
        "fn": NOT_CALLABLES,
    }.get(kind, {})


def _cases() -> list[tuple[Entry, int, str, Any]]:
    found = []
    for entry in API:
        for slot, kind in enumerate(entry.kinds):
            for label, value in _replacements(kind, entry.args[slot]).items():
                found.append((entry, slot, label, value))
    return found


CASES = _cases()


@dataclass
class Outcome:
    kind: str  # "result", "clear error", "unclear error", "silent acceptance", "wrong result"
    detail: str = ""
    corrupted: bool = False


def _wrap(kind: str, value: Any) -> Any:
    return mg.Tensor(value, requires_grad=True) if kind == "T" else value


def _state(objects: list[Any]) -> list[tuple]:
    shot = []
    for obj in objects:
        if isinstance(obj, mg.Tensor):
            grad = None if obj.grad is None else obj.grad.copy()
            shot.append((obj.data.copy(), grad, obj.data.dtype, obj._version))
    return shot


def _same(a: list[tuple], b: list[tuple]) -> bool:
    for (d1, g1, t1, v1), (d2, g2, t2, v2) in zip(a, b, strict=True):
        if t1 != t2 or v1 != v2 or not np.array_equal(d1, d2, equal_nan=True):
            return False
        if (g1 is None) != (g2 is None) or (
            g1 is not None and not np.array_equal(g1, g2, equal_nan=True)
        ):
            return False
    return True


def run_case(entry: Entry, slot: int, label: str, value: Any) -> Outcome:
    raw = list(entry.args)
    raw[slot] = value
    args = [_wrap(kind, a) for kind, a in zip(entry.kinds, raw, strict=True)]
    # Inputs given as Tensors (kind "data" too, in half the slots: both paths are public).
    args = [
        mg.Tensor(a)
        if kind == "data" and i % 2 == 0 and isinstance(a, np.ndarray) and a.dtype.kind == "f"
        else a
        for i, (kind, a) in enumerate(zip(entry.kinds, args, strict=True))
    ]
    model = nn.MLP([3, 4, 2], rng=np.random.default_rng(0))
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    nn.F.cross_entropy(model(mg.Tensor(A)), [0, 1]).backward()
    opt.step()
    watched = [*([] if entry.changes else args), *model.parameters()]
    before, opt_before = _state(watched), opt.state_dict()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = entry.call(*args)
    except CLEAR as error:
        message = str(error)
        named = any(n in message for n in (entry.name, *entry.names))
        outcome = Outcome(
            "clear error" if named else "unclear error", f"{type(error).__name__}: {message}"
        )
    except Exception as error:  # a warning turned error, or a raw failure
        outcome = Outcome("unclear error", f"{type(error).__name__}: {error}")
    else:
        outcome = _judge(entry, raw, slot, label, value, result)
    after_opt = opt.state_dict()
    outcome.corrupted = not _same(before, _state(watched)) or any(
        not np.array_equal(opt_before[k], after_opt[k]) for k in opt_before
    )
    if entry.name == "register" and "r" in mg.activations.names():
        mg.activations.unregister("r")
    return outcome


def _judge(entry: Entry, raw: list, slot: int, label: str, value: Any, result: Any) -> Outcome:
    if label in NOT_REAL and entry.kinds[slot] in ("T", "data"):
        return Outcome("silent acceptance", f"{label} accepted, gave {result!r}"[:200])
    kind = entry.kinds[slot]
    if kind in ("int", "axis", "num", "fn"):  # every value of these lists is wrong
        return Outcome("silent acceptance", f"{label} {value!r} accepted as {kind}")
    if entry.reference is not None and label != "wrong shape":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = entry.reference(*[np.asarray(a, dtype=float) for a in raw])
        except Exception:
            return Outcome("result", "NumPy refuses it too; minigrad broadcast or accepted it")
        got = np.asarray(result.data if isinstance(result, mg.Tensor) else result, dtype=float)
        if got.shape != np.shape(expected) or not np.allclose(
            got, expected, rtol=1e-5, atol=1e-6, equal_nan=True
        ):
            return Outcome("wrong result", f"{label}: got {got!r}, expected {expected!r}"[:300])
    return Outcome("result")


def _case_id(case: tuple) -> str:
    entry, slot, label, _ = case
    return f"{entry.name}-arg{slot}-{label}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_bad_input_gives_a_right_result_or_a_clear_error_and_changes_nothing(case) -> None:
    outcome = run_case(*case)
    assert outcome.kind in ("result", "clear error"), outcome.detail
    assert not outcome.corrupted, "state changed"


# Public names with no entry above, and why.
NOT_SURVEYED = {
    "AnomalyError": "an exception class",
    "GradcheckError": "an exception class",
    "detect_anomaly": "a context manager with no arguments",
    "no_grad": "a context manager with no arguments",
    "enable_grad": "a context manager with no arguments",
    "is_grad_enabled": "takes no arguments",
    "get_default_dtype": "takes no arguments",
    "tensor": "mg.Tensor's alias, surveyed as Tensor",
    "array_namespace": "takes any object: NumPy for all but a Tensor",
    "explain_backward": "builds a page with Graphviz: its bad inputs are in test_explain",
    "load": "reads a file: its bad inputs are in test_persistence",
}


def test_the_survey_enumerates_every_public_function_of_the_api() -> None:
    covered = {entry.name for entry in API}
    for name in ("Tensor", "add", "sum", "softmax", "conv2d", "cross_entropy", "Adam", "register"):
        assert name in covered
    public = [n for n in mg.__all__ if not isinstance(getattr(mg, n), types.ModuleType)]
    missing = [n for n in public if n not in covered and n not in NOT_SURVEYED]
    assert not missing, f"public functions with no bad-input entry: {missing}"
    assert len(CASES) > 500


def survey() -> dict[str, int]:
    counts: dict[str, int] = {}
    corrupted = 0
    for case in CASES:
        outcome = run_case(*case)
        counts[outcome.kind] = counts.get(outcome.kind, 0) + 1
        corrupted += outcome.corrupted
        if outcome.kind not in ("result", "clear error") or outcome.corrupted:
            print(
                _case_id(case),
                outcome.kind,
                outcome.detail[:200],
                "CORRUPTED" if outcome.corrupted else "",
            )
    counts["cases"] = len(CASES)
    counts["state corruptions"] = corrupted
    return counts


if __name__ == "__main__":
    print(survey())
