"""Convolution and pooling: values and gradients against PyTorch, the conventions
of max pooling at ties, dtypes, and clear errors for bad shapes."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import conv  # registers the ops
from minigrad.tensor import apply

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the comparisons with PyTorch skip
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def leaves(rng, *shapes, dtype=np.float64):
    return [mg.Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]


def torch_copies(*tensors):
    return [torch.tensor(t.data, requires_grad=True) for t in tensors]


def assert_matches_torch(out, t_out, inputs, t_inputs, rng, rtol=1e-10, atol=1e-12):
    """Same values, and the same gradients for the same upstream gradient."""
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=rtol, atol=atol)
    g = rng.standard_normal(out.shape).astype(out.dtype)
    out.backward(g)
    t_out.backward(torch.tensor(g))
    for x, tx in zip(inputs, t_inputs, strict=True):
        assert x.grad.dtype == x.dtype
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=rtol, atol=atol)


# ------------------------------------------------------------ against torch

CONV_CONFIGS = [
    # x shape, w shape, stride, padding
    ((2, 3, 7, 5), (4, 3, 3, 3), 1, 0),
    ((2, 3, 7, 5), (4, 3, 3, 3), 1, 1),
    ((2, 3, 7, 5), (4, 3, 3, 3), 2, 0),
    ((2, 3, 7, 5), (4, 3, 3, 3), 2, 1),
    ((3, 2, 8, 6), (5, 2, 2, 2), 2, 0),  # windows side by side, no overlap
    ((2, 2, 7, 5), (3, 2, 3, 2), (2, 1), (1, 0)),  # pairs: rectangular everything
    ((2, 4, 5, 5), (2, 4, 1, 1), 1, 0),  # 1x1: a matmul over channels
    ((1, 1, 4, 4), (1, 1, 4, 4), 1, 0),  # the kernel covers the whole input
    ((2, 3, 3, 3), (2, 3, 5, 5), 1, 1),  # kernel larger than the input, not the padded input
]


@needs_torch
@pytest.mark.parametrize("x_shape, w_shape, stride, padding", CONV_CONFIGS)
@pytest.mark.parametrize("bias", [False, True], ids=["no-bias", "bias"])
def test_conv2d_matches_torch(x_shape, w_shape, stride, padding, bias, rng):
    shapes = (x_shape, w_shape) + (((w_shape[0],),) if bias else ())
    inputs = leaves(rng, *shapes)
    t_inputs = torch_copies(*inputs)
    out = conv.conv2d(*inputs, stride=stride, padding=padding)
    t_out = TF.conv2d(*t_inputs, stride=stride, padding=padding)
    assert out.shape == tuple(t_out.shape)
    assert_matches_torch(out, t_out, inputs, t_inputs, rng)


@needs_torch
def test_conv2d_on_a_larger_batch_matches_torch_to_1e_10(rng):
    x, w, b = leaves(rng, (8, 3, 16, 16), (6, 3, 5, 5), (6,))
    t_inputs = torch_copies(x, w, b)
    for stride, padding in [(1, 2), (2, 0)]:
        for t in (x, w, b, *t_inputs):
            t.grad = None
        out = conv.conv2d(x, w, b, stride=stride, padding=padding)
        t_out = TF.conv2d(*t_inputs, stride=stride, padding=padding)
        assert_matches_torch(out, t_out, [x, w, b], t_inputs, rng, rtol=1e-10, atol=1e-10)


POOL_CONFIGS = [
    # kernel_size, stride
    (2, None),  # stride defaults to the kernel: side by side
    (3, None),
    (3, 1),  # overlapping windows
    (3, 2),
    ((3, 2), (2, 1)),
    (1, 1),
]


@needs_torch
@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("kernel_size, stride", POOL_CONFIGS)
def test_pooling_matches_torch(name, kernel_size, stride, rng):
    (x,) = leaves(rng, (2, 3, 7, 5))
    (tx,) = torch_copies(x)
    out = getattr(conv, name)(x, kernel_size, stride)
    t_out = getattr(TF, name)(tx, kernel_size, stride)
    assert out.shape == tuple(t_out.shape)
    assert_matches_torch(out, t_out, [x], [tx], rng)


@needs_torch
def test_conv2d_keeps_float32_and_agrees_with_torch_in_float32(rng):
    x, w, b = leaves(rng, (4, 3, 9, 7), (5, 3, 3, 3), (5,), dtype=np.float32)
    t_inputs = torch_copies(x, w, b)
    out = conv.conv2d(x, w, b, stride=2, padding=1)
    assert out.dtype == np.float32
    t_out = TF.conv2d(*t_inputs, stride=2, padding=1)
    assert_matches_torch(out, t_out, [x, w, b], t_inputs, rng, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_pooling_keeps_float32(name, rng):
    (x,) = leaves(rng, (2, 3, 6, 6), dtype=np.float32)
    out = getattr(conv, name)(x, 3, 1)
    out.backward(np.ones(out.shape, np.float32))
    assert out.dtype == np.float32 and x.grad.dtype == np.float32


# ---------------------------------------------------- the lessons, by hand


def test_conv2d_is_a_cross_correlation_by_hand():
    # No kernel flip (as in PyTorch): y[h, w] = sum_ij x[h + i, w + j] k[i, j].
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    k = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    y = conv.conv2d(x, k).data[0, 0]
    assert y[0, 0] == 0 * 1 + 1 * 2 + 4 * 3 + 5 * 4
    assert y[2, 1] == 9 * 1 + 10 * 2 + 13 * 3 + 14 * 4
    assert y.shape == (3, 3)


def test_conv2d_with_a_1x1_kernel_is_a_matmul_over_channels(rng):
    x, w = rng.standard_normal((2, 4, 3, 5)), rng.standard_normal((6, 4, 1, 1))
    expected = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x)
    np.testing.assert_allclose(conv.conv2d(x, w).data, expected, rtol=1e-12)


def test_each_input_pixel_gets_the_gradient_of_every_window_that_read_it():
    # With all-ones weights and upstream gradient, dL/dx counts the windows
    # covering each pixel: overlapping windows accumulate.
    x = mg.zeros(1, 1, 4, 4, requires_grad=True)
    conv.conv2d(x, np.ones((1, 1, 3, 3))).sum().backward()
    np.testing.assert_array_equal(
        x.grad[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]
    )


def test_padding_gets_no_gradient_and_the_input_keeps_its_shape(rng):
    x = mg.Tensor(rng.standard_normal((2, 3, 5, 4)), requires_grad=True)
    w = mg.ones(1, 3, 3, 3)
    conv.conv2d(x, w, padding=1).sum().backward()
    assert x.grad.shape == x.shape
    # a corner pixel is read by 4 of the windows (3x3 kernel, padding 1)
    assert x.grad[0, 0, 0, 0] == 4 and x.grad[0, 0, 2, 2] == 9


def test_bias_gradient_sums_over_batch_and_positions(rng):
    x, w = rng.standard_normal((3, 2, 5, 5)), rng.standard_normal((4, 2, 3, 3))
    b = mg.zeros(4, requires_grad=True)
    conv.conv2d(x, w, b).sum().backward()
    np.testing.assert_array_equal(b.grad, np.full(4, 3 * 3 * 3))  # N * OH * OW


def test_bias_is_added_per_output_channel():
    y = conv.conv2d(np.zeros((1, 1, 3, 3)), np.zeros((2, 1, 2, 2)), b=[1.0, -2.0])
    np.testing.assert_array_equal(y.data[0, 0], np.ones((2, 2)))
    np.testing.assert_array_equal(y.data[0, 1], np.full((2, 2), -2.0))


def test_max_pool_gradient_goes_to_the_maximum_of_each_window():
    x = mg.Tensor([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 7.0]]]], requires_grad=True)
    y = conv.max_pool2d(x, 2)
    np.testing.assert_array_equal(y.data, [[[[5.0, 8.0]]]])
    y.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[0, 10, 0, 0], [0, 0, 20, 0]]]])


def test_max_pool_ties_split_the_gradient_evenly():
    # Two maxima in the first window, four in the second: each gets its share.
    x = mg.Tensor([[[[3.0, 3.0, 1.0, 1.0], [0.0, 2.0, 1.0, 1.0]]]], requires_grad=True)
    conv.max_pool2d(x, 2).backward(np.array([[[[1.0, 1.0]]]]))
    np.testing.assert_array_equal(x.grad, [[[[0.5, 0.5, 0.25, 0.25], [0, 0, 0.25, 0.25]]]])


def test_max_pool_overlapping_windows_accumulate_shares():
    # A constant 3x3 image, 2x2 windows with stride 1: every window is a 4-way tie,
    # and each pixel collects a quarter from every window that covers it.
    x = mg.ones(1, 1, 3, 3, requires_grad=True)
    conv.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(
        x.grad[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]
    )


def test_avg_pool_spreads_the_gradient_evenly_over_each_window():
    x = mg.zeros(1, 1, 3, 4, requires_grad=True)
    conv.avg_pool2d(x, 2).backward(np.array([[[[4.0, 8.0]]]]))
    # the last row is in no window (3 // 2 = 1 row of windows) and gets nothing
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [0, 0, 0, 0]])


def test_a_small_cnn_passes_gradcheck(rng):
    def cnn(x, w, b):
        h = conv.conv2d(x, w, b, padding=1).relu()
        return conv.avg_pool2d(conv.max_pool2d(h, 2), 1).sum(axis=(1, 2, 3))

    x, w, b = leaves(rng, (2, 2, 6, 5), (3, 2, 3, 3), (3,))
    assert mg.gradcheck(cnn, [x, w, b])


def test_backward_through_the_same_graph_twice_doubles_the_leaf_gradients(rng):
    x, w = leaves(rng, (2, 3, 6, 6), (4, 3, 3, 3))
    y = conv.conv2d(x, w, stride=2, padding=1).sum()
    y.backward()
    first = x.grad.copy(), w.grad.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first[0])
    np.testing.assert_allclose(w.grad, 2 * first[1])


def test_functions_take_arrays_and_record_one_node_per_op(rng):
    x = mg.Tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    w = rng.standard_normal((3, 2, 3, 3))  # a plain array
    y = conv.conv2d(x, w)
    assert y.op == "conv2d" and y.parents[0] is x
    assert conv.max_pool2d(y, 2).op == "max_pool2d"
    assert conv.avg_pool2d(y, 2).op == "avg_pool2d"
    assert conv.conv2d(x.data, w).op is None  # nothing requires grad: no graph
    assert {"conv2d", "max_pool2d", "avg_pool2d"} <= set(mg.ops.names())


# ------------------------------------------------------------------- errors


def with_grad(*shape, seed=0):
    """A leaf that already holds data and a gradient from an earlier pass."""
    t = mg.Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)
    (t * 2).sum().backward()
    return t


def raises_and_changes_nothing(call, tensors, *expected):
    """``call()`` raises ValueError whose message contains every ``expected``
    piece, and the tensors' data and gradients are as they were."""
    before = [(t.data.copy(), t.grad.copy()) for t in tensors]
    with pytest.raises(ValueError) as caught:
        call()
    message = str(caught.value)
    for piece in expected:
        assert re.search(piece, message), f"{piece!r} not in {message!r}"
    for t, (data, grad) in zip(tensors, before, strict=True):
        np.testing.assert_array_equal(t.data, data)
        np.testing.assert_array_equal(t.grad, grad)


