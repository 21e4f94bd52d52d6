"""The activation registry: every activation's derivative, numerics and lessons."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = None

BUILT_INS = {
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "prelu",
    "maxout",
    "elu",
    "softplus",
    "gelu",
    "silu",
}


def _away_from_kinks(rng, shape):
    x = rng.standard_normal(shape) * 2
    return np.sign(x) * (np.abs(x) + 0.1)


# Activations that are not elementwise need inputs of their own.
def _check_prelu(rng):
    x = mg.Tensor(_away_from_kinks(rng, (4, 3, 2)), requires_grad=True)
    shared = mg.Tensor([0.25], requires_grad=True)
    per_channel = mg.Tensor([0.1, 0.3, 0.6], requires_grad=True)
    return mg.gradcheck(mg.prelu, [x, shared]) and mg.gradcheck(mg.prelu, [x, per_channel])


def _check_maxout(rng):
    z = mg.Tensor(rng.standard_normal((3, 6)), requires_grad=True)  # distinct values: no ties
    return mg.gradcheck(lambda z: mg.maxout(z, 3), [z]) and mg.gradcheck(
        lambda z: mg.maxout(z, 2), [z]
    )


NOT_ELEMENTWISE = {"prelu": _check_prelu, "maxout": _check_maxout}


def _gradcheck_every_registered_activation(rng):
    checked = []
    for name in mg.activations.names():
        record = mg.activations.get(name)
        if record.derivative is None:
            assert name in NOT_ELEMENTWISE, f"no gradient check for activation {name!r}"
            assert NOT_ELEMENTWISE[name](rng)
        else:
            x = mg.Tensor(_away_from_kinks(rng, (3, 5)), requires_grad=True)
            assert mg.gradcheck(record, [x]), name
        checked.append(name)
    return checked


def test_builtins_are_registered():
    assert BUILT_INS <= set(mg.activations.names())
    for name in BUILT_INS:
        assert mg.activations.get(name).builtin


def test_every_registered_activation_matches_finite_differences(rng):
    assert set(_gradcheck_every_registered_activation(rng)) >= BUILT_INS


def test_user_activation_is_checked_with_the_builtins(rng):
    mg.activations.register("cube", lambda x: x**3, lambda x, y: 3 * x**2)
    try:
        assert "cube" in _gradcheck_every_registered_activation(rng)
    finally:
        mg.activations.unregister("cube")
    assert "cube" not in mg.activations.names()


def test_user_activation_with_a_wrong_derivative_fails_gradcheck(rng):
    mg.activations.register("bad_square", lambda x: x**2, lambda x, y: x)  # should be 2x
    try:
        x = mg.Tensor(_away_from_kinks(rng, (4,)), requires_grad=True)
        with pytest.raises(mg.GradcheckError, match="input 0"):
            mg.gradcheck(mg.activations.get("bad_square"), [x])
    finally:
        mg.activations.unregister("bad_square")


def test_decorator_registration_keeps_the_forward_function():
    @mg.activations.register("softsign", derivative=lambda x, y: 1 / (1 + np.abs(x)) ** 2)
    def softsign(x):
        return x / (1 + np.abs(x))

    try:
        assert softsign(np.array(1.0)) == 0.5
        y = mg.activations.get("softsign")(mg.Tensor([1.0, -3.0]))
        np.testing.assert_allclose(y.data, [0.5, -0.75])
        assert y.op is None  # no input required grad: nothing recorded
        x = mg.Tensor([1.0, -3.0], requires_grad=True)
        assert mg.activations.get("softsign")(x).op == "softsign"
    finally:
        mg.activations.unregister("softsign")


def test_registering_an_existing_name_raises():
    with pytest.raises(ValueError, match="relu"):
        mg.activations.register("relu", np.abs, lambda x, y: np.sign(x))


def test_builtins_cannot_be_unregistered():
    with pytest.raises(ValueError, match="built-in"):
        mg.activations.unregister("tanh")
    assert "tanh" in mg.activations.names()


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(KeyError, match="sigmoid"):
        mg.activations.get("swishy")


def test_records_expose_forward_and_derivative_on_arrays():
    record = mg.activations.get("sigmoid")
    x = np.array([-1.0, 0.0, 2.0])
    y = record.forward(x)
    np.testing.assert_allclose(record.derivative(x, y), y * (1 - y))
    assert mg.activations.get("prelu").derivative is None
    assert mg.activations.get("maxout").derivative is None


@pytest.mark.parametrize("name", sorted(BUILT_INS - {"prelu", "maxout"}))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_is_finite_and_silent_for_huge_inputs(name, dtype):
    record = mg.activations.get(name)
    x = np.array([-1e4, -1e3, -50.0, -1e-30, 0.0, 1e-30, 50.0, 1e3, 1e4], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        y = record.forward(x)
        d = record.derivative(x, y)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(d))
    assert y.dtype == dtype


@pytest.mark.parametrize("name", sorted(BUILT_INS))
def test_activation_keeps_float32(name, rng):
    x = mg.Tensor(rng.standard_normal((4, 6)).astype(np.float32), requires_grad=True)
    if name == "prelu":
        a = mg.Tensor(np.array([0.25], np.float32), requires_grad=True)
        y = mg.prelu(x, a)
    elif name == "maxout":
        y = mg.maxout(x, 2)
    else:
        y = mg.activations.get(name)(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_sigmoid_saturates_without_overflow():
    y = mg.sigmoid(mg.Tensor([-1e4, 0.0, 1e4])).data
    np.testing.assert_array_equal(y, [0.0, 0.5, 1.0])
    assert mg.activations.get("sigmoid").derivative(np.zeros(1), np.full(1, 0.5)) == 0.25


def test_tanh_is_a_scaled_sigmoid(rng):
    x = rng.standard_normal(20) * 3
    np.testing.assert_allclose(mg.tanh(x).data, 2 * mg.sigmoid(2 * x).data - 1, atol=1e-12)


def test_known_values_from_the_literature():
    assert mg.softplus(mg.Tensor(0.0)).item() == pytest.approx(math.log(2))
    xs = np.linspace(-3, 0, 300001)
    gelu, silu = mg.gelu(xs).data, mg.silu(xs).data
    assert gelu.min() == pytest.approx(-0.170, abs=1e-3) and xs[gelu.argmin()] == pytest.approx(
        -0.752, abs=1e-3
    )
    assert silu.min() == pytest.approx(-0.2785, abs=1e-4)
    assert xs[silu.argmin()] == pytest.approx(-1.278, abs=1e-3)


def test_relu_derivative_at_zero_is_zero_and_leaky_is_one():
    x = mg.Tensor([0.0], requires_grad=True)
    mg.relu(x).sum().backward()
    assert x.grad[0] == 0.0
    x.zero_grad()
    mg.leaky_relu(x, 0.1).sum().backward()
    assert x.grad[0] == 1.0


def test_maxout_gradient_goes_to_each_groups_maximum():
    z = mg.Tensor([[1.0, 5.0, 2.0, -1.0, 0.0, -3.0]], requires_grad=True)
    y = mg.maxout(z, 3)
    np.testing.assert_array_equal(y.data, [[5.0, 0.0]])
    y.sum().backward()
    np.testing.assert_array_equal(z.grad, [[0, 1, 0, 0, 1, 0]])


def test_maxout_needs_a_multiple_of_pieces():
    with pytest.raises(ValueError, match="maxout"):
        mg.maxout(mg.zeros(2, 5), 2)


def test_prelu_slope_gets_a_gradient_shared_and_per_channel():
    x = mg.Tensor([[-2.0, 3.0], [-1.0, -4.0]])
    shared = mg.Tensor([0.25], requires_grad=True)
    mg.prelu(x, shared).sum().backward()
    np.testing.assert_allclose(shared.grad, [-7.0])  # the sum of the negative inputs
    per_channel = mg.Tensor([0.25, 0.5], requires_grad=True)
    mg.prelu(x, per_channel).sum().backward()
    np.testing.assert_allclose(per_channel.grad, [-3.0, -4.0])


def test_prelu_rejects_a_wrong_number_of_slopes():
    with pytest.raises(ValueError, match="prelu"):
        mg.prelu(mg.zeros(4, 3), mg.Tensor([0.1, 0.2]))


def _maxout_of_two_pieces(x, w, b, w2, b2):
    """One maxout unit: max(w x + b, w2 x + b2), pieces side by side on the last axis."""
    pieces = mg.stack([x @ w + b, x @ w2 + b2], axis=-1)
    return mg.maxout(pieces, 2).reshape(-1)  # one unit


@given(a=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_maxout_with_scaled_pieces_is_leaky_relu(a, seed):
    # max(z, a z) = z for z >= 0 and a z for z < 0 when 0 <= a <= 1: leaky ReLU.
    rng = np.random.default_rng(seed)
    x = mg.Tensor(rng.standard_normal((50, 3)))
    w, b = rng.standard_normal(3), float(rng.standard_normal())
    z = x @ w + b
    maxout = _maxout_of_two_pieces(x, w, b, a * w, a * b)
    # equal to float precision: (a w) x + a b and a (w x + b) round differently
    np.testing.assert_allclose(maxout.data, mg.leaky_relu(z, slope=a).data, rtol=1e-12, atol=1e-15)


@given(seed=st.integers(0, 2**16))
def test_maxout_with_a_zero_piece_is_relu(seed):
    rng = np.random.default_rng(seed)
    x = mg.Tensor(rng.standard_normal((50, 3)))
    w, b = rng.standard_normal(3), float(rng.standard_normal())
    maxout = _maxout_of_two_pieces(x, w, b, np.zeros(3), 0.0)
    np.testing.assert_array_equal(maxout.data, mg.relu(x @ w + b).data)


TORCH_EQUIVALENTS = {
    "sigmoid": lambda x: torch.sigmoid(x),
    "tanh": lambda x: torch.tanh(x),
    "relu": lambda x: torch.relu(x),
    "leaky_relu": lambda x: TF.leaky_relu(x, 0.01),
    "elu": lambda x: TF.elu(x),
    "softplus": lambda x: TF.softplus(x, threshold=1e9),
    "gelu": lambda x: TF.gelu(x, approximate="tanh"),
    "silu": lambda x: TF.silu(x),
}


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name", sorted(TORCH_EQUIVALENTS))
def test_activation_matches_torch(name, rng):
    x_np = rng.standard_normal((5, 7)) * 4
    x = mg.Tensor(x_np, requires_grad=True)
    y = mg.activations.get(name)(x)
    tx = torch.tensor(x_np, requires_grad=True)
    ty = TORCH_EQUIVALENTS[name](tx)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = rng.standard_normal(x_np.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("slopes", [[0.25], [0.1, 0.2, 0.3]])
def test_prelu_matches_torch(slopes, rng):
    x_np = rng.standard_normal((2, 3, 4, 4))
    x, a = mg.Tensor(x_np, requires_grad=True), mg.Tensor(slopes, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    ta = torch.tensor(slopes, dtype=torch.float64, requires_grad=True)
    y, ty = mg.prelu(x, a), TF.prelu(tx, ta)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(x_np.shape)
    y.backward(g)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-10)


# ------------------------------------------------------------------ peaks


def _numeric_max_abs_derivative(record, **params):
    x = np.linspace(-20, 20, 400001)
    return float(np.abs(record.derivative(x, record.forward(x, **params), **params)).max())


DOCUMENTED_PEAKS = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0,
                    "prelu": 1.0, "elu": 1.0, "maxout": 1.0, "softplus": 1.0}  # fmt: skip


def test_every_activation_record_has_its_peak_derivative():
    for name in mg.activations.names():
        record = mg.activations.get(name)
        assert record.peak > 0, name
        if name in DOCUMENTED_PEAKS:
            assert record.peak == DOCUMENTED_PEAKS[name], name
        if record.derivative is not None:  # the peak is the largest |f'| on a fine grid
            assert record.peak == pytest.approx(_numeric_max_abs_derivative(record), rel=1e-4)


def test_the_peak_follows_the_calls_own_parameters():
    x = np.zeros(3)
    assert mg.activations.get("leaky_relu").call_peak([x], {"slope": 3.0}) == 3.0
    assert mg.activations.get("leaky_relu").call_peak([x], {"slope": 0.2}) == 1.0
    assert mg.activations.get("elu").call_peak([x], {"alpha": 2.5}) == 2.5
    prelu = mg.activations.get("prelu")
    assert prelu.call_peak([x, np.array([0.5, -4.0])], {}) == 4.0
    assert prelu.call_peak([x, np.array([0.25])], {}) == 1.0
    assert mg.activations.get("sigmoid").call_peak([x], {}) == 0.25


def test_a_user_activations_peak_is_found_numerically():
    # f(x) = 3 tanh(x - 2): f'(x) = 3 / cosh^2(x - 2), largest (3) at x = 2, off the grid's 0
    record = mg.activations.register(
        "shifted_tanh_peak", lambda x: 3 * np.tanh(x - 2), lambda x, y: 3 / np.cosh(x - 2) ** 2
    )
    try:
        assert record.peak == pytest.approx(3.0, rel=1e-9)
    finally:
        mg.activations.unregister("shifted_tanh_peak")


def test_a_user_activations_peak_is_found_with_the_calls_parameters():
    record = mg.activations.register(
        "scaled_tanh_peak",
        lambda x, k=1.0: np.tanh(k * x),
        lambda x, y, k=1.0: k / np.cosh(k * x) ** 2,
    )
    try:
        assert record.peak == pytest.approx(1.0)
        assert record.call_peak([np.zeros(2)], {"k": 5.0}) == pytest.approx(5.0)
    finally:
        mg.activations.unregister("scaled_tanh_peak")


def test_a_given_peak_is_kept_and_checked():
    record = mg.activations.register("cube_peak", lambda x: x**3, lambda x, y: 3 * x**2, peak=12.0)
    try:
        assert record.peak == 12.0
        assert record.call_peak([np.zeros(2)], {"anything": 1}) == 12.0
    finally:
        mg.activations.unregister("cube_peak")
    with pytest.raises(ValueError, match="peak"):
        mg.activations.register("bad_peak", np.tanh, lambda x, y: 1 - y**2, peak=-1.0)
    with pytest.raises(TypeError, match="peak"):
        mg.activations.register("bad_peak", np.tanh, lambda x, y: 1 - y**2, peak="high")
    assert "bad_peak" not in mg.activations.names()
