"""Gradients of gradients: mg.grad, jacobian, hessian, hvp and gradgradcheck.

Every registered op (its cases in test_ops.CASES) and every registered
activation passes a second-order finite-difference check, so an op added
without working higher-order gradients fails the suite.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_ops import CASES

import minigrad as mg
from minigrad.nn import functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch comparisons skip
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _away_from_kinks(rng, shape):
    x = rng.standard_normal(shape) * 2
    return np.sign(x) * (np.abs(x) + 0.1)


# --------------------------------------------------------- every op, second order

# The first case of each op; conv2d, which costs most, gets a small one of its own.
FIRST_CASES = {name: cases[0] for name, cases in CASES.items()}
SECOND_ORDER = [pytest.param(name, case, id=name) for name, case in FIRST_CASES.items()]


def test_every_registered_op_is_checked_at_second_order():
    missing = set(mg.ops.names()) - set(FIRST_CASES) - set(mg.activations.names())
    assert not missing, f"ops without a second-order check: {sorted(missing)}"


@pytest.mark.parametrize("name, case", SECOND_ORDER)
def test_op_passes_gradgradcheck(name, case, rng):
    if name == "conv2d":  # the same op on smaller inputs: every element is perturbed
        inputs = [
            mg.Tensor(rng.standard_normal(s), requires_grad=True)
            for s in [(1, 2, 4, 4), (2, 2, 3, 2), (2,)]
        ]
        assert mg.gradgradcheck(lambda x, w, b: mg.conv2d(x, w, b, stride=(2, 1)), inputs)
        return
    inputs = [mg.Tensor(a, requires_grad=True) for a in case.arrays(rng)]
    assert mg.gradgradcheck(case.fn, inputs)


def _double_backward(fn, inputs, v, u, torch_mode=False):
    """d/dinputs of <d out/dinputs . v, u>: a second derivative along two directions."""
    if torch_mode:
        out = fn(*inputs)
        grads = torch.autograd.grad(out, inputs, v, create_graph=True, allow_unused=True)
        total = sum((g * w).sum() for g, w in zip(grads, u, strict=True) if g is not None)
        if not isinstance(total, torch.Tensor) or not total.requires_grad:
            return [np.zeros(x.shape) for x in inputs]
        second = torch.autograd.grad(total, inputs, allow_unused=True)
        return [
            np.zeros(x.shape) if s is None else s.detach().numpy(force=True)
            for x, s in zip(inputs, second, strict=True)
        ]
    out = fn(*inputs)
    grads = mg.grad(out, inputs, grad_outputs=v, create_graph=True, allow_unused=True)
    total = sum((g * w).sum() for g, w in zip(grads, u, strict=True) if g is not None)
    if not isinstance(total, mg.Tensor) or not total.requires_grad:
        return [np.zeros(x.shape) for x in inputs]
    second = mg.grad(total, inputs, allow_unused=True)
    return [np.zeros(x.shape) if s is None else s.data for x, s in zip(inputs, second, strict=True)]


TORCH_CASES = [
    pytest.param(name, case, id=f"{name}-{case.id or i}")
    for name, cases in CASES.items()
    for i, case in enumerate(cases)
    if case.torch_fn
]


@needs_torch
@pytest.mark.parametrize("name, case", TORCH_CASES)
def test_op_second_derivatives_match_torch_double_backward(name, case, rng):
    arrays = case.arrays(rng)
    out_shape = case.fn(*[mg.Tensor(a) for a in arrays]).shape
    v = rng.standard_normal(out_shape)
    u = [rng.standard_normal(a.shape) for a in arrays]
    mine = _double_backward(case.fn, [mg.Tensor(a, requires_grad=True) for a in arrays], v, u)
    theirs = _double_backward(
        case.torch_fn,
        [torch.tensor(a, requires_grad=True) for a in arrays],
        torch.tensor(v),
        [torch.tensor(w) for w in u],
        torch_mode=True,
    )
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


# ---------------------------------------------------- every activation, second order


def _check_prelu(rng, check):
    x = mg.Tensor(_away_from_kinks(rng, (3, 2, 2)), requires_grad=True)
    a = mg.Tensor([0.1, 0.3], requires_grad=True)
    return check(mg.prelu, [x, a])


def _check_maxout(rng, check):
    z = mg.Tensor(rng.standard_normal((2, 6)), requires_grad=True)
    return check(lambda z: mg.maxout(z, 3), [z])


NOT_ELEMENTWISE = {"prelu": _check_prelu, "maxout": _check_maxout}


def _check_every_activation(rng, check):
    checked = []
    for name in mg.activations.names():
        record = mg.activations.get(name)
        if record.derivative is None:
            assert name in NOT_ELEMENTWISE, f"no second-order check for activation {name!r}"
            assert NOT_ELEMENTWISE[name](rng, check), name
        else:
            x = mg.Tensor(_away_from_kinks(rng, (2, 3)), requires_grad=True)
            assert check(record, [x]), name
        checked.append(name)
    return checked


def test_every_activation_passes_gradgradcheck(rng):
    checked = _check_every_activation(rng, mg.gradgradcheck)
    assert {"sigmoid", "tanh", "relu", "gelu", "silu", "prelu", "maxout"} <= set(checked)


def _third_derivative_check(fn, inputs):
    """gradgradcheck of a first derivative checks the third derivative of fn."""
    v = np.random.default_rng(1).standard_normal(fn(*inputs).shape)

    def first_derivative(*xs):
        with mg.enable_grad():
            out = fn(*xs)
            grads = mg.grad(out, list(xs), grad_outputs=v, create_graph=True)
        return sum((g * g).sum() for g in grads)  # nonlinear in the gradient

    return mg.gradgradcheck(first_derivative, inputs)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu", "softplus", "elu"])
def test_third_derivatives_of_smooth_activations(name, rng):
    x = mg.Tensor(_away_from_kinks(rng, (4,)), requires_grad=True)
    assert _third_derivative_check(mg.activations.get(name), [x])


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda a, b: (a * b).exp() / b, [(3,), (3,)]),
        (lambda x: mg.softmax(x) * x, [(2, 3)]),
        (lambda x: mg.log_softmax(x, axis=0), [(3, 2)]),
        (lambda x, w: mg.conv2d(x, w).tanh(), [(1, 1, 3, 3), (1, 1, 2, 2)]),
        (lambda x: mg.avg_pool2d(x * x, 2), [(1, 1, 2, 4)]),
    ],
    ids=["mul-exp-div", "softmax", "log_softmax", "conv2d-tanh", "avg_pool2d"],
)
def test_third_derivatives_of_ops(fn, shapes, rng):
    inputs = [mg.Tensor(rng.standard_normal(s) + 0.5, requires_grad=True) for s in shapes]
    assert _third_derivative_check(fn, inputs)


TORCH_ACTIVATIONS = {
    "sigmoid": lambda x: torch.sigmoid(x),
    "tanh": lambda x: torch.tanh(x),
    "relu": lambda x: torch.relu(x),
    "leaky_relu": lambda x: TF.leaky_relu(x, 0.01),
    "elu": lambda x: TF.elu(x),
    "softplus": lambda x: TF.softplus(x),
    "gelu": lambda x: TF.gelu(x, approximate="tanh"),
    "silu": lambda x: TF.silu(x),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(TORCH_ACTIVATIONS))
def test_activation_second_derivatives_match_torch(name, rng):
    x = _away_from_kinks(rng, (3, 4))
    v, u = rng.standard_normal(x.shape), [rng.standard_normal(x.shape)]
    mine = _double_backward(mg.activations.get(name), [mg.Tensor(x, requires_grad=True)], v, u)
    theirs = _double_backward(
        TORCH_ACTIVATIONS[name],
        [torch.tensor(x, requires_grad=True)],
        torch.tensor(v),
        [torch.tensor(u[0])],
        torch_mode=True,
    )
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-10, atol=1e-10)


@needs_torch
def test_prelu_second_derivatives_match_torch(rng):
    x, a = _away_from_kinks(rng, (3, 2, 2)), np.array([0.1, 0.3])
    v = rng.standard_normal(x.shape)
    u = [rng.standard_normal(x.shape), rng.standard_normal(a.shape)]
    mine = _double_backward(
        mg.prelu, [mg.Tensor(x, requires_grad=True), mg.Tensor(a, requires_grad=True)], v, u
    )
    theirs = _double_backward(
        TF.prelu,
        [torch.tensor(x, requires_grad=True), torch.tensor(a, requires_grad=True)],
        torch.tensor(v),
        [torch.tensor(w) for w in u],
        torch_mode=True,
    )
    for m, t in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(m, t, rtol=1e-10, atol=1e-10)


def test_tanh_and_sigmoid_second_derivatives_are_finite_far_in_the_tails():
    x = mg.Tensor([-1000.0, -50.0, 0.5, 50.0, 1000.0], requires_grad=True)
    for name in ["tanh", "sigmoid", "softplus", "gelu", "silu"]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            (d1,) = mg.grad(mg.activations.get(name)(x).sum(), x, create_graph=True)
            (d2,) = mg.grad(d1.sum(), x, create_graph=True)
            (d3,) = mg.grad(d2.sum(), x)
        for d in (d1, d2, d3):
            assert np.all(np.isfinite(d.data)), name


# ------------------------------------------------------------------ losses


LOSSES = {
    "mse_loss": (lambda p, t: F.mse_loss(p, t), lambda p, t: TF.mse_loss(p, t)),
    "bce_with_logits": (
        lambda p, t: F.binary_cross_entropy_with_logits(p, t),
        lambda p, t: TF.binary_cross_entropy_with_logits(p, t),
    ),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_pairwise_losses_pass_gradgradcheck_and_match_torch(name, rng):
    pred, target = rng.standard_normal((4, 3)), rng.uniform(size=(4, 3))
    fn, torch_fn = LOSSES[name]
    p = mg.Tensor(pred, requires_grad=True)
    assert mg.gradgradcheck(lambda p: fn(p, target), [p])
    if torch is None:
        return
    u = [rng.standard_normal(pred.shape)]
    mine = _double_backward(lambda p: fn(p, target), [p], None, u)
    theirs = _double_backward(
        lambda p: torch_fn(p, torch.tensor(target)),
        [torch.tensor(pred, requires_grad=True)],
        None,
        [torch.tensor(u[0])],
        torch_mode=True,
    )
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-10, atol=1e-10)


def test_cross_entropy_second_derivative_is_the_softmax_curvature(rng):
    logits, labels = rng.standard_normal((3, 4)), np.array([0, 3, 1])
    x = mg.Tensor(logits, requires_grad=True)
    assert mg.gradgradcheck(lambda x: F.cross_entropy(x, labels), [x])
    # The Hessian of one row's cross-entropy is (diag(s) - s s^T) / N.
    h = mg.hessian(lambda x: F.cross_entropy(x, labels), x)
    s = np.exp(logits[0]) / np.exp(logits[0]).sum()
    np.testing.assert_allclose(h[0, :, 0, :], (np.diag(s) - np.outer(s, s)) / 3, atol=1e-12)
    np.testing.assert_allclose(h[0, :, 1, :], 0, atol=1e-15)  # rows do not interact


def test_hinge_losses_have_zero_curvature(rng):
    scores = mg.Tensor(_away_from_kinks(rng, (4,)) * 0.3, requires_grad=True)
    labels = np.array([1.0, -1.0, 1.0, -1.0])
    assert mg.gradgradcheck(lambda s: F.hinge_loss(s, labels), [scores])
    np.testing.assert_array_equal(mg.hessian(lambda s: F.hinge_loss(s, labels), scores), 0)
    multi = mg.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert mg.gradgradcheck(lambda s: F.multiclass_hinge_loss(s, [0, 2, 1]), [multi])


# ------------------------------------------------------ jacobian, hessian, hvp


def test_hessian_of_a_quadratic_form_is_its_matrix(rng):
    a = rng.standard_normal((4, 4))
    a = a + a.T
    x = mg.Tensor(rng.standard_normal(4))
    h = mg.hessian(lambda x: 0.5 * (x @ (mg.Tensor(a) @ x)), x)
    np.testing.assert_allclose(h, a, rtol=1e-12, atol=1e-12)
    # x^T B x with B not symmetric has Hessian B + B^T.
    b = rng.standard_normal((3, 3))
    y = mg.Tensor(rng.standard_normal(3))
    np.testing.assert_allclose(mg.hessian(lambda y: y @ (mg.Tensor(b) @ y), y), b + b.T, atol=1e-12)


def test_jacobian_of_a_linear_map_is_its_matrix(rng):
    m = rng.standard_normal((3, 5))
    x = mg.Tensor(rng.standard_normal(5))
    np.testing.assert_allclose(mg.jacobian(lambda x: mg.Tensor(m) @ x, x), m, atol=1e-15)
    # Shapes: out.shape + x.shape.
    x2 = mg.Tensor(rng.standard_normal((2, 5)))
    jac = mg.jacobian(lambda x: x @ mg.Tensor(m).T, x2)
    assert jac.shape == (2, 3, 2, 5)
    np.testing.assert_allclose(jac[1, :, 1, :], m, atol=1e-15)
    np.testing.assert_array_equal(jac[0, :, 1, :], 0)


def test_hessian_shape_and_a_function_that_does_not_depend_on_x():
    x = mg.Tensor(np.ones((2, 3)))
    assert mg.hessian(lambda x: (x**3).sum(), x).shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(mg.hessian(lambda x: mg.Tensor(1.0) * 2, x), 0)
    np.testing.assert_allclose(mg.jacobian(lambda x: (2 * x).sum(), x), np.full((2, 3), 2.0))


def test_hvp_is_the_hessian_times_v_without_forming_it(rng):
    w = rng.standard_normal((5, 3))

    def loss(x):
        return (mg.Tensor(w) @ x).tanh().sum() + (x**4).sum()

    x = mg.Tensor(rng.standard_normal(3))
    v = rng.standard_normal(3)
    np.testing.assert_allclose(mg.hvp(loss, x, v), mg.hessian(loss, x) @ v, rtol=1e-12)


def test_hvp_checks_v_against_x():
    x = mg.Tensor(np.ones(3))
    with pytest.raises(ValueError, match="hvp: v has shape"):
        mg.hvp(lambda x: (x * x).sum(), x, np.ones(4))
    with pytest.raises(ValueError, match="hessian: fn must return one element"):
        mg.hessian(lambda x: x * x, x)


# ----------------------------------------------------------------------- mg.grad


def test_grad_of_a_cube_three_times():
    x = mg.Tensor(2.0, requires_grad=True)
    (d1,) = mg.grad(x**3, x, create_graph=True)
    (d2,) = mg.grad(d1, x, create_graph=True)
    (d3,) = mg.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (12.0, 12.0, 6.0)
    assert d1.requires_grad and not d3.requires_grad


def test_relu_second_derivative_is_zero_everywhere():
    x = mg.Tensor(np.linspace(-2, 2, 9), requires_grad=True)  # includes the kink at 0
    (d1,) = mg.grad(mg.relu(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(d1.data, (x.data > 0).astype(float))
    (d2,) = mg.grad(d1.sum(), x, allow_unused=True)
    assert d2 is None or np.all(d2.data == 0)


def test_sigmoid_second_derivative_matches_its_formula_and_peaks_off_centre():
    x = mg.Tensor(np.linspace(-4, 4, 801), requires_grad=True)
    (d1,) = mg.grad(mg.sigmoid(x).sum(), x, create_graph=True)
    (d2,) = mg.grad(d1.sum(), x)
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(d2.data, s * (1 - s) * (1 - 2 * s), atol=1e-15)
    peak = x.data[np.argmax(d2.data)]
    assert peak == pytest.approx(-np.log(2 + np.sqrt(3)), abs=0.01)  # x = -1.317


def test_grad_leaves_every_dot_grad_untouched(rng):
    x = mg.Tensor(rng.standard_normal(3), requires_grad=True)
    w = mg.Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    h = (w @ x).tanh()
    loss = (h * h).sum()
    x.grad, w.grad = np.full(3, 7.0), None
    before = x.grad.copy()
    mg.grad(loss, [x, w])
    (gx,) = mg.grad(loss, x, create_graph=True)
    mg.grad(gx.sum(), [x, w])
    mg.hessian(lambda x: (x**3).sum(), x)
    mg.hvp(lambda x: (x**3).sum(), x, np.ones(3))
    mg.jacobian(lambda x: x * 2, x)
    np.testing.assert_array_equal(x.grad, before)
    assert w.grad is None and h.grad is None and loss.grad is None


def test_grad_matches_backward_and_accepts_intermediate_inputs(rng):
    x = mg.Tensor(rng.standard_normal(4), requires_grad=True)
    h = x * 3
    y = (h.sigmoid() * h).sum()
    gx, gh = mg.grad(y, [x, h])
    y.backward()
    np.testing.assert_array_equal(gx.data, x.grad)
    np.testing.assert_array_equal(gh.data, h.grad)
    assert isinstance(gx, mg.Tensor) and not gx.requires_grad


def test_grad_with_several_outputs_adds_their_gradients(rng):
    x = mg.Tensor(rng.standard_normal(3), requires_grad=True)
    a, b = x * 2, (x * x).sum()
    v = rng.standard_normal(3)
    (g,) = mg.grad([a, b], x, grad_outputs=[v, None])
    np.testing.assert_allclose(g.data, 2 * v + 2 * x.data)


def test_grad_results_own_their_arrays(rng):
    x, y = (mg.Tensor(rng.standard_normal(2), requires_grad=True) for _ in range(2))
    seed = np.ones(2)
    gx, gy = mg.grad(x + y, [x, y], grad_outputs=seed)
    gx.data[0] = 5.0
    assert gy.data[0] == 1.0 and seed[0] == 1.0


def test_gradients_keep_float32(rng):
    x = mg.Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    w = mg.Tensor(rng.standard_normal((3, 3)).astype(np.float32), requires_grad=True)
    out = mg.log_softmax((x @ w).tanh() * 0.5 + mg.gelu(x).sigmoid(), axis=-1).sum()
    g1 = mg.grad(out, [x, w], create_graph=True)
    g2 = mg.grad(sum((g * g).sum() for g in g1), [x, w])
    assert all(g.dtype == np.float32 for g in g1 + g2)
    assert mg.hvp(lambda x: (x.exp() * x).sum(), x, np.ones((2, 3), np.float32)).dtype == (
        np.float32
    )


@pytest.mark.parametrize("name", [n for n in CASES if n != "astype"])
def test_second_derivatives_of_every_op_keep_float32(name, rng):
    case = CASES[name][0]
    inputs = [mg.Tensor(a.astype(np.float32), requires_grad=True) for a in case.arrays(rng)]
    out = case.fn(*inputs)
    grads = mg.grad(out, inputs, grad_outputs=np.ones(out.shape, np.float32), create_graph=True)
    assert all(g.dtype == np.float32 for g in grads)
    total = sum((g * g).sum() for g in grads)
    if total.requires_grad:
        second = mg.grad(total, inputs, allow_unused=True)
        assert all(s is None or s.dtype == np.float32 for s in second)


# ------------------------------------------------------------------ bad input


def _graph():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    x.grad = np.array([5.0, 5.0])
    return x, (x * x)


def _unchanged(x):
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_grad_refuses_inputs_that_are_not_tensors():
    x, y = _graph()
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] is a list, not a Tensor"):
        mg.grad(y.sum(), [x, [1.0, 2.0]])
    with pytest.raises(TypeError, match="grad: inputs must be a Tensor"):
        mg.grad(y.sum(), 3.0)
    with pytest.raises(TypeError, match="grad: outputs must be a Tensor.*got ndarray"):
        mg.grad(np.ones(2), x)
    _unchanged(x)


def test_grad_needs_grad_outputs_for_an_output_of_several_elements():
    x, y = _graph()
    with pytest.raises(RuntimeError, match=r"grad: outputs\[0\] has shape \(2,\)"):
        mg.grad(y, x)
    _unchanged(x)


def test_grad_refuses_grad_outputs_of_the_wrong_shape():
    x, y = _graph()
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(3,\)"):
        mg.grad(y, x, grad_outputs=np.ones(3))
    with pytest.raises(ValueError, match="2 grad_outputs"):
        mg.grad(y, x, grad_outputs=[np.ones(2), np.ones(2)])
    _unchanged(x)


def test_an_unused_input_is_an_error_unless_allowed():
    x, y = _graph()
    z = mg.Tensor([3.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"do not depend on inputs\[1\].*allow_unused=True"):
        mg.grad(y.sum(), [x, z])
    gx, gz = mg.grad(y.sum(), [x, z], allow_unused=True)
    assert gz is None
    np.testing.assert_array_equal(gx.data, [2.0, 4.0])
    _unchanged(x)
    assert z.grad is None


def test_grad_refuses_inputs_and_outputs_without_a_graph():
    x, y = _graph()
    constant = mg.Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"inputs\[0\] does not require grad"):
        mg.grad(y.sum(), constant)
    with pytest.raises(ValueError, match=r"do not depend on inputs\[0\].*no output requires"):
        mg.grad(constant.sum(), x)
    assert mg.grad(constant.sum(), x, allow_unused=True) == (None,)
    _unchanged(x)


# ------------------------------------------------------- user activations


def test_a_user_activation_written_with_xp_gets_higher_order_gradients(rng):
    def softsign_derivative(x, y):
        xp = mg.array_namespace(x)
        return 1 / (1 + xp.abs(x)) ** 2

    mg.activations.register("softsign_xp", lambda x: x / (1 + np.abs(x)), softsign_derivative)
    try:
        x = mg.Tensor(_away_from_kinks(rng, (5,)), requires_grad=True)
        assert mg.gradgradcheck(mg.activations.get("softsign_xp"), [x])
        assert "softsign_xp" in _check_every_activation(rng, mg.gradgradcheck)
    finally:
        mg.activations.unregister("softsign_xp")


@pytest.mark.parametrize(
    "derivative",
    [lambda x, y: 1 / np.cosh(x) ** 2, lambda x, y: np.where(x > 0, 1 - y * y, 1 - y * y)],
    ids=["ufunc", "where"],
)
def test_a_user_activation_written_with_numpy_works_first_order_only(derivative, rng):
    mg.activations.register("np_tanh", np.tanh, derivative)
    try:
        x = mg.Tensor(_away_from_kinks(rng, (4,)), requires_grad=True)
        assert mg.gradcheck(mg.activations.get("np_tanh"), [x])
        y = mg.activations.get("np_tanh")(x).sum()
        (g,) = mg.grad(y, x)  # first order: fine
        np.testing.assert_allclose(g.data, 1 - np.tanh(x.data) ** 2)
        with pytest.raises(RuntimeError, match="derivative of activation 'np_tanh'.*xp"):
            mg.grad(y, x, create_graph=True)
        assert x.grad is None
    finally:
        mg.activations.unregister("np_tanh")


def test_create_graph_walks_only_the_paths_to_the_inputs(rng):
    # A NumPy-only derivative off the path to z is never run on Tensors.
    mg.activations.register("np_tanh2", np.tanh, lambda x, y: 1 / np.cosh(x) ** 2)
    try:
        x = mg.Tensor(rng.standard_normal(3), requires_grad=True)
        z = mg.Tensor(rng.standard_normal(3), requires_grad=True)
        h = mg.activations.get("np_tanh2")(x)
        (gz,) = mg.grad((h * z * z).sum(), z, create_graph=True)
        np.testing.assert_allclose(gz.data, 2 * np.tanh(x.data) * z.data)
        (gzz,) = mg.grad(gz.sum(), z)
        np.testing.assert_allclose(gzz.data, 2 * np.tanh(x.data))
    finally:
        mg.activations.unregister("np_tanh2")


def test_array_namespace_is_numpy_for_arrays_and_minigrad_for_tensors():
    assert mg.array_namespace(np.ones(2)) is np
    assert mg.array_namespace(np.ones(2), 3.0) is np
    xp = mg.array_namespace(np.ones(2), mg.Tensor([1.0]))
    assert xp is mg.namespace
    x = mg.Tensor([0.5, -1.0], requires_grad=True)
    for name in ["exp", "cosh", "sinh", "tanh", "abs", "sqrt"]:
        y = getattr(xp, name)(x * x if name == "sqrt" else x)
        assert isinstance(y, mg.Tensor) and y.requires_grad, name
        np.testing.assert_allclose(
            y.data, getattr(np, name)(x.data**2 if name == "sqrt" else x.data)
        )


# ------------------------------------------------------------- gradgradcheck


def test_gradgradcheck_catches_a_wrong_second_derivative(rng):
    # The derivative 3 x^2 is right, but computed from x's values it is a constant
    # to the engine: the first-order check passes, the second-order one must not.
    mg.activations.register("cube_const", lambda x: x**3, lambda x, y: 3 * mg.ops.value(x) ** 2)
    try:
        x = mg.Tensor(_away_from_kinks(rng, (3,)), requires_grad=True)
        assert mg.gradcheck(mg.activations.get("cube_const"), [x])
        with pytest.raises(mg.GradcheckError, match="input 0"):
            mg.gradgradcheck(mg.activations.get("cube_const"), [x])
    finally:
        mg.activations.unregister("cube_const")


def test_gradgradcheck_leaves_inputs_unchanged(rng):
    data = rng.standard_normal(3).astype(np.float32)
    x = mg.Tensor(data.copy(), requires_grad=True)
    assert mg.gradgradcheck(lambda x: (x * x * x).sum(), [x])
    np.testing.assert_array_equal(x.data, data)
    assert x.grad is None and x.dtype == np.float32