def test_conv2d_of_a_3d_input_says_x_must_be_4d():
    x, w = with_grad(3, 7, 5), with_grad(4, 3, 3, 3)
    raises_and_changes_nothing(
        lambda: conv.conv2d(x, w), [x, w], r"^conv2d:", "4-D", r"\(3, 7, 5\)"
    )


def test_conv2d_with_a_3d_weight_says_w_must_be_4d():
    x, w = with_grad(2, 3, 7, 5), with_grad(3, 3, 3)
    raises_and_changes_nothing(
        lambda: conv.conv2d(x, w), [x, w], r"^conv2d:", "w must be 4-D", r"\(3, 3, 3\)"
    )


def test_conv2d_channel_mismatch_names_both_channel_counts():
    x, w = with_grad(2, 3, 7, 5), with_grad(4, 2, 3, 3)
    raises_and_changes_nothing(
        lambda: conv.conv2d(x, w),
        [x, w],
        r"^conv2d:",
        r"\(2, 3, 7, 5\) has 3 channels",
        r"\(4, 2, 3, 3\) expects 2",
    )


def test_conv2d_bias_of_the_wrong_length_says_one_per_output_channel():
    x, w, b = with_grad(2, 3, 7, 5), with_grad(4, 3, 3, 3), with_grad(3)
    raises_and_changes_nothing(
        lambda: conv.conv2d(x, w, b),
        [x, w, b],
        r"^conv2d:",
        r"bias b of shape \(3,\)",
        r"expected shape \(4,\)",
        "one value per output channel",
    )


