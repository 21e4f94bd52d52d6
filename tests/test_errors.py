"""Bad input raises a clear exception and changes nothing.

Each test checks the message (the op, the shapes, what was expected) and that
the inputs' data and gradients are exactly as they were before the call.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as mg


def with_grad(*shape, seed=0):
    """A leaf that already holds data and a gradient from an earlier pass."""
    rng = np.random.default_rng(seed)
    t = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    (t * 2).sum().backward()
    return t


def snapshot(*tensors):
    return [(t.data.copy(), None if t.grad is None else t.grad.copy()) for t in tensors]


def assert_unchanged(tensors, before):
    for t, (data, grad) in zip(tensors, before, strict=True):
        np.testing.assert_array_equal(t.data, data)
        if grad is None:
            assert t.grad is None
        else:
            np.testing.assert_array_equal(t.grad, grad)


def shape_text(shape):
    return re.escape(str(shape))


# ----------------------------------------------------------- mismatched shapes

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": mg.maximum,
    "minimum": mg.minimum,
}


@pytest.mark.parametrize("name", BINARY)
def test_mismatched_shapes_name_the_op_and_both_shapes(name):
    a, b = with_grad(2, 3), with_grad(4, seed=1)
    before = snapshot(a, b)
    with pytest.raises(ValueError) as caught:
        BINARY[name](a, b)
    message = str(caught.value)
    assert message.startswith(f"{name}:")
    assert "(2, 3)" in message and "(4,)" in message
    assert_unchanged([a, b], before)


@pytest.mark.parametrize(
    "a_shape, b_shape, expected",
    [
        ((2, 3), (2, 3), r"last axis of the first \(3\) must equal the second-to-last axis"),
        ((2, 3), (4,), r"last axis of the first \(3\) must equal the first axis of the second"),
        ((4,), (3, 2), r"last axis of the first \(4\) must equal the second-to-last axis"),
        ((2, 3, 4), (3, 4, 5), r"batch axes"),
    ],
)
def test_matmul_mismatch_says_which_axes_must_match(a_shape, b_shape, expected):
    a, b = with_grad(*a_shape), with_grad(*b_shape, seed=1)
    before = snapshot(a, b)
    with pytest.raises(ValueError, match=expected) as caught:
        a @ b
    message = str(caught.value)
    assert message.startswith("matmul:")
    assert str(a_shape) in message and str(b_shape) in message
    assert_unchanged([a, b], before)


def test_where_with_mismatched_shapes_names_every_shape():
    a, b = with_grad(2, 3), with_grad(4, seed=1)
    cond = np.ones((2, 3), dtype=bool)
    before = snapshot(a, b)
    with pytest.raises(ValueError) as caught:
        mg.where(cond, a, b)
    message = str(caught.value)
    assert message.startswith("where:")
    assert "(2, 3)" in message and "(4,)" in message
    assert_unchanged([a, b], before)


def test_concatenate_with_mismatched_shapes_names_the_op_and_shapes():
    a, b = with_grad(2, 3), with_grad(3, 2, seed=1)
    before = snapshot(a, b)
    with pytest.raises(ValueError) as caught:
        mg.concatenate([a, b], axis=0)
    message = str(caught.value)
    assert message.startswith("concatenate:")
    assert "(2, 3)" in message and "(3, 2)" in message
    assert_unchanged([a, b], before)


def test_stack_with_unequal_shapes_names_the_op_and_shapes():
    a, b = with_grad(2, 3), with_grad(2, 2, seed=1)
    before = snapshot(a, b)
    with pytest.raises(ValueError, match=r"^stack:.*\(2, 3\).*\(2, 2\)"):
        mg.stack([a, b])
    assert_unchanged([a, b], before)


# ------------------------------------------------------------------ shapes


def test_reshape_to_an_impossible_shape_names_both_shapes():
    t = with_grad(2, 3)
    before = snapshot(t)
    with pytest.raises(ValueError, match=r"^reshape:.*\(2, 3\).*\(4, 2\)"):
        t.reshape(4, 2)
    assert t.shape == (2, 3)
    assert_unchanged([t], before)


def test_squeeze_of_an_axis_that_is_not_1_names_the_shape():
    t = with_grad(2, 1, 3)
    before = snapshot(t)
    with pytest.raises(ValueError, match=r"^squeeze:.*\(2, 1, 3\)"):
        t.squeeze(0)
    assert_unchanged([t], before)


@pytest.mark.parametrize(
    "axes",
    [(0, 0), (0,), (0, 1, 2), (2, 1), (0, 5), (1, -3)],
    ids=["repeated", "too-few", "too-many", "out-of-range", "wraps-to-valid", "negative"],
)
def test_transpose_refuses_axes_that_are_not_a_permutation(axes):
    t = with_grad(2, 3)
    before = snapshot(t)
    with pytest.raises(ValueError, match=r"^transpose:.*not a permutation.*\(2, 3\)"):
        t.transpose(*axes)
    assert_unchanged([t], before)


def test_indexing_out_of_range_raises_index_error_naming_getitem():
    t = with_grad(2, 3)
    before = snapshot(t)
    with pytest.raises(IndexError, match=r"^getitem:.*\(2, 3\)"):
        t[5]
    assert_unchanged([t], before)


def test_item_assignment_raises_type_error_and_keeps_the_data():
    t = with_grad(3)
    before = snapshot(t)
    with pytest.raises(TypeError, match="item assignment"):
        t[0] = 1.0
    assert_unchanged([t], before)


def test_clip_with_lower_bound_above_upper_bound_raises():
    t = with_grad(3)
    before = snapshot(t)
    with pytest.raises(ValueError, match="lower bound"):
        t.clip(1.0, -1.0)
    assert_unchanged([t], before)


# ---------------------------------------------------------------- backward


def test_backward_without_grad_on_a_non_scalar_says_why():
    x = with_grad(2, 3)
    y = x * 3
    before = snapshot(x)
    with pytest.raises(RuntimeError) as caught:
        y.backward()
    message = str(caught.value)
    assert "one element" in message
    assert "(2, 3)" in message
    assert ".sum()" in message  # and what to do about it
    assert_unchanged([x], before)
    assert y.grad is None


def test_backward_with_a_grad_of_the_wrong_shape_names_both_shapes():
    x = with_grad(2, 3)
    y = x * 3
    before = snapshot(x)
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        y.backward(np.ones((3, 2)))
    assert_unchanged([x], before)


def test_backward_on_a_tensor_that_does_not_require_grad_raises():
    t = mg.tensor([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (t * 2).backward()
    assert t.grad is None


def test_backward_inside_no_grad_result_raises():
    x = with_grad(3)
    before = snapshot(x)
    with mg.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        y.backward()
    assert_unchanged([x], before)


# ------------------------------------------------------------ activations


def test_an_unknown_activation_raises_key_error_listing_the_known_ones():
    with pytest.raises(KeyError) as caught:
        mg.activations.get("nope")
    message = str(caught.value)
    assert "'nope'" in message
    for name in mg.activations.names():
        assert name in message


def test_registering_an_existing_activation_name_raises_and_keeps_the_original():
    original = mg.activations.get("relu")
    names_before = mg.activations.names()
    with pytest.raises(ValueError, match="'relu'"):
        mg.activations.register("relu", lambda x: x, lambda x, y: np.ones_like(x))
    assert mg.activations.get("relu") is original
    assert mg.activations.names() == names_before


def test_registering_an_activation_under_an_op_name_raises():
    ops_before = mg.ops.names()
    with pytest.raises(ValueError, match="'add'"):
        mg.activations.register("add", lambda x: x, lambda x, y: np.ones_like(x))
    assert "add" not in mg.activations.names()
    assert mg.ops.names() == ops_before


def test_unregistering_a_builtin_activation_raises_and_keeps_it():
    with pytest.raises(ValueError, match="built-in"):
        mg.activations.unregister("tanh")
    assert "tanh" in mg.activations.names()
    assert "tanh" in mg.ops.names()
    assert mg.tanh(mg.tensor([0.0])).item() == 0.0
