"""The backward walk: accumulation, hooks, gradient mode, memory, dtypes, anomaly mode,
and the conventions at kinks."""

from __future__ import annotations

import gc
import inspect
import os
import threading
import weakref

import numpy as np
import pytest

import minigrad as mg


def leaf(values, dtype=np.float64, name=None):
    return mg.tensor(np.asarray(values, dtype=dtype), requires_grad=True, name=name)


# ----------------------------------------------------------- accumulation


def test_a_tensor_used_twice_gets_both_contributions():
    x = leaf([3.0, -2.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, -4.0])  # d(x^2)/dx = 2x


def test_gradients_add_up_through_a_diamond():
    # a -> b = 2a, c = 3a -> d = b * c = 6 a^2, so dd/da = 12 a
    a = leaf([1.0, 2.0])
    b = a * 2
    c = a * 3
    d = b * c
    d.sum().backward()
    np.testing.assert_allclose(a.grad, [12.0, 24.0])


def test_an_intermediate_gets_its_complete_gradient_before_passing_it_on():
    # h is used by two consumers; its parents must see both contributions exactly once.
    x = leaf([2.0])
    h = x * 3
    y = h * h + h  # dy/dh = 2h + 1 = 13
    y.backward()
    np.testing.assert_allclose(h.grad, [13.0])
    np.testing.assert_allclose(x.grad, [39.0])


def test_leaf_grads_accumulate_across_passes():
    x = leaf([1.0, 2.0])
    y = (x * 3).sum()
    y.backward()
    y.backward()  # the graph is kept: a second pass through it is allowed
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_non_leaf_grad_holds_only_the_latest_pass():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = h.sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(h.grad, [1.0, 1.0])
    np.testing.assert_array_equal(y.grad, 1.0)
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_a_node_that_does_not_require_grad_gets_no_grad():
    x = leaf([1.0])
    c = mg.tensor([5.0])
    (x * c).sum().backward()
    assert c.grad is None


def test_backward_with_an_explicit_grad_array():
    x = leaf([1.0, 2.0])
    y = x * 3
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 30.0])


def test_backward_accepts_a_tensor_as_grad():
    x = leaf([1.0, 2.0])
    (x * 3).backward(mg.tensor([2.0, 1.0]))
    np.testing.assert_array_equal(x.grad, [6.0, 3.0])


def test_backward_without_grad_on_a_one_element_tensor_seeds_one():
    x = leaf([[2.0]])
    (x * 5).backward()
    np.testing.assert_array_equal(x.grad, [[5.0]])


def test_changing_a_leaf_grad_in_place_changes_no_other_grad():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    seed = np.array([1.0, 1.0])
    y = a + b  # add passes its incoming gradient on unchanged to both inputs
    y.backward(seed)
    a.grad *= 2
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(y.grad, [1.0, 1.0])
    np.testing.assert_array_equal(seed, [1.0, 1.0])


def test_changing_a_leaf_grad_in_place_leaves_intermediate_grads_alone():
    a, b, c = leaf([1.0]), leaf([2.0]), leaf([3.0])
    h = a + b
    y = h + c
    y.backward()
    a.grad += 100
    c.grad += 100
    np.testing.assert_array_equal(h.grad, [1.0])
    np.testing.assert_array_equal(y.grad, [1.0])
    np.testing.assert_array_equal(b.grad, [1.0])


def test_a_leaf_that_is_the_root_does_not_share_the_seed_array():
    x = leaf([1.0, 2.0])
    seed = np.array([5.0, 6.0])
    x.backward(seed)
    x.grad *= 0
    np.testing.assert_array_equal(seed, [5.0, 6.0])


def test_a_zero_dimensional_leaf_gets_a_zero_dimensional_array_as_grad():
    x = leaf(0.5, dtype=np.float32)
    (x.tanh() * 2).backward()
    assert type(x.grad) is np.ndarray and x.grad.shape == () and x.grad.dtype == np.float32


def test_a_leaf_used_by_many_nodes_gets_every_contribution_once():
    x = leaf([1.0, 2.0])
    parts = [x * k for k in range(1, 6)]  # x is used five times
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    total.sum().backward()
    np.testing.assert_array_equal(x.grad, [15.0, 15.0])


def test_a_node_reached_by_paths_of_different_lengths_is_visited_after_all_of_them():
    x = leaf([2.0])
    h = x * 3  # dy/dh = 1 (short path) + 2h (through h * h) + 1 (through (h + 1))
    y = h + h * h + (h + 1)
    seen = []
    h.register_hook(lambda g: seen.append(g.copy()))
    y.backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [2 + 2 * 6.0])
    np.testing.assert_allclose(x.grad, [3 * (2 + 2 * 6.0)])


# ------------------------------------------------------------------ hooks


def test_a_hook_runs_once_per_pass_with_the_complete_gradient():
    x = leaf([2.0])
    h = x * 1.0
    seen = []
    h.register_hook(lambda g: seen.append(g.copy()))
    y = h * h + h * 4  # dy/dh = 2h + 4 = 8, from three uses of h
    y.backward()
    y.backward()
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[0], [8.0])
    np.testing.assert_array_equal(seen[1], [8.0])