def test_conv2d_kernel_larger_than_the_padded_input_is_refused():
    x, w = with_grad(1, 1, 3, 6), with_grad(1, 1, 5, 5)
    raises_and_changes_nothing(
        lambda: conv.conv2d(x, w, padding=(0, 1)),
        [x, w],
        r"^conv2d:",
        r"kernel \(5, 5\) is larger than the padded",
        r"\(3, 8\)",
        r"\(1, 1, 3, 6\)",
    )


@pytest.mark.parametrize("stride", [0, -1, (1, 0)])
def test_conv2d_non_positive_stride_is_refused(stride):
    x, w = with_grad(2, 3, 7, 5), with_grad(4, 3, 3, 3)
    raises_and_changes_nothing(
        lambda: conv.conv2d(x, w, stride=stride), [x, w], r"^conv2d:", "stride must be positive"
    )


def test_conv2d_negative_padding_is_refused():
    x, w = with_grad(2, 3, 7, 5), with_grad(4, 3, 3, 3)
    raises_and_changes_nothing(
        lambda: conv.conv2d(x, w, padding=-1), [x, w], r"^conv2d:", "padding must be non-negative"
    )


def test_a_stride_that_is_not_an_int_or_pair_raises_type_error():
    with pytest.raises(TypeError, match=r"^conv2d: stride must be an int or a pair"):
        conv.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), stride=1.5)
    with pytest.raises(TypeError, match=r"^max_pool2d: kernel_size must be an int or a pair"):
        conv.max_pool2d(np.zeros((1, 1, 4, 4)), (2, 2, 2))


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_pooling_a_3d_input_says_x_must_be_4d(name):
    x = with_grad(3, 6, 6)
    raises_and_changes_nothing(
        lambda: getattr(conv, name)(x, 2), [x], f"^{name}:", "4-D", r"\(3, 6, 6\)"
    )


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_pooling_kernel_larger_than_the_input_is_refused(name):
    x = with_grad(1, 2, 3, 6)
    raises_and_changes_nothing(
        lambda: getattr(conv, name)(x, 4),
        [x],
        f"^{name}:",
        r"kernel \(4, 4\) is larger than the input's spatial size \(3, 6\)",
    )


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
@pytest.mark.parametrize("kernel_size, stride", [(2, 0), (0, 1), (2, (1, -1))])
def test_pooling_non_positive_kernel_or_stride_is_refused(name, kernel_size, stride):
    x = with_grad(1, 2, 4, 4)
    raises_and_changes_nothing(
        lambda: getattr(conv, name)(x, kernel_size, stride), [x], f"^{name}:", "must be positive"
    )


