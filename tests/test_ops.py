"""Every registered op, finite-difference checked through the registry.

``CASES`` names each op's test inputs. The first test fails when an op is
registered without a case here, so no op can go unchecked. Activations are
checked by enumerating their own registry in test_activations.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import conv  # registers conv2d, max_pool2d and avg_pool2d
from minigrad.tensor import apply

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch comparisons skip
    torch = TF = None


@dataclass
class Case:
    fn: Callable[..., mg.Tensor]
    shapes: tuple[tuple[int, ...], ...]
    torch_fn: Callable | None = None
    # Draws inputs away from kinks and outside domains: "positive", "distinct", "nonzero".
    domain: str = "any"
    id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def arrays(self, rng: np.random.Generator) -> list[np.ndarray]:
        out = []
        for shape in self.shapes:
            x = rng.standard_normal(shape)
            if self.domain == "positive":
                x = np.abs(x) + 0.5
            elif self.domain == "nonzero":
                x = np.sign(x) * (np.abs(x) + 0.3)
            out.append(x)
        return out


def binary(fn, torch_fn, domain="any"):
    shapes = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((5,), ())]
    return [Case(fn, s, torch_fn, domain, id=f"{s[0]}-{s[1]}") for s in shapes]


def reduction(method, torch_fn):
    cases = []
    for axis, keepdims in [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)]:
        cases.append(
            Case(
                lambda x, a=axis, k=keepdims: getattr(x, method)(axis=a, keepdims=k),
                ((2, 3, 4),),
                (lambda x, a=axis, k=keepdims: torch_fn(x, a, k)) if torch_fn else None,
                id=f"axis={axis}-keepdims={keepdims}",
            )
        )
    return cases


def _torch_reduce(name):
    def fn(x, axis, keepdims):
        if axis is None:
            axis = tuple(range(x.ndim))
        if name in ("amax", "amin"):
            return getattr(torch, name)(x, dim=axis, keepdim=keepdims)
        if name == "var":
            return torch.var(x, dim=axis, keepdim=keepdims, correction=0)
        return getattr(torch, name)(x, dim=axis, keepdim=keepdims)

    return fn


def conv_case(x_shape, w_shape, stride, padding, bias=False):
    """conv2d of x and w (and a bias b when asked), with the same call in PyTorch."""
    params = {"stride": stride, "padding": padding}
    shapes = (x_shape, w_shape) + (((w_shape[0],),) if bias else ())
    return Case(
        lambda *xw: conv.conv2d(*xw, **params),
        shapes,
        lambda *xw: TF.conv2d(*xw, **params),
        id=f"x{x_shape}-w{w_shape}-stride={stride}-padding={padding}-bias={bias}",
    )


def pool_case(name, kernel_size, stride=None, x_shape=(2, 3, 7, 5)):
    return Case(
        lambda x: getattr(conv, name)(x, kernel_size, stride),
        (x_shape,),
        lambda x: getattr(TF, name)(x, kernel_size, stride),
        id=f"x{x_shape}-kernel={kernel_size}-stride={stride}",
    )


MASK = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])

CASES: dict[str, list[Case]] = {
    "add": binary(lambda a, b: a + b, lambda a, b: a + b),
    "sub": binary(lambda a, b: a - b, lambda a, b: a - b),
    "mul": binary(lambda a, b: a * b, lambda a, b: a * b),
    "div": binary(lambda a, b: a / b, lambda a, b: a / b, domain="nonzero"),
    "pow": binary(lambda a, b: a**b, lambda a, b: a**b, domain="positive"),
    "maximum": binary(mg.maximum, torch.maximum if torch else None),
    "minimum": binary(mg.minimum, torch.minimum if torch else None),
    "where": [
        Case(
            lambda a, b: mg.where(MASK, a, b),
            ((3, 4), (4,)),
            lambda a, b: torch.where(torch.tensor(MASK), a, b),
        )
    ],
    "matmul": [
        Case(lambda a, b: a @ b, s, lambda a, b: a @ b, id=f"{s[0]}@{s[1]}")
        for s in [
            ((3, 4), (4, 5)),
            ((4,), (4, 5)),
            ((3, 4), (4,)),
            ((4,), (4,)),
            ((2, 3, 4), (4, 5)),
            ((2, 3, 4), (2, 4, 5)),
            ((1, 3, 4), (2, 4, 2)),
            ((4,), (2, 4, 3)),
            ((2, 3, 4), (4,)),
        ]
    ]
    + [
        # x W^T with W as stored, the way Linear calls it
        Case(
            lambda a, b: apply(mg.ops.matmul, a, b, transpose_b=True),
            s,
            lambda a, b: a @ b.T,
            id=f"{s[0]}@{s[1]}.T",
        )
        for s in [((3, 4), (5, 4)), ((2, 3, 4), (5, 4)), ((4,), (5, 4))]
    ],
    "neg": [Case(lambda x: -x, ((3, 4),), lambda x: -x)],
    "exp": [Case(lambda x: x.exp(), ((3, 4),), torch.exp if torch else None)],
    "log": [Case(lambda x: x.log(), ((3, 4),), torch.log if torch else None, "positive")],
    "sqrt": [Case(lambda x: x.sqrt(), ((3, 4),), torch.sqrt if torch else None, "positive")],
    "abs": [Case(lambda x: x.abs(), ((3, 4),), torch.abs if torch else None, "nonzero")],
    "clip": [
        Case(lambda x: x.clip(-0.5, 0.7), ((4, 5),), lambda x: torch.clamp(x, -0.5, 0.7)),
        Case(lambda x: x.clip(None, 0.2), ((6,),), lambda x: torch.clamp(x, max=0.2)),
    ],
    "astype": [Case(lambda x: x.astype(np.float64) * x, ((3,),))],
    "sum": reduction("sum", _torch_reduce("sum") if torch else None),
    "mean": reduction("mean", _torch_reduce("mean") if torch else None),
    "var": reduction("var", _torch_reduce("var") if torch else None),
    "max": reduction("max", _torch_reduce("amax") if torch else None),
    "min": reduction("min", _torch_reduce("amin") if torch else None),
    "logsumexp": [
        Case(lambda x: mg.logsumexp(x), ((3, 5),), lambda x: torch.logsumexp(x, -1)),
        Case(
            lambda x: mg.logsumexp(x, axis=0, keepdims=True),
            ((3, 5),),
            lambda x: torch.logsumexp(x, 0, keepdim=True),
        ),
    ],
    "softmax": [
        Case(lambda x: mg.softmax(x), ((3, 5),), lambda x: torch.softmax(x, -1)),
        Case(lambda x: mg.softmax(x, axis=0), ((3, 5),), lambda x: torch.softmax(x, 0)),
    ],
    "log_softmax": [
        Case(lambda x: mg.log_softmax(x), ((3, 5),), lambda x: torch.log_softmax(x, -1)),
        Case(lambda x: mg.log_softmax(x, axis=1), ((2, 3, 4),), lambda x: torch.log_softmax(x, 1)),
    ],
    "softmax_cross_entropy": [
        Case(
            lambda x, y=labels: mg.nn.functional.cross_entropy(x, y),
            (shape,),
            lambda x, y=labels: TF.cross_entropy(x, torch.tensor(y)),
            id=label,
        )
        for labels, shape, label in [
            (np.array([0, 3, 1]), (3, 4), "distinct"),
            (np.array([2, 2, 0, 2, 2]), (5, 3), "repeated"),
            (np.array([0]), (1, 1), "one-class"),
        ]
    ],
    "reshape": [
        Case(lambda x: x.reshape(4, 3), ((3, 4),), lambda x: x.reshape(4, 3)),
        Case(lambda x: x.flatten(), ((2, 3, 2),), lambda x: x.flatten()),
        Case(lambda x: x.squeeze(), ((1, 3, 1),), lambda x: x.squeeze()),
    ],
    "transpose": [
        Case(lambda x: x.T, ((3, 4),), lambda x: x.T),
        Case(lambda x: x.transpose(1, 2, 0), ((2, 3, 4),), lambda x: x.permute(1, 2, 0)),
    ],
    "getitem": [
        Case(lambda x: x[1:, ::2], ((3, 4),), lambda x: x[1:, ::2], id="slices"),
        Case(lambda x: x[1], ((3, 4),), lambda x: x[1], id="int"),
        Case(lambda x: x[None, :, 2], ((3, 4),), lambda x: x[None, :, 2], id="none"),
        Case(
            lambda x: x[[0, 2, 0, 0]],
            ((3, 4),),
            lambda x: x[[0, 2, 0, 0]],
            id="repeated-ints",
        ),
        Case(
            lambda x: x[np.array([0, 1, 1]), np.array([3, 3, 0])],
            ((3, 4),),
            lambda x: x[torch.tensor([0, 1, 1]), torch.tensor([3, 3, 0])],
            id="pairs",
        ),
        Case(lambda x: x[MASK], ((3, 4),), lambda x: x[torch.tensor(MASK)], id="mask"),
    ],
    "concatenate": [
        Case(
            lambda a, b, c: mg.concatenate([a, b, c], axis=1),
            ((2, 1), (2, 3), (2, 2)),
            lambda a, b, c: torch.cat([a, b, c], dim=1),
        )
    ],
    "stack": [
        Case(
            lambda a, b: mg.stack([a, b], axis=1),
            ((2, 3), (2, 3)),
            lambda a, b: torch.stack([a, b], dim=1),
        )
    ],
    # Odd sizes (H=7, W=5) and a batch of 2, so that an off-by-one in the
    # windows or a mixed-up axis shows; kept small, as gradcheck perturbs every element.
    "conv2d": [
        conv_case((2, 3, 7, 5), (4, 3, 3, 3), stride=1, padding=0, bias=True),
        conv_case((2, 3, 7, 5), (4, 3, 3, 3), stride=2, padding=1),
        conv_case((2, 2, 7, 5), (3, 2, 3, 2), stride=2, padding=0),
        conv_case((2, 2, 7, 5), (3, 2, 2, 3), stride=(2, 1), padding=(0, 1), bias=True),
        conv_case((3, 2, 5, 4), (2, 2, 1, 1), stride=1, padding=1),
    ],
    "max_pool2d": [
        pool_case("max_pool2d", 2),  # side by side; the last row is dropped (7 // 2)
        pool_case("max_pool2d", 3, stride=1),  # overlapping windows
        pool_case("max_pool2d", (3, 2), stride=(2, 1)),
    ],
    "avg_pool2d": [
        pool_case("avg_pool2d", 2),
        pool_case("avg_pool2d", 3, stride=1),
        pool_case("avg_pool2d", (3, 2), stride=(2, 1)),
    ],
}

# The ops that higher-order gradients add: the derivatives of sigmoid and tanh
# (cosh, sinh), of sum (broadcast_to), of indexing (scatter_add), and the backward
# ops of convolution, pooling and maxout, which are differentiated again.
_POOL_X = np.random.default_rng(7).standard_normal((2, 3, 7, 5))  # distinct values: no ties
_MAXOUT_Z = np.random.default_rng(8).standard_normal((3, 6))


def _max_pool_backward(g, kernel, stride):
    y = conv.max_pool2d_op.forward(_POOL_X, kernel, stride)
    return apply(conv.max_pool2d_backward, g, x=_POOL_X, y=y, kernel=kernel, stride=stride)


def _maxout_backward(g):
    y = mg.ops.get("maxout").forward(_MAXOUT_Z, 3)
    return apply(mg.ops.get("maxout_backward"), g, z=_MAXOUT_Z, y=y, pieces=3)


CASES.update(
    {
        "cosh": [Case(lambda x: apply(mg.ops.cosh, x), ((3, 4),), torch.cosh if torch else None)],
        "sinh": [Case(lambda x: apply(mg.ops.sinh, x), ((3, 4),), torch.sinh if torch else None)],
        "broadcast_to": [
            Case(
                lambda x: apply(mg.ops.broadcast_to, x, shape=(2, 3, 4)),
                s,
                lambda x: torch.broadcast_to(x, (2, 3, 4)),
                id=f"{s[0]}",
            )
            for s in [((3, 1),), ((4,),), ((2, 1, 4),)]
        ],
        "scatter_add": [
            Case(
                lambda g, i=index: apply(mg.ops.scatter_add, g, shape=(3, 4), index=i),
                (shape,),
                id=label,
            )
            for index, shape, label in [
                ((slice(1, None), slice(None, None, 2)), (2, 2), "slices"),
                (np.array([0, 2, 0, 0]), (4, 4), "repeated-ints"),
                (MASK, (int(MASK.sum()),), "mask"),
            ]
        ],
        "conv2d_backward_input": [
            Case(
                lambda g, w: apply(
                    conv.conv2d_backward_input,
                    g,
                    w,
                    x_shape=(2, 3, 7, 5),
                    stride=(2, 2),
                    padding=(1, 1),
                ),
                ((2, 4, 4, 3), (4, 3, 3, 3)),
                lambda g, w: torch.nn.grad.conv2d_input((2, 3, 7, 5), w, g, 2, 1),
            )
        ],
        "conv2d_backward_weight": [
            Case(
                lambda g, x: apply(
                    conv.conv2d_backward_weight, g, x, kernel=(3, 2), stride=(2, 1), padding=(0, 1)
                ),
                ((2, 4, 3, 6), (2, 3, 7, 5)),
                lambda g, x: torch.nn.grad.conv2d_weight(x, (4, 3, 3, 2), g, (2, 1), (0, 1)),
            )
        ],
        "max_pool2d_backward": [
            Case(lambda g: _max_pool_backward(g, (2, 2), (2, 2)), ((2, 3, 3, 2),), id="2x2"),
            Case(lambda g: _max_pool_backward(g, (3, 3), (1, 1)), ((2, 3, 5, 3),), id="overlap"),
        ],
        "avg_pool2d_backward": [
            Case(
                lambda g: apply(
                    conv.avg_pool2d_backward,
                    g,
                    x_shape=(2, 3, 7, 5),
                    kernel=(3, 2),
                    stride=(2, 1),
                ),
                ((2, 3, 3, 4),),
            )
        ],
        "maxout_backward": [Case(_maxout_backward, ((3, 2),))],
    }
)

ALL_CASES = [
    pytest.param(name, case, id=f"{name}-{case.id or i}")
    for name, cases in CASES.items()
    for i, case in enumerate(cases)
]


def test_every_registered_op_has_a_gradient_check_case():
    activations = set(mg.activations.names())
    untested = set(mg.ops.names()) - set(CASES) - activations
    assert not untested, f"ops registered without a test case in CASES: {sorted(untested)}"


def test_registry_is_introspectable():
    for name in mg.ops.names():
        op = mg.ops.get(name)
        assert op.name == name
        assert op.arity is None or op.arity == len(op.vjps)
        assert callable(op.forward)
    assert mg.ops.get("matmul").arity == 2
    assert mg.ops.get("concatenate").arity is None


@pytest.mark.parametrize("name, case", ALL_CASES)
def test_op_matches_finite_differences(name, case, rng):
    inputs = [mg.Tensor(a, requires_grad=True) for a in case.arrays(rng)]
    out = case.fn(*inputs)
    assert out.op is not None
    assert mg.gradcheck(case.fn, inputs)


@pytest.mark.parametrize("name, case", ALL_CASES)
def test_op_keeps_float32(name, case, rng):
    inputs = [mg.Tensor(a.astype(np.float32), requires_grad=True) for a in case.arrays(rng)]
    if name == "astype":  # casts to float64 on purpose
        pytest.skip("astype changes the dtype by definition")
    out = case.fn(*inputs)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, np.float32))
    for x in inputs:
        assert x.grad.dtype == np.float32


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name, case", [p for p in ALL_CASES if p.values[1].torch_fn])
def test_op_values_and_gradients_match_torch(name, case, rng):
    arrays = case.arrays(rng)
    inputs = [mg.Tensor(a, requires_grad=True) for a in arrays]
    out = case.fn(*inputs)
    t_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    t_out = case.torch_fn(*t_inputs)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)

    seed = rng.standard_normal(out.shape)
    out.backward(seed)
    t_out.backward(torch.tensor(seed))
    for x, tx in zip(inputs, t_inputs, strict=False):
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_family_is_silent_at_the_ends_of_the_float_range(name, dtype):
    big = float(np.finfo(dtype).max)  # big - (-big) is beyond the float range
    x = mg.Tensor(np.array([[big, -big, 0.0], [1e4, -1e4, 5.0]], dtype), requires_grad=True)
    fn = getattr(mg, name)
    with np.errstate(all="raise", under="ignore"):
        y = fn(x)
        y.backward(np.ones(y.shape, dtype))
    assert not np.any(np.isnan(y.data)) and np.all(np.isfinite(x.grad))
    if name == "softmax":
        np.testing.assert_allclose(y.data[:, 0], [1.0, 1.0])
    if name == "log_softmax":
        assert y.data[1, 1] == pytest.approx(-2e4, rel=1e-6)  # exact far below the max
