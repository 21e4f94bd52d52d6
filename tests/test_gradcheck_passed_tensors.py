"""gradcheck perturbs the passed tensors themselves and leaves everything as it was."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _wrong_square(x: np.ndarray) -> np.ndarray:
    return x * x


@pytest.fixture
def wrong_activation():
    # A deliberately wrong derivative: 3x instead of 2x.
    mg.activations.register("wrong_square_gc", _wrong_square, lambda x, y: 3 * x)
    yield mg.activations.get("wrong_square_gc")
    mg.activations.unregister("wrong_square_gc")


def test_a_parameter_that_fn_closes_over_is_checked(wrong_activation) -> None:
    rng = np.random.default_rng(0)
    model = mg.nn.Sequential(mg.nn.Linear(3, 2, rng=rng), mg.nn.Activation("wrong_square_gc"))
    x = mg.Tensor(rng.standard_normal((4, 3)))
    with pytest.raises(mg.GradcheckError, match="input 1"):
        mg.gradcheck(lambda x, w: model(x).sum(), [x, model[0].weight])


def test_data_and_grads_of_every_tensor_are_exactly_as_before() -> None:
    rng = np.random.default_rng(1)
    layer = mg.nn.Linear(3, 2, rng=rng)
    layer.weight.data = layer.weight.data.astype(np.float32)
    layer.bias.grad = np.full(2, 7.0)
    x = mg.Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    x.grad = np.ones((4, 3))
    data_before = [layer.weight.data, layer.bias.data, x.data]
    copies = [a.copy() for a in data_before]
    grad_x, grad_b = x.grad, layer.bias.grad
    assert mg.gradcheck(lambda x, w: (layer(x) ** 2).sum(), [x, layer.weight], atol=1e-3)
    for before, now, copy in zip(
        data_before, [layer.weight.data, layer.bias.data, x.data], copies, strict=True
    ):
        assert now is before and now.dtype == copy.dtype
        np.testing.assert_array_equal(now, copy)
    assert x.grad is grad_x and layer.bias.grad is grad_b and layer.weight.grad is None
    np.testing.assert_array_equal(layer.bias.grad, np.full(2, 7.0))


def test_the_reported_element_has_the_largest_excess_of_all() -> None:
    # f(x) = sum(c * x^2) with a wrong derivative 2x + bump: the bump is small at
    # element 0 and large at element 3, which must be the one reported.
    bump = np.array([0.01, 0.0, 0.0, 7.5])

    def forward(x: np.ndarray) -> np.ndarray:
        return x * x

    # peak= given: this derivative only works on 4 elements, so no grid search
    mg.activations.register("bumped_square_gc", forward, lambda x, y: 2 * x + bump, peak=8.0)
    try:
        x = mg.Tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
        with pytest.raises(mg.GradcheckError, match=r"element \(3,\)"):
            mg.gradcheck(lambda x: mg.activations.get("bumped_square_gc")(x), [x])
    finally:
        mg.activations.unregister("bumped_square_gc")


def test_numerical_grad_perturbs_the_passed_tensor() -> None:
    w = mg.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    (g,) = mg.numerical_grad(lambda w: (w * w).sum(), [w])
    np.testing.assert_allclose(g, [2.0, -4.0], atol=1e-6)
    np.testing.assert_array_equal(w.data, [1.0, -2.0])
