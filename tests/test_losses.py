"""Losses: values and gradients against PyTorch or NumPy, stability, and input checks."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the torch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


@contextlib.contextmanager
def no_overflow():
    """Any warning, overflow, division by zero or invalid value (NaN) raises.

    Underflow to 0 is allowed: e^-10000 = 0 is the right answer in floating point.
    """
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        yield


def _labels(rng, n, classes):
    return rng.integers(0, classes, size=n)


def _signs(rng, n):
    return rng.choice([-1.0, 1.0], size=n)


def _away_from_margin(rng, labels, shape):
    # hinge kinks where y s = 1: keep every y s at least 0.1 away from it
    s = rng.standard_normal(shape) * 2
    ys = labels * s
    return np.where(np.abs(ys - 1) < 0.1, s + 0.3 * labels, s)


# --------------------------------------------------------------- gradcheck

rng0 = np.random.default_rng(0)
GRADCHECKED = {
    "mse_loss": (F.mse_loss, rng0.standard_normal((4, 3)), rng0.standard_normal((4, 3))),
    "bce_with_logits": (
        F.binary_cross_entropy_with_logits,
        rng0.standard_normal((5,)) * 3,
        rng0.uniform(0, 1, 5),
    ),
    "cross_entropy": (F.cross_entropy, rng0.standard_normal((5, 4)), _labels(rng0, 5, 4)),
    "hinge_loss": (
        F.hinge_loss,
        _away_from_margin(rng0, np.array([1.0, -1, -1, 1, 1, -1]), (6,)),
        np.array([1.0, -1, -1, 1, 1, -1]),
    ),
    "multiclass_hinge_loss": (
        F.multiclass_hinge_loss,
        rng0.standard_normal((5, 4)),
        _labels(rng0, 5, 4),
    ),
}


@pytest.mark.parametrize("name", GRADCHECKED)
def test_every_loss_passes_gradcheck(name):
    loss, pred, target = GRADCHECKED[name]
    x = mg.Tensor(pred, requires_grad=True)
    assert mg.gradcheck(lambda x: loss(x, target), [x])


def test_l2_penalty_passes_gradcheck():
    a, b = mg.randn(3, 2, requires_grad=True), mg.randn(4, requires_grad=True)
    assert mg.gradcheck(lambda a, b: F.l2_penalty([a, b]), [a, b])


# ------------------------------------------------------ against PyTorch / NumPy


def _ours(loss, pred, target, **kwargs):
    x = mg.Tensor(pred, requires_grad=True)
    out = loss(x, target, **kwargs)
    out.backward()
    return out.item(), x.grad


def _theirs(loss, pred, target):
    x = torch.tensor(pred, requires_grad=True)
    out = loss(x, torch.as_tensor(target))
    out.backward()
    return out.item(), x.grad.numpy()


@needs_torch
@pytest.mark.parametrize(
    "ours, theirs, make",
    [
        (
            F.mse_loss,
            lambda x, t: TF.mse_loss(x, t),
            lambda rng: (rng.standard_normal((6, 2)), rng.standard_normal((6, 2))),
        ),
        (
            F.binary_cross_entropy_with_logits,
            lambda x, t: TF.binary_cross_entropy_with_logits(x, t),
            lambda rng: (rng.standard_normal(8) * 4, rng.integers(0, 2, 8).astype(float)),
        ),
        (
            F.cross_entropy,
            lambda x, t: TF.cross_entropy(x, t),
            lambda rng: (rng.standard_normal((7, 5)) * 3, rng.integers(0, 5, 7)),
        ),
    ],
    ids=["mse_loss", "bce_with_logits", "cross_entropy"],
)
def test_losses_match_torch_in_value_and_gradient(ours, theirs, make):
    pred, target = make(np.random.default_rng(1))
    value, grad = _ours(ours, pred, target)
    expected_value, expected_grad = _theirs(theirs, pred, target)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-15)


@needs_torch
def test_multiclass_hinge_loss_is_torchs_multi_margin_loss_times_the_classes():
    # PyTorch's multi_margin_loss divides each example's sum by the number of classes.
    rng = np.random.default_rng(2)
    scores, labels = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    value, grad = _ours(F.multiclass_hinge_loss, scores, labels, margin=0.5)
    times_c = lambda x, t: 4 * TF.multi_margin_loss(x, t, margin=0.5)  # noqa: E731
    expected_value, expected_grad = _theirs(times_c, scores, labels)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10)


def _svm_loss_naive(scores, labels, margin):
    """The CS231n notes' loop: for each example, sum over the wrong classes."""
    total = 0.0
    grad = np.zeros_like(scores)
    for i, y in enumerate(labels):
        for j in range(scores.shape[1]):
            if j == y:
                continue
            m = scores[i, j] - scores[i, y] + margin
            if m > 0:
                total += m
                grad[i, j] += 1
                grad[i, y] -= 1
    return total / len(labels), grad / len(labels)