def test_a_hook_that_returns_an_array_replaces_the_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_array_equal(h.grad, [10.0, 10.0])
    np.testing.assert_array_equal(x.grad, [30.0, 30.0])


def test_a_hook_that_returns_none_keeps_the_gradient():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: None)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_a_leaf_hook_runs_before_the_gradient_is_added_to_grad():
    x = leaf([1.0])
    grad_seen_by_hook = []

    def hook(g):
        grad_seen_by_hook.append(None if x.grad is None else x.grad.copy())
        return g * 2

    x.register_hook(hook)
    y = (x * 3).sum()
    y.backward()
    y.backward()
    assert grad_seen_by_hook[0] is None
    np.testing.assert_array_equal(grad_seen_by_hook[1], [6.0])
    np.testing.assert_array_equal(x.grad, [12.0])  # 2 * 3 added in each of two passes


def test_the_function_returned_by_register_hook_removes_the_hook():
    x = leaf([1.0])
    calls = []
    remove = x.register_hook(lambda g: calls.append(1))
    y = (x * 2).sum()
    y.backward()
    remove()
    y.backward()
    assert calls == [1]


def test_register_hook_on_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).register_hook(lambda g: g)


# ----------------------------------------------------------- gradient mode


def test_grad_is_enabled_by_default():
    assert mg.is_grad_enabled()


def test_no_grad_records_no_graph():
    x = leaf([1.0, 2.0])
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad
    assert y.op is None and y.parents == ()
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    assert mg.is_grad_enabled()


def test_no_grad_is_restored_when_the_block_raises():
    with pytest.raises(KeyError), mg.no_grad():
        raise KeyError("inside the block")
    assert mg.is_grad_enabled()


def test_enable_grad_records_inside_no_grad():
    x = leaf([1.0])
    with mg.no_grad():
        with mg.enable_grad():
            assert mg.is_grad_enabled()
            y = x * 2
        assert not mg.is_grad_enabled()
    assert y.requires_grad and y.op == "mul"


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    entered, release = threading.Event(), threading.Event()
    seen_in_thread = []

    def worker():
        with mg.no_grad():
            seen_in_thread.append(mg.is_grad_enabled())
            entered.set()
            release.wait(timeout=10)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert entered.wait(timeout=10)
        x = leaf([1.0])
        y = x * 2
        assert mg.is_grad_enabled()
        assert y.requires_grad and y.op == "mul"
    finally:
        release.set()
        thread.join()
    assert seen_in_thread == [False]


def test_detach_stops_the_gradient():
    x = leaf([3.0])
    y = x.detach() * x  # only the second factor is differentiated
    y.backward()
    np.testing.assert_array_equal(x.grad, [3.0])


# ---------------------------------------------------------------- memory


def test_a_chain_of_100000_ops_runs_backward_without_recursion_error():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    np.testing.assert_allclose(x.grad, [1.00001**100_000], rtol=1e-9)
    del y  # freeing the chain must not recurse either


def test_the_graph_is_garbage_once_the_output_is_dropped():
    x = leaf([1.0, 2.0])
    hidden = x.exp()
    out = (hidden * 2).sum()
    alive = weakref.ref(hidden)
    del hidden
    assert alive() is not None  # the output still holds the graph
    del out
    gc.collect()
    assert alive() is None


def test_after_backward_no_reference_cycle_keeps_the_graph_alive():
    x = leaf([1.0, 2.0])
    hidden = x.tanh()
    hidden.register_hook(lambda g: g)
    out = (hidden * hidden).sum()
    out.backward()
    alive = weakref.ref(hidden)
    del hidden
    gc.collect()
    gc.disable()  # only reference counting may free the graph now
    try:
        del out
        freed_by_refcount = alive() is None
    finally:
        gc.enable()
    assert freed_by_refcount


# ----------------------------------------------------------------- dtypes


def test_a_float32_network_keeps_every_gradient_float32(rng):
    f32 = np.float32
    x = mg.tensor(rng.standard_normal((4, 3)).astype(f32))
    w1 = mg.tensor(rng.standard_normal((3, 5)).astype(f32), requires_grad=True)
    b1 = mg.zeros(5, dtype=f32, requires_grad=True)
    w2 = mg.tensor(rng.standard_normal((5, 2)).astype(f32), requires_grad=True)
    b2 = mg.zeros(2, dtype=f32, requires_grad=True)
    hidden = (x @ w1 + b1).relu()
    logits = hidden @ w2 + b2
    loss = mg.log_softmax(logits).mean() * -1.0 + (w1 * w1).sum() * 0.01
    assert loss.dtype == f32
    loss.backward()
    for t in (w1, b1, w2, b2, hidden, logits):
        assert t.grad.dtype == f32


def test_mixed_float32_and_float64_inputs_get_gradients_of_their_own_dtype():
    a = leaf([1.0, 2.0], dtype=np.float32)
    b = leaf([3.0, 4.0], dtype=np.float64)
    y = a * b
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32
    assert b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0])