def test_the_op_explains_bad_shapes_when_applied_directly():
    # Through the registry (as the engine and the renderer call it) the message is the same.
    x, w = mg.zeros(2, 3, 7, 5), mg.zeros(4, 2, 3, 3)
    with pytest.raises(ValueError, match=r"^conv2d: x of shape \(2, 3, 7, 5\) has 3 channels"):
        apply(mg.ops.get("conv2d"), x, w, stride=(1, 1), padding=(0, 0))


# ------------------------------------------------------------------ layers


def test_conv2d_layer_has_pytorch_shapes_and_names():
    layer = mg.nn.Conv2d(3, 8, 3, stride=2, padding=1, rng=np.random.default_rng(0))
    assert layer.weight.shape == (8, 3, 3, 3) and layer.bias.shape == (8,)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer(np.zeros((2, 3, 9, 9))).shape == (2, 8, 5, 5)
    assert "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1)" in repr(layer)


def test_conv2d_layer_he_init_uses_the_kernel_fan_in():
    layer = mg.nn.Conv2d(16, 64, 5, rng=np.random.default_rng(0))
    fan_in = 16 * 5 * 5
    assert layer.weight.data.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.05)


def test_conv2d_layer_equals_the_function():
    rng = np.random.default_rng(0)
    layer = mg.nn.Conv2d(2, 3, (2, 3), padding=(1, 0), rng=rng)
    layer.bias.data[:] = rng.standard_normal(3)
    x = rng.standard_normal((2, 2, 5, 6))
    expected = mg.conv2d(x, layer.weight, layer.bias, padding=(1, 0))
    np.testing.assert_array_equal(layer(x).data, expected.data)


def test_pooling_layers_and_flatten():
    x = mg.Tensor(np.arange(32.0).reshape(1, 2, 4, 4))
    np.testing.assert_array_equal(mg.nn.MaxPool2d(2)(x).data, mg.max_pool2d(x, 2).data)
    np.testing.assert_array_equal(mg.nn.AvgPool2d(2, 1)(x).data, mg.avg_pool2d(x, 2, 1).data)
    assert mg.nn.Flatten()(x).shape == (1, 32)


def test_small_convnet_trains_end_to_end_with_gradients_for_every_parameter():
    rng = np.random.default_rng(0)
    net = mg.nn.Sequential(
        mg.nn.Conv2d(1, 4, 3, padding=1, rng=rng),
        mg.nn.ReLU(),
        mg.nn.MaxPool2d(2),
        mg.nn.Flatten(),
        mg.nn.Linear(4 * 3 * 3, 2, rng=rng),
    )
    x, y = rng.standard_normal((6, 1, 6, 6)), np.array([0, 1, 0, 1, 1, 0])
    loss = mg.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())
    assert mg.gradcheck(
        lambda w: mg.nn.functional.cross_entropy(mg.conv2d(x, w, padding=1).max(axis=(2, 3)), y),
        [mg.Tensor(rng.standard_normal((2, 1, 3, 3)), requires_grad=True)],
    )


def test_dead_units_of_a_conv_layer_are_its_channels():
    rng = np.random.default_rng(0)
    net = mg.nn.Sequential(mg.nn.Conv2d(1, 4, 3, rng=rng), mg.nn.ReLU())
    net[0].bias.data[:] = [-100.0, 0.5, -100.0, 0.5]
    x = rng.uniform(-1, 1, (5, 1, 6, 6))
    assert mg.diagnostics.dead_units(net, x) == {"1": 2}