def test_multiclass_hinge_loss_matches_the_cs231n_loop():
    rng = np.random.default_rng(3)
    scores, labels = rng.standard_normal((8, 5)) * 2, rng.integers(0, 5, 8)
    value, grad = _ours(F.multiclass_hinge_loss, scores, labels, margin=1.0)
    expected_value, expected_grad = _svm_loss_naive(scores, labels, 1.0)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12)


def test_multiclass_hinge_loss_gives_8_on_the_cs231n_worked_example():
    # scores [13, -7, 11], correct class 0, margin 10: max(0, -10) + max(0, 8) = 8
    loss = F.multiclass_hinge_loss(mg.Tensor([[13.0, -7.0, 11.0]]), [0], margin=10.0)
    assert loss.item() == 8.0


def test_hinge_loss_matches_its_numpy_definition():
    rng = np.random.default_rng(4)
    labels = _signs(rng, 10)
    scores = _away_from_margin(rng, labels, (10,))
    value, grad = _ours(F.hinge_loss, scores, labels)
    assert value == pytest.approx(np.maximum(0, 1 - labels * scores).mean(), rel=1e-12)
    np.testing.assert_allclose(grad, np.where(labels * scores < 1, -labels, 0) / 10)


def test_l2_penalty_is_the_sum_of_squares_with_gradient_2w():
    a = mg.Tensor([[1.0, -2.0]], requires_grad=True)
    b = mg.Tensor([3.0], requires_grad=True)
    penalty = F.l2_penalty([a, b])
    assert penalty.item() == 14.0
    penalty.backward()
    np.testing.assert_array_equal(a.grad, [[2.0, -4.0]])
    np.testing.assert_array_equal(b.grad, [6.0])


def test_l2_penalty_takes_a_models_parameters():
    model = mg.nn.Linear(3, 2)
    expected = sum((p.data**2).sum() for p in model.parameters())
    assert F.l2_penalty(model.parameters()).item() == pytest.approx(expected)


# ---------------------------------------------------------------- stability


def test_bce_with_logits_of_magnitude_1e4_is_exact_and_warns_of_nothing():
    z = mg.Tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    t = [1.0, 0.0, 0.0, 1.0]
    with no_overflow():
        loss = F.binary_cross_entropy_with_logits(z, t)
        loss.backward()
    # right and confident: 0; wrong by 1e4: loss 1e4 each
    assert loss.item() == 5000.0
    np.testing.assert_array_equal(z.grad, [0.0, 0.0, 0.25, -0.25])  # (sigmoid(z) - t) / N


def test_bce_with_logits_has_gradient_one_half_minus_t_at_zero():
    z = mg.Tensor([0.0, 0.0], requires_grad=True)
    F.binary_cross_entropy_with_logits(z, [1.0, 0.0]).backward()
    np.testing.assert_allclose(z.grad, [(0.5 - 1) / 2, 0.5 / 2])


