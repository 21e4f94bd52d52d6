"""One test per defect of the bad-input survey, numbered as in the issue.

Items 1-2 (threads, memory) are in test_threads.py, 3 and 7 (atomic state
changes) and 4 (version counters) in test_atomic.py, 5-6 (real data,
integer sizes and axes) in test_validation.py, 8 (gradcheck) in
test_gradcheck_passed_tensors.py and 9 (pickle, deepcopy) in
test_persistence.py; each also has a short reproducer here. Warnings are
errors in this file: "no RuntimeWarning" is part of several expectations.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

pytestmark = pytest.mark.filterwarnings("error")


def test_3_a_step_with_one_bad_gradient_leaves_adam_untouched() -> None:
    a = mg.Tensor([1.0, 2.0], requires_grad=True)
    b = mg.Tensor([3.0], requires_grad=True)
    opt = mg.optim.Adam([a, b], lr=0.1)
    a.grad, b.grad = np.ones(2), np.ones(3)
    with pytest.raises(ValueError, match="Adam.step"):
        opt.step()
    np.testing.assert_array_equal(a.data, [1.0, 2.0])
    assert opt.state[a] == {} and opt.state[b] == {}  # no step counted
    assert not [key for key in opt.state_dict() if key.startswith("state.")]


def test_4_backward_after_a_step_through_the_old_graph_raises() -> None:
    w = mg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    loss = (w * w).sum()
    loss.backward()
    mg.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="'w'.*forward pass again"):
        loss.backward()


def test_5_none_and_complex_never_become_nan_or_lose_a_part() -> None:
    t = mg.Tensor([1.0])
    for call in (
        lambda: mg.Tensor(None),
        lambda: t + None,
        lambda: mg.exp(None),
        lambda: nn.F.mse_loss(t, None),
        lambda: mg.Tensor([1 + 2j]),
    ):
        with pytest.raises(TypeError, match="must be real"):
            call()


def test_6_floats_strings_and_bools_are_not_sizes_or_axes() -> None:
    x = mg.arange(6.0).reshape(2, 3)
    for call in (
        lambda: mg.zeros((2, 2.5)),
        lambda: x.reshape(3.9, 2),
        lambda: mg.maxout(x.reshape(3, 2), 2.9),
        lambda: x.sum(axis="1"),
        lambda: x.sum(axis=True),
    ):
        with pytest.raises(TypeError):
            call()
    with pytest.raises(IndexError):
        mg.arange(5.0)[mg.Tensor([1.9])]


def test_7_a_bad_register_call_leaves_the_registry_working() -> None:
    with pytest.raises(TypeError, match="register"):
        mg.activations.register(123, np.tanh, lambda x, y: 1 - y * y)
    assert "relu" in mg.activations.names()
    with pytest.raises(KeyError, match="registered activations"):
        mg.activations.get("nope")


def test_8_gradcheck_accumulates_into_no_closed_over_parameter() -> None:
    layer = nn.Linear(2, 2, rng=np.random.default_rng(0))
    x = mg.Tensor(np.ones((3, 2)), requires_grad=True)
    assert mg.gradcheck(lambda x: layer(x).sum(), [x])
    assert layer.weight.grad is None and layer.bias.grad is None and x.grad is None


def test_9_a_model_with_each_activation_pickles_and_deep_copies() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.PReLU())
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        np.testing.assert_array_equal(twin(np.ones((1, 2))).data, model(np.ones((1, 2))).data)


def test_10_elu_with_a_string_alpha_says_what_is_wrong() -> None:
    with pytest.raises(TypeError, match="elu: alpha must be a real number"):
        mg.elu(mg.Tensor([1.0]), alpha="a")


def test_10_flatten_of_an_empty_batch_has_its_features() -> None:
    assert nn.Flatten()(mg.zeros(0, 2, 3)).shape == (0, 6)


def test_10_mean_and_var_over_an_empty_axis_are_nan_with_zero_size_gradients() -> None:
    x = mg.zeros(3, 0, requires_grad=True)
    for reduce in (mg.mean, mg.var):
        out = reduce(x, axis=1)
        assert out.shape == (3,) and np.isnan(out.data).all()
        x.zero_grad()
        out.sum().backward()
        assert x.grad.shape == (3, 0)


def test_10_logsumexp_takes_a_numpy_integer_axis() -> None:
    x = mg.Tensor([[0.0, np.log(3.0)]])
    np.testing.assert_allclose(mg.logsumexp(x, axis=np.int64(1)).data, [np.log(4.0)])


def test_10_a_nan_maximum_gets_the_gradient() -> None:
    x = mg.Tensor([1.0, np.nan, 3.0], requires_grad=True)
    out = x.max()
    assert np.isnan(out.data)
    out.backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


def test_10_logsumexp_gradient_comes_from_unrounded_values() -> None:
    x = mg.Tensor([1e16, 1e16], requires_grad=True)
    mg.logsumexp(x).backward()
    np.testing.assert_array_equal(x.grad, [0.5, 0.5])


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_10_float32_losses_at_the_edge_of_the_range_are_finite(sign: float) -> None:
    z = mg.Tensor(np.full(4, sign * 3e38, np.float32))
    bce = nn.F.binary_cross_entropy_with_logits(z, np.full(4, 0.0 if sign > 0 else 1.0))
    hinge = nn.F.hinge_loss(z, np.full(4, -sign))
    for loss in (bce, hinge):
        assert loss.dtype == np.float32 and np.isfinite(loss.data)
        np.testing.assert_allclose(loss.data, 3e38 + 1 - 1, rtol=1e-6)


def test_10_a_loss_whose_true_value_overflows_is_inf_without_a_warning() -> None:
    big = mg.Tensor([1e200, -1e200])
    assert nn.F.mse_loss(big, [0.0, 0.0]).item() == np.inf
    assert nn.F.l2_penalty([big]).item() == np.inf
    scores = mg.Tensor([[1e308, -1e308, 1e308]])
    assert nn.F.multiclass_hinge_loss(scores, [1]).item() == np.inf


@pytest.mark.parametrize("batch_size, error", [(-1, ValueError), (0, ValueError), (2.0, TypeError)])
def test_10_dead_units_refuses_a_bad_batch_size_before_running(batch_size, error) -> None:
    model = nn.MLP([2, 3, 2])
    with pytest.raises(error, match="batch_size"):
        mg.diagnostics.dead_units(model, np.ones((4, 2)), batch_size=batch_size)


def test_10_name_and_hook_are_checked_when_given() -> None:
    with pytest.raises(TypeError, match="name"):
        mg.Tensor(1.0, name=5)
    with pytest.raises(TypeError, match="register_hook"):
        mg.Tensor(1.0, requires_grad=True).register_hook(None)


def test_11_a_0d_leaf_grad_stays_an_array_after_two_passes() -> None:
    x = mg.Tensor(2.0, requires_grad=True)
    for _ in range(3):
        (x * x).backward()
        assert type(x.grad) is np.ndarray and x.grad.shape == ()
    assert x.grad == 12.0


def test_11_x_to_the_power_0_at_0_has_gradient_0() -> None:
    x = mg.Tensor([0.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
