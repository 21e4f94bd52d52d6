"""gradcheck and numerical_grad: the tools that check every other derivative.

A checker that never fails checks nothing, so half of these tests register a
deliberately wrong derivative and make sure it is caught and explained.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import numpy as np
import pytest

import minigrad as mg
from minigrad.tensor import apply


@contextmanager
def wrong_square():
    """An op computing x^2 whose registered derivative is x instead of 2x."""
    op = mg.ops.register_op(
        "test_wrong_square",
        lambda x: x * x,
        (lambda g, y, x: g * x,),  # wrong on purpose: d(x^2)/dx = 2x
    )
    try:
        yield lambda t: apply(op, t)
    finally:
        mg.ops.unregister_op("test_wrong_square")


def test_gradcheck_passes_a_correct_scalar_function(rng):
    x = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = mg.tensor(rng.standard_normal(4), requires_grad=True)
    assert mg.gradcheck(lambda x, w: ((x @ w).tanh() ** 2).sum(), [x, w]) is True


def test_gradcheck_passes_a_correct_non_scalar_function(rng):
    x = mg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    assert mg.gradcheck(lambda x: mg.softmax(x) * x, [x]) is True


def test_gradcheck_passes_a_large_output_checked_along_random_directions(rng):
    x = mg.tensor(rng.standard_normal((6, 5)), requires_grad=True)
    assert mg.gradcheck(lambda x: x.sigmoid() * x, [x]) is True


def test_gradcheck_accepts_a_single_tensor_and_non_tensor_arguments(rng):
    x = mg.tensor(rng.standard_normal(3), requires_grad=True)
    assert mg.gradcheck(lambda x, k: (x * k).exp().sum(), [x, 0.5]) is True
    assert mg.gradcheck(lambda x: x.exp().sum(), x) is True


def test_gradcheck_checks_float32_inputs_on_float64_copies(rng):
    x = mg.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    seen = []

    def fn(t):
        seen.append(t.dtype)
        return (t * t).sum()

    assert mg.gradcheck(fn, [x]) is True
    assert seen and all(dtype == np.float64 for dtype in seen)


def test_gradcheck_does_not_modify_the_callers_tensors(rng):
    data = rng.standard_normal(4).astype(np.float32)
    x = mg.tensor(data.copy(), requires_grad=True)
    original_data = x.data
    mg.gradcheck(lambda t: (t * t).sum(), [x])
    assert x.data is original_data
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x.data, data)
    assert x.grad is None


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        mg.gradcheck(lambda t: t.sum(), [mg.tensor([1.0])])


def test_gradcheck_raises_for_a_wrong_derivative():
    with wrong_square() as square:
        x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with pytest.raises(mg.GradcheckError):
            mg.gradcheck(lambda t: square(t).sum(), [x])


def test_gradcheck_error_names_the_input_the_element_and_both_values():
    a = mg.tensor([0.5], requires_grad=True)
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with wrong_square() as square:
        with pytest.raises(mg.GradcheckError) as caught:
            mg.gradcheck(lambda a, x: (a * square(x)).sum(), [a, x])
    message = str(caught.value)
    # a's gradient is right; x's is wrong, worst at x = 3: analytic 0.5*3, numerical 0.5*6.
    assert "input 1" in message
    assert "element (2,)" in message
    assert re.search(r"analytic gradient 1\.5\b", message)
    assert re.search(r"numerical 3(\.0*)?\b", message)


def test_gradcheck_catches_a_wrong_derivative_in_a_large_output():
    x = mg.tensor(np.linspace(0.5, 2.0, 30).reshape(5, 6), requires_grad=True)
    with wrong_square() as square:
        with pytest.raises(mg.GradcheckError, match="input 0"):
            mg.gradcheck(square, [x])


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(mg.GradcheckError, AssertionError)


def test_numerical_grad_returns_one_array_per_input_matching_the_analytic_gradient(rng):
    x = mg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    w = mg.tensor(rng.standard_normal(3), requires_grad=True)

    def fn(x, w):
        return ((x * w).sigmoid() * x).sum()

    numeric = mg.numerical_grad(fn, [x, w])
    fn(x, w).backward()
    assert isinstance(numeric, list) and len(numeric) == 2
    assert numeric[0].shape == x.shape and numeric[1].shape == w.shape
    np.testing.assert_allclose(numeric[0], x.grad, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(numeric[1], w.grad, rtol=1e-6, atol=1e-8)


def test_numerical_grad_gives_none_for_non_tensor_inputs():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    numeric = mg.numerical_grad(lambda x, k: (x * k).sum(), [x, 3.0])
    np.testing.assert_allclose(numeric[0], [3.0, 3.0], rtol=1e-6)
    assert numeric[1] is None


def test_numerical_grad_refuses_a_function_with_more_than_one_element():
    with pytest.raises(ValueError, match="one element"):
        mg.numerical_grad(lambda x: x * 2, [mg.tensor([1.0, 2.0])])