def test_cross_entropy_with_logits_of_magnitude_1e4_is_exact_and_warns_of_nothing():
    logits = mg.Tensor([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4]], requires_grad=True)
    with no_overflow():
        loss = F.cross_entropy(logits, [0, 2])
        loss.backward()
    assert loss.item() == 1e4  # row 0 is right (0), row 1 is 2e4 below the max
    np.testing.assert_array_equal(logits.grad, [[0.0, 0.0, 0.0], [0.0, 0.5, -0.5]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_one_fused_node_silent_at_the_ends_of_the_float_range(dtype):
    big = float(np.finfo(dtype).max)  # big - (-big) is beyond the float range
    logits = mg.Tensor(np.array([[big, -big, 0.0], [1.0, 2.0, 3.0]], dtype), requires_grad=True)
    with no_overflow():
        loss = F.cross_entropy(logits, [1, 2])
        loss.backward()
    # One node, whose op the graph names, straight from the logits.
    assert loss.op == "softmax_cross_entropy" and loss.parents == (logits,)
    assert loss.dtype == dtype and logits.grad.dtype == dtype
    assert np.isinf(loss.item())  # row 0's label is infinitely far below its max
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    expected = np.array([[1.0, -1.0, 0.0], [p[0], p[1], p[2] - 1]]) / 2
    np.testing.assert_allclose(logits.grad, expected, rtol=1e-6 if dtype == np.float32 else 1e-12)


# ----------------------------------------------------------------- dtypes


@pytest.mark.parametrize("name", GRADCHECKED)
def test_float32_inputs_give_a_float32_loss_and_gradient(name):
    loss, pred, target = GRADCHECKED[name]
    x = mg.Tensor(pred.astype(np.float32), requires_grad=True)
    out = loss(x, target)
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


# ------------------------------------------------------------------ labels


@pytest.mark.parametrize("loss", [F.cross_entropy, F.multiclass_hinge_loss])
def test_class_labels_may_be_a_list_an_array_or_a_tensor(loss):
    logits = mg.Tensor(np.random.default_rng(5).standard_normal((3, 4)))
    values = [
        loss(logits, labels).item()
        for labels in ([1, 0, 3], np.array([1, 0, 3]), mg.Tensor([1, 0, 3]), np.array([1.0, 0, 3]))
    ]
    assert values == [values[0]] * 4


@pytest.mark.parametrize("loss", [F.cross_entropy, F.multiclass_hinge_loss])
@pytest.mark.parametrize(
    "logits_shape, labels, message",
    [
        ((4,), [0, 1, 2, 0], r"expected logits of shape \(N, C\), got shape \(4,\)"),
        ((4, 3), [[0], [1], [2], [0]], r"labels must have shape \(4,\).*got shape \(4, 1\)"),
        ((4, 3), [0, 1, 2], r"labels must have shape \(4,\).*got shape \(3,\)"),
        ((4, 3), [0, 1, 3, 0], r"class indices in 0 ... 2 .*got 3"),
        ((4, 3), [0, -1, 2, 0], r"class indices in 0 ... 2 .*got -1"),
        ((4, 3), [0, 1.5, 2, 0], "whole numbers"),
        ((0, 3), [], "the batch is empty"),
    ],
    ids=["1-d logits", "column labels", "short labels", "too big", "negative", "float", "empty"],
)
def test_class_losses_check_logits_and_labels(loss, logits_shape, labels, message):
    with pytest.raises(ValueError, match=f"{loss.__name__}: .*{message}"):
        loss(mg.Tensor(np.zeros(logits_shape)), labels)


@pytest.mark.parametrize(
    "loss, names",
    [
        (F.mse_loss, ("pred", "target")),
        (F.binary_cross_entropy_with_logits, ("logits", "target")),
        (F.hinge_loss, ("scores", "labels")),
    ],
)
def test_elementwise_losses_refuse_to_broadcast_mismatched_shapes(loss, names):
    # A (N, 1) output against (N,) targets would broadcast to (N, N) and compare
    # every example with every label.
    first, second = names
    with pytest.raises(
        ValueError,
        match=rf"{loss.__name__}: {first} has shape \(4, 1\) but {second} has shape \(4,\)",
    ):
        loss(mg.Tensor(np.ones((4, 1))), np.ones(4))


def test_hinge_loss_wants_labels_of_minus_one_and_plus_one():
    with pytest.raises(ValueError, match=r"labels must be -1 or \+1.*2 \* y - 1"):
        F.hinge_loss(mg.Tensor([0.5, -0.5]), [0.0, 1.0])


def test_l2_penalty_refuses_a_module_and_an_empty_list():
    with pytest.raises(TypeError, match=r"item 0 is a Linear.*model.parameters\(\)"):
        F.l2_penalty(mg.nn.Sequential(mg.nn.Linear(2, 2)))
    with pytest.raises(ValueError, match="no parameters"):
        F.l2_penalty([])


def test_functional_is_also_exported_as_F():
    assert mg.nn.F is F