def test_a_float64_seed_does_not_upcast_a_float32_graph():
    x = leaf([1.0, 2.0], dtype=np.float32)
    (x * 2).backward(np.array([1.0, 1.0]))
    assert x.grad.dtype == np.float32


# ----------------------------------------------------------- anomaly mode


def test_anomaly_error_is_a_runtime_error():
    assert issubclass(mg.AnomalyError, RuntimeError)


def test_detect_anomaly_names_the_op_and_the_user_line_that_made_a_nan():
    x = leaf([-1.0])
    with np.errstate(invalid="ignore"), mg.detect_anomaly():
        with pytest.raises(mg.AnomalyError) as caught:
            line = inspect.currentframe().f_lineno + 1
            x.log()
    message = str(caught.value)
    assert "'log'" in message
    assert "NaN" in message
    assert f"{os.path.basename(__file__)}:{line}" in message


def test_detect_anomaly_names_the_op_whose_gradient_is_infinite():
    x = leaf([0.0, 1.0])
    with np.errstate(divide="ignore"), mg.detect_anomaly():
        y = x.sqrt().sum()  # sqrt(0) = 0 is fine; its derivative 1 / (2 sqrt 0) is not
        with pytest.raises(mg.AnomalyError, match=r"gradient.*'sqrt'.*infinity"):
            y.backward()


def test_anomaly_detection_is_off_by_default():
    x = leaf([-1.0])
    with np.errstate(invalid="ignore"):
        y = x.log()
    assert np.isnan(y.data).all()


def test_anomaly_detection_ends_with_its_block():
    with mg.detect_anomaly():
        pass
    with np.errstate(invalid="ignore"):
        y = leaf([-1.0]).log()
    assert np.isnan(y.data).all()


# ---------------------------------------------------- conventions at kinks


def grad_of(fn, values):
    x = leaf(values)
    fn(x).sum().backward()
    return x.grad


def test_relu_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(grad_of(mg.relu, [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])


def test_leaky_relu_derivative_at_zero_is_one():
    grad = grad_of(lambda x: mg.leaky_relu(x, slope=0.1), [-1.0, 0.0, 2.0])
    np.testing.assert_allclose(grad, [0.1, 1.0, 1.0])


def test_abs_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(grad_of(mg.abs, [-3.0, 0.0, 3.0]), [-1.0, 0.0, 1.0])


def test_clip_passes_the_gradient_inside_and_at_its_bounds_and_zero_outside():
    grad = grad_of(lambda x: x.clip(-1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(grad, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_max_reduction_splits_the_gradient_evenly_among_ties():
    np.testing.assert_array_equal(grad_of(lambda x: x.max(), [1.0, 3.0, 3.0]), [0.0, 0.5, 0.5])


def test_min_reduction_splits_the_gradient_evenly_among_ties():
    grad = grad_of(lambda x: x.min(), [-2.0, 5.0, -2.0, -2.0])
    np.testing.assert_allclose(grad, [1 / 3, 0.0, 1 / 3, 1 / 3])


def test_max_along_an_axis_splits_ties_within_each_row_only():
    grad = grad_of(lambda x: x.max(axis=1), [[1.0, 3.0, 3.0], [4.0, 0.0, 2.0]])
    np.testing.assert_array_equal(grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


def test_maximum_splits_the_gradient_evenly_at_a_tie():
    a, b = leaf([1.0, 2.0, 5.0]), leaf([1.0, 3.0, 4.0])
    mg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])


def test_minimum_splits_the_gradient_evenly_at_a_tie():
    a, b = leaf([1.0, 2.0, 5.0]), leaf([1.0, 3.0, 4.0])
    mg.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0, 1.0])


def test_maxout_splits_the_gradient_evenly_among_tied_pieces():
    # groups of two: [3, 3] ties, [1, 2] has one maximum
    grad = grad_of(lambda z: mg.maxout(z, 2), [3.0, 3.0, 1.0, 2.0])
    np.testing.assert_array_equal(grad, [0.5, 0.5, 0.0, 1.0])


def test_leaky_relu_with_a_slope_above_one_keeps_its_definition():
    x = leaf([-2.0, 0.0, 3.0])
    y = mg.leaky_relu(x, slope=1.5)
    np.testing.assert_array_equal(y.data, [-3.0, 0.0, 3.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.5, 1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturating_derivatives_stay_nonzero_where_the_output_has_rounded(dtype):
    # In float32, sigmoid(30) and tanh(30) round to 1 and elu(-30) to -1: their
    # derivatives are tiny there, but not 0 (a saturated unit is not a dead one).
    for name, x in [("sigmoid", 30.0), ("sigmoid", -30.0), ("tanh", 30.0), ("elu", -30.0)]:
        record = mg.activations.get(name)
        xs = np.array([x], dtype)
        d = record.derivative(xs, record.forward(xs))
        assert d.dtype == dtype and 0 < d[0] < 1e-12, (name, x, d)
