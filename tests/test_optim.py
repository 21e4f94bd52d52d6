"""Optimizers: PyTorch's update rules step for step, in place, and models that learn."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

SGD_CONFIGS = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.1, momentum=0.9),
    "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
    "weight_decay": dict(lr=0.1, weight_decay=0.05),
    "all": dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
}
ADAM_CONFIGS = {
    "default": dict(),
    "lr": dict(lr=0.05),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
    "betas_eps": dict(lr=0.02, betas=(0.5, 0.9), eps=1e-4),
}
CASES = [("SGD", name, kw) for name, kw in SGD_CONFIGS.items()] + [
    ("Adam", name, kw) for name, kw in ADAM_CONFIGS.items()
]
SHAPES = [(3, 4), (4,), ()]


def _run_side_by_side(optimizer, kwargs, dtype, steps=20):
    """The same parameters and gradients through minigrad's and PyTorch's optimizer.

    The last parameter gets no gradient in the first 5 steps: both must skip it.
    """
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    ours = [mg.Tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    ours_opt = getattr(optim, optimizer)(ours, **kwargs)
    theirs_opt = getattr(torch.optim, optimizer)(theirs, **kwargs)
    for step in range(steps):
        for i, (p, q) in enumerate(zip(ours, theirs, strict=True)):
            if i == len(SHAPES) - 1 and step < 5:
                p.grad = q.grad = None
                continue
            g = rng.standard_normal(p.shape).astype(dtype)
            p.grad, q.grad = g.copy(), torch.tensor(g)
        ours_opt.step()
        theirs_opt.step()
    return ours, theirs


@needs_torch
@pytest.mark.parametrize("optimizer, name, kwargs", CASES, ids=[f"{o}-{n}" for o, n, _ in CASES])
def test_optimizers_take_the_same_20_steps_as_torch(optimizer, name, kwargs):
    ours, theirs = _run_side_by_side(optimizer, kwargs, np.float64)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-6, atol=1e-12)


@needs_torch
@pytest.mark.parametrize("optimizer, name, kwargs", CASES, ids=[f"{o}-{n}" for o, n, _ in CASES])
def test_float32_parameters_stay_float32_and_follow_torch(optimizer, name, kwargs):
    ours, theirs = _run_side_by_side(optimizer, kwargs, np.float32)
    for p, q in zip(ours, theirs, strict=True):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_sgd_step_is_p_minus_lr_times_grad():
    p = mg.Tensor([1.0, 2.0], requires_grad=True)
    p.grad = np.array([0.5, -1.0])
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, 2.1])


def test_adams_first_step_moves_each_parameter_by_about_lr():
    # m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / |g|
    p = mg.Tensor([1.0, 2.0], requires_grad=True)
    p.grad = np.array([0.5, -300.0])
    optim.Adam([p], lr=0.01).step()
    np.testing.assert_allclose(p.data, [0.99, 2.01])


@pytest.mark.parametrize("optimizer, name, kwargs", CASES, ids=[f"{o}-{n}" for o, n, _ in CASES])
def test_step_updates_data_in_place_and_leaves_the_gradient_alone(optimizer, name, kwargs):
    p = mg.Tensor(np.ones(3), requires_grad=True)
    data = p.data
    grad = np.array([1.0, -2.0, 3.0])
    p.grad = grad
    opt = getattr(optim, optimizer)([p], **kwargs)
    opt.step()
    opt.step()
    assert p.data is data
    assert p.grad is grad
    np.testing.assert_array_equal(grad, [1.0, -2.0, 3.0])


@pytest.mark.parametrize("optimizer, name, kwargs", CASES, ids=[f"{o}-{n}" for o, n, _ in CASES])
def test_step_allocates_no_temporary_arrays_after_the_first(optimizer, name, kwargs):
    n = 250_000  # 2 MB: any temporary of the parameter's size would show
    p = mg.Tensor(np.ones(n), requires_grad=True)
    p.grad = np.full(n, 0.5)
    opt = getattr(optim, optimizer)([p], **kwargs)
    opt.step()  # the first step makes the momentum buffers
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes / 10


def test_a_parameter_without_a_gradient_is_skipped():
    a = mg.Tensor([1.0], requires_grad=True)
    b = mg.Tensor([1.0], requires_grad=True)
    a.grad = np.array([1.0])
    opt = optim.Adam([a, b], lr=0.1)
    opt.step()
    assert b.data[0] == 1.0
    assert opt.state[b] == {} and opt.state[a]["step"] == 1


def test_zero_grad_sets_every_gradient_to_none():
    model = nn.MLP([2, 3, 1])
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(mg.randn(4, 2)).sum().backward()
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_a_tensor_listed_twice_is_stepped_once():
    p = mg.Tensor([1.0], requires_grad=True)
    p.grad = np.array([1.0])
    optim.SGD([p, p], lr=0.5).step()
    assert p.data[0] == 0.5


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda ps: optim.SGD(ps, lr=-0.1), "SGD: lr must be >= 0, got -0.1"),
        (lambda ps: optim.SGD(ps, lr=float("nan")), "SGD: lr must be >= 0, got nan"),
        (lambda ps: optim.SGD(ps, lr=0.1, momentum=-1), "SGD: momentum must be >= 0"),
        (lambda ps: optim.SGD(ps, lr=0.1, weight_decay=-1), "SGD: weight_decay must be >= 0"),
        (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "SGD: nesterov=True needs a momentum"),
        (lambda ps: optim.Adam(ps, lr=-1), "Adam: lr must be >= 0"),
        (
            lambda ps: optim.Adam(ps, betas=(1.0, 0.9)),
            r"Adam: betas\[0\] must be in \[0, 1\), got 1.0",
        ),
        (lambda ps: optim.Adam(ps, betas=(0.9, -0.1)), r"Adam: betas\[1\] must be in"),
        (lambda ps: optim.Adam(ps, eps=-1e-8), "Adam: eps must be >= 0"),
        (lambda ps: optim.Adam([]), "Adam: got an empty parameter list"),
    ],
)
def test_hyperparameters_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make([mg.Tensor([1.0], requires_grad=True)])


def test_params_must_be_leaf_tensors():
    with pytest.raises(TypeError, match=r"parameter 0 is a Linear.*model.parameters\(\)"):
        optim.SGD(nn.Sequential(nn.Linear(2, 2)), lr=0.1)
    w = mg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="parameter 0 is the result of op 'mul', not a leaf"):
        optim.SGD([w * 2], lr=0.1)


# ------------------------------------------------------------- models learn


def _train(model, opt, X, y, steps):
    for _ in range(steps):
        loss = F.cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return mg.data.accuracy(model(X), y)


def test_an_mlp_learns_xor_with_sgd_and_momentum():
    X, y = mg.data.xor()
    model = nn.MLP([2, 8, 2], activation="tanh", rng=np.random.default_rng(0))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert _train(model, opt, X, y, steps=300) == 1.0


def test_an_mlp_learns_xor_with_adam():
    X, y = mg.data.xor()
    model = nn.MLP([2, 8, 2], activation="tanh", rng=np.random.default_rng(0))
    assert _train(model, optim.Adam(model.parameters(), lr=0.05), X, y, steps=200) == 1.0


def test_an_mlp_fits_the_cs231n_spiral():
    X, y = mg.data.spiral()  # 3 arms of 100 points; a linear classifier gets about half
    model = nn.MLP([2, 64, 3], rng=np.random.default_rng(0))
    assert _train(model, optim.Adam(model.parameters(), lr=0.02), X, y, steps=500) >= 0.95
