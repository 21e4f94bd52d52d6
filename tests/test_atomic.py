"""Check everything, then change: state-changing calls succeed whole or change nothing.

And version counters: a graph whose inputs minigrad changed in place since
the forward pass refuses to be differentiated, instead of giving a silently
wrong gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def _model_with_grads(seed: int = 0) -> tuple[mg.nn.Module, np.ndarray]:
    rng = np.random.default_rng(seed)
    model = mg.nn.MLP([3, 5, 2], rng=rng)
    loss = model(mg.Tensor(rng.standard_normal((4, 3)))).sum()
    loss.backward()
    return model, loss


def _snapshot(model: mg.nn.Module, opt: mg.optim.Optimizer | None = None) -> list:
    shot = [(p.data.copy(), None if p.grad is None else p.grad.copy()) for p in model.parameters()]
    if opt is not None:
        shot.append(opt.state_dict())
    return shot


def _assert_same(a: list, b: list) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, dict):
            assert x.keys() == y.keys()
            for key in x:
                np.testing.assert_array_equal(x[key], y[key])
        else:
            np.testing.assert_array_equal(x[0], y[0])
            assert (x[1] is None) == (y[1] is None)
            if x[1] is not None:
                np.testing.assert_array_equal(x[1], y[1])


OPTIMIZERS = [
    lambda ps: mg.optim.SGD(ps, lr=0.1),
    lambda ps: mg.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: mg.optim.Adam(ps, lr=0.01, weight_decay=0.01),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_step_with_one_bad_gradient_shape_moves_nothing(make) -> None:
    model, _ = _model_with_grads()
    opt = make(model.parameters())
    opt.step()  # some state exists already
    params = model.parameters()
    params[-1].grad = np.ones((7,))
    before = _snapshot(model, opt)
    with pytest.raises(ValueError, match=r"step.*shape \(2,\).*\(7,\).*Nothing was changed"):
        opt.step()
    _assert_same(_snapshot(model, opt), before)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_step_with_a_read_only_parameter_moves_nothing(make) -> None:
    model, _ = _model_with_grads()
    opt = make(model.parameters())
    model.parameters()[-1].data.flags.writeable = False
    before = _snapshot(model, opt)
    with pytest.raises(ValueError, match="read-only"):
        opt.step()
    _assert_same(_snapshot(model, opt), before)


def test_step_with_a_complex_or_non_array_gradient_moves_nothing() -> None:
    model, _ = _model_with_grads()
    opt = mg.optim.Adam(model.parameters())
    for bad in ([1.0, 2.0], np.ones((2,), complex)):
        model.parameters()[-1].grad = bad
        before = _snapshot(model, opt)
        with pytest.raises(ValueError, match="Adam.step"):
            opt.step()
        _assert_same(_snapshot(model, opt), before)


def test_module_load_state_dict_loads_all_or_nothing() -> None:
    model, _ = _model_with_grads()
    good = model.state_dict()
    for bad_value in (None, "weights", np.ones((5, 3), complex), np.ones((2, 2))):
        state = dict(good)
        state["layers.0.weight"] = np.zeros((5, 3))
        state["layers.1.bias"] = bad_value
        before = _snapshot(model)
        with pytest.raises(ValueError, match="load_state_dict.*layers.1.bias"):
            model.load_state_dict(state)
        _assert_same(_snapshot(model), before)


def test_module_load_state_dict_refuses_read_only_parameters_first() -> None:
    model, _ = _model_with_grads()
    state = {k: v + 1 for k, v in model.state_dict().items()}
    model.parameters()[-1].data.flags.writeable = False
    before = _snapshot(model)
    with pytest.raises(ValueError, match="read-only"):
        model.load_state_dict(state)
    _assert_same(_snapshot(model), before)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_optimizer_state_dict_round_trip_continues_identically(make) -> None:
    model, _ = _model_with_grads()
    opt = make(model.parameters())
    opt.step()
    twin, _ = _model_with_grads()
    twin.load_state_dict(model.state_dict())
    twin_opt = make(twin.parameters())
    twin_opt.load_state_dict(opt.state_dict())
    for _ in range(2):
        for m, o in ((model, opt), (twin, twin_opt)):
            o.zero_grad()
            m(mg.Tensor(np.ones((2, 3)))).sum().backward()
            o.step()
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_optimizer_load_state_dict_checks_everything_first() -> None:
    model, _ = _model_with_grads()
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    opt.step()
    state = opt.state_dict()
    before = opt.state_dict()
    bad = dict(state, lr=np.array(0.5))
    bad["state.0.exp_avg"] = np.zeros((9, 9))
    with pytest.raises(ValueError, match=r"Adam.load_state_dict.*state.0.exp_avg.*\(9, 9\)"):
        opt.load_state_dict(bad)
    _assert_same([opt.state_dict()], [before])
    for bad in ({**state, "lr": np.array(-1.0)}, {**state, "surprise": np.ones(1)}):
        with pytest.raises(ValueError, match="Adam.load_state_dict"):
            opt.load_state_dict(bad)
        _assert_same([opt.state_dict()], [before])
    with pytest.raises(TypeError, match="Adam.load_state_dict"):
        opt.load_state_dict([1, 2])


def test_clip_grad_norm_checks_every_gradient_before_scaling_any() -> None:
    model, _ = _model_with_grads()
    params = model.parameters()
    params[-1].grad = np.ones((9,))
    before = _snapshot(model)
    with pytest.raises(ValueError, match="clip_grad_norm_"):
        mg.nn.utils.clip_grad_norm_(params, 1e-3)
    _assert_same(_snapshot(model), before)
    with pytest.raises(TypeError, match="clip_grad_norm_"):
        mg.nn.utils.clip_grad_norm_(params, "1")


def _square(x: np.ndarray) -> np.ndarray:
    return x * x


def _square_derivative(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 2 * x


@pytest.fixture
def user_activation():
    yield "atomic_square"
    if "atomic_square" in mg.activations.names():
        mg.activations.unregister("atomic_square")


@pytest.mark.parametrize(
    "args, error",
    [
        ((123, _square, _square_derivative), TypeError),
        (("", _square, _square_derivative), TypeError),
        (("atomic_square", _square, None), TypeError),
        (("atomic_square", _square, "d"), TypeError),
        (("atomic_square", 5, _square_derivative), TypeError),
        (("relu", _square, _square_derivative), ValueError),
        (("sum", _square, _square_derivative), ValueError),
    ],
)
def test_a_bad_register_call_leaves_the_registry_working(args, error, user_activation) -> None:
    before = mg.activations.names()
    with pytest.raises(error, match="register"):
        mg.activations.register(*args)
    assert mg.activations.names() == before
    with pytest.raises(KeyError, match="registered activations"):
        mg.activations.get("no such activation")


def test_register_replace_redefines_a_user_activation_only(user_activation) -> None:
    mg.activations.register(user_activation, _square, _square_derivative)
    with pytest.raises(ValueError, match="replace=True"):
        mg.activations.register(user_activation, np.tanh, _square_derivative)
    np.testing.assert_array_equal(mg.activations.get(user_activation)(mg.Tensor([3.0])).data, [9.0])
    mg.activations.register(
        user_activation, np.negative, lambda x, y: -np.ones_like(x), replace=True
    )
    np.testing.assert_array_equal(
        mg.activations.get(user_activation)(mg.Tensor([3.0])).data, [-3.0]
    )
    tanh = mg.activations.get("tanh")
    with pytest.raises(ValueError, match="built-in"):
        mg.activations.register("tanh", _square, _square_derivative, replace=True)
    assert mg.activations.get("tanh") is tanh


# ------------------------------------------------------------ version counters


def test_backward_after_an_optimizer_step_through_the_old_graph_raises() -> None:
    model, loss = _model_with_grads()
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    opt.step()
    with pytest.raises(RuntimeError, match="changed in place.*forward pass again"):
        loss.backward()
    fresh = model(mg.Tensor(np.ones((4, 3)))).sum()
    fresh.backward()  # a graph recorded after the step is fine


def test_backward_after_load_state_dict_names_the_tensor() -> None:
    w = mg.Tensor(np.ones((2, 2)), requires_grad=True, name="w")

    class One(mg.nn.Module):
        def __init__(self) -> None:
            self.w = w

        def forward(self, x):
            return x @ self.w

    model = One()
    loss = model(mg.Tensor(np.ones((1, 2)))).sum()
    model.load_state_dict({"w": np.zeros((2, 2))})
    with pytest.raises(RuntimeError, match="'w' of shape \\(2, 2\\).*matmul"):
        loss.backward()
    assert w.grad is None  # nothing written by the refused pass


def test_a_graph_recorded_after_a_step_sees_no_stale_input() -> None:
    model, _ = _model_with_grads()
    opt = mg.optim.Adam(model.parameters())
    for _ in range(3):
        opt.zero_grad()
        loss = model(mg.Tensor(np.ones((4, 3)))).sum()
        loss.backward()
        loss.backward()  # twice through one graph, before the step: allowed
        opt.step()


def test_a_parameter_whose_data_was_replaced_by_another_shape_is_refused_every_time() -> None:
    p = mg.Tensor(np.ones(3), requires_grad=True)
    opt = mg.optim.Adam([p])
    p.grad = np.ones(3)
    opt.step()
    p.data, p.grad = np.ones(4), np.ones(4)
    for _ in range(2):  # the second try is refused too, not half-run
        with pytest.raises(ValueError, match="exp_avg has shape"):
            opt.step()
    np.testing.assert_array_equal(p.data, np.ones(4))
    assert opt.state[p]["step"] == 1
