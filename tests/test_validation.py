"""One converter for data, one checker for sizes, axes and counts, used by every op."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

X = mg.arange(6.0).reshape(2, 3)

NOT_REAL = [None, "1.5", b"1", 1j, [1.0, None], [1.0, "a"], np.array([1 + 2j]), {"a": 1}]


@pytest.mark.parametrize("bad", NOT_REAL, ids=repr)
@pytest.mark.parametrize(
    "where, call",
    [
        ("Tensor", lambda v: mg.Tensor(v)),
        ("Tensor", lambda v: mg.tensor(v)),
        ("Tensor.__add__", lambda v: X + v),
        ("Tensor.__rmul__", lambda v: v * X),
        ("exp", lambda v: mg.exp(v)),
        ("sigmoid", lambda v: mg.sigmoid(v)),
        ("maximum", lambda v: mg.maximum(X, v)),
        ("mse_loss", lambda v: mg.nn.F.mse_loss(X, v)),
        ("softmax", lambda v: mg.softmax(v)),
    ],
)
def test_data_that_is_not_real_numbers_raises_type_error_naming_the_function(
    bad, where, call
) -> None:
    with pytest.raises(TypeError, match=rf"^{where}: \w+ must be real"):
        call(bad)


@pytest.mark.parametrize(
    "call",
    [
        lambda: mg.zeros((2, 2.5)),
        lambda: mg.ones(2.0),
        lambda: mg.randn("3"),
        lambda: X.reshape(3.9, 2),
        lambda: X.reshape((True, 6)),
        lambda: X.sum(axis="1"),
        lambda: X.sum(axis=True),
        lambda: X.mean(axis=(0, 1.0)),
        lambda: X.max(axis=0.0),
        lambda: X.squeeze(axis=0.5),
        lambda: X.transpose(1.0, 0),
        lambda: mg.maxout(X, 2.9),
        lambda: mg.softmax(X, axis=1.0),
        lambda: mg.stack([X, X], axis="0"),
        lambda: X.argmax(axis=1.0),
        lambda: mg.nn.Linear(2.0, 3),
        lambda: X.sum(keepdims="yes"),
        lambda: mg.elu(X, alpha="a"),
        lambda: mg.leaky_relu(X, slope=None),
    ],
)
def test_sizes_axes_and_counts_take_integers_only(call) -> None:
    with pytest.raises(TypeError, match=r"^\w+: \w+ must be"):
        call()


@pytest.mark.parametrize(
    "call",
    [lambda: X.sum(axis=2), lambda: X.mean(axis=-3), lambda: mg.logsumexp(X, axis=5)],
)
def test_an_axis_out_of_range_raises_value_error(call) -> None:
    with pytest.raises(ValueError, match="out of"):
        call()


def test_numpy_integers_are_sizes_and_axes() -> None:
    assert mg.zeros(np.int64(2), np.int32(3)).shape == (2, 3)
    assert X.sum(axis=np.int64(1)).shape == (2,)
    np.testing.assert_allclose(
        mg.logsumexp(X, axis=np.int64(1)).data, np.log(np.exp(X.data).sum(axis=1))
    )
    assert mg.maxout(X.reshape(3, 2), np.int64(2)).shape == (3, 1)


def test_a_float_tensor_or_array_is_not_an_index() -> None:
    t = mg.arange(5.0)
    for index in (mg.Tensor([1.9]), np.array([1.0]), 1.0, [0.5]):
        with pytest.raises(IndexError, match="getitem"):
            t[index]
    assert t[np.array([1, 3])].data.tolist() == [1.0, 3.0]
    assert t[np.array([True, False, True, False, False])].data.tolist() == [0.0, 2.0]


def test_arguments_are_checked_when_given() -> None:
    with pytest.raises(TypeError, match="Tensor: name must be a string"):
        mg.Tensor(1.0, name=5)
    with pytest.raises(TypeError, match="register_hook: fn must be callable"):
        mg.Tensor(1.0, requires_grad=True).register_hook(None)
