"""Diagnostics: health classes, gradient flow, dead and inactive units, the recorder."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import diagnostics, nn
from minigrad.nn import functional as F


def test_health_classes():
    assert diagnostics.health(np.zeros(5)) == "dead"
    assert diagnostics.health(np.full(5, 1e-9)) == "vanishing"
    assert diagnostics.health(np.full(5, 0.1)) == "flowing"
    assert diagnostics.health(np.full(5, 1e4)) == "exploding"
    assert diagnostics.health(np.array([0.1, np.nan])) == "exploding"
    assert diagnostics.health(np.array([0.1, np.inf])) == "exploding"


def test_health_thresholds_are_parameters():
    g = np.full(3, 1e-3)
    assert diagnostics.health(g) == "flowing"
    assert diagnostics.health(g, vanishing=1e-2) == "vanishing"
    assert diagnostics.health(g, exploding=1e-4) == "exploding"


def _net_with_two_dead_units(activation: str = "relu") -> nn.MLP:
    """3 -> 4 -> 2; hidden units 0 and 1 have a bias so negative that no input
    with |x| < 10 can switch them on."""
    net = nn.MLP([3, 4, 2], activation=activation, rng=np.random.default_rng(0))
    first = net.layers[0]
    first.weight.data[:] = np.random.default_rng(1).uniform(-0.5, 0.5, first.weight.shape)
    first.bias.data[:] = [-100.0, -100.0, 0.1, 0.2]
    return net


X = np.random.default_rng(2).uniform(-1, 1, (64, 3))


def test_dead_units_counts_units_dead_on_every_example():
    assert diagnostics.dead_units(_net_with_two_dead_units(), X) == {"layers.1": 2}


def test_unit_masks_say_which_units_are_dead():
    masks = diagnostics.unit_masks(_net_with_two_dead_units(), X)
    assert masks["layers.1"].tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match="which"):
        diagnostics.unit_masks(_net_with_two_dead_units(), X, which="sleepy")


def test_dead_units_in_batches_agrees_with_one_batch():
    net = _net_with_two_dead_units()
    assert diagnostics.dead_units(net, X, batch_size=10) == diagnostics.dead_units(net, X)


def test_dead_units_records_no_graph_and_restores_the_modules():
    net = _net_with_two_dead_units()
    diagnostics.dead_units(net, X)
    assert "forward" not in net.layers[1].__dict__
    assert net(mg.Tensor(X)).requires_grad  # the model still records graphs afterwards


def test_leaky_units_are_inactive_but_never_dead():
    net = _net_with_two_dead_units("leaky_relu")
    assert diagnostics.dead_units(net, X) == {"layers.1": 0}
    assert diagnostics.inactive_units(net, X) == {"layers.1": 2}


def test_relu_inactive_units_are_its_dead_units():
    net = _net_with_two_dead_units()
    assert diagnostics.inactive_units(net, X) == diagnostics.dead_units(net, X)


def test_maxout_units_are_never_dead():
    net = nn.MLP([3, 4, 2], activation="maxout", rng=np.random.default_rng(0))
    assert diagnostics.dead_units(net, X) == {"layers.0": 0}


def test_prelu_with_nonzero_slope_is_never_dead():
    net = _net_with_two_dead_units("prelu")
    assert diagnostics.dead_units(net, X) == {"layers.1": 0}
    assert diagnostics.inactive_units(net, X) == {"layers.1": 2}


def test_gradient_flow_reports_each_parameter_in_order():
    net = _net_with_two_dead_units()
    loss = F.cross_entropy(net(X), np.zeros(len(X), dtype=int))
    loss.backward()
    records = diagnostics.gradient_flow(net)
    assert [r.name for r in records] == [name for name, _ in net.named_parameters()]
    first_weight = records[0]
    # rows of the two dead units get no gradient: half of the first weight is zero
    assert first_weight.zero_fraction == pytest.approx(0.5)
    assert first_weight.health == "flowing"
    assert first_weight.max_abs_grad >= first_weight.mean_abs_grad > 0


def test_gradient_flow_calls_a_parameter_without_gradient_dead():
    net = nn.MLP([3, 2])
    assert {r.health for r in diagnostics.gradient_flow(net)} == {"dead"}


def _train_steps(net, recorder, steps=3):
    y = (X[:, 0] > 0).astype(int)
    opt = mg.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(steps):
        loss = F.cross_entropy(net(X), y)
        opt.zero_grad()
        loss.backward()
        recorder.record()
        opt.step()


def test_recorder_collects_layer_statistics_every_step():
    net = _net_with_two_dead_units()
    with diagnostics.Recorder(net) as recorder:
        _train_steps(net, recorder)
    assert len(recorder.layers) == 3
    stats = recorder.layers[-1]["layers.1"]
    assert (stats.units, stats.dead_units, stats.inactive_units) == (4, 2, 2)
    assert stats.mean_abs_grad > 0 and stats.max_abs_grad >= stats.mean_abs_grad
    assert stats.health == "flowing"
    assert recorder.series("dead_units")["layers.1"].tolist() == [2, 2, 2]
    assert len(recorder.parameter_series("mean_abs_grad")["layers.0.weight"]) == 3
    assert "forward" not in net.layers[1].__dict__  # closed: modules restored


def test_recorder_sees_saturated_sigmoid_units():
    net = nn.MLP([3, 4, 2], activation="sigmoid", rng=np.random.default_rng(0))
    net.layers[0].bias.data[:] = 50.0  # every unit deep in its flat tail
    with diagnostics.Recorder(net) as recorder:
        _train_steps(net, recorder, steps=1)
    stats = recorder.layers[0]["layers.1"]
    assert stats.saturated_fraction == 1.0
    assert stats.dead_units == 0  # saturated is not dead: the derivative is tiny, not 0
    assert stats.health == "vanishing"
    assert 0 < stats.mean_derivative < 1e-20  # sigmoid'(50) = e^-50
    assert stats.output_mean == pytest.approx(1.0) and stats.output_std < 1e-12


def test_recorder_series_rejects_unknown_statistics():
    recorder = diagnostics.Recorder(nn.MLP([3, 2, 2]))
    with pytest.raises(KeyError, match="unknown"):
        recorder.series("colour")
    with pytest.raises(KeyError, match="unknown"):
        recorder.parameter_series("colour")
    recorder.close()


def test_plotting_helpers_draw_bars_and_lines():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from minigrad import plotting

    net = _net_with_two_dead_units()
    with diagnostics.Recorder(net) as recorder:
        _train_steps(net, recorder)
    ax = plotting.plot_gradient_flow(net)
    assert len(ax.patches) == 2 * len(net.parameters())  # a mean and a max bar each
    ax = plotting.plot_layer_series(recorder, "mean_abs_grad")
    assert len(ax.lines) == 1


# ------------------------------------------------- the one vocabulary


def _states(name, x, **params):
    record = mg.activations.get(name)
    return diagnostics.element_states(name, [x], record.forward(x, **params), params)


def test_saturated_is_a_tenth_of_the_peak_derivative():
    assert diagnostics.SATURATED == 0.1
    # sigmoid'(3) = 0.045 passes, sigmoid'(4) = 0.018 < 0.025 is saturated, never off
    e = _states("sigmoid", np.array([0.0, 3.0, 4.0, -4.0, 60.0]))
    assert e.passing.tolist() == [True, True, False, False, False]
    assert e.saturated.tolist() == [False, False, True, True, True]
    assert not e.off.any()
    # tanh's peak is 1: tanh'(1.5) = 0.18 passes, tanh'(2) = 0.07 is saturated
    assert _states("tanh", np.array([1.5, 2.0])).saturated.tolist() == [False, True]


def test_a_relu_is_off_or_passing_never_saturated():
    e = _states("relu", np.array([-3.0, -1e-9, 0.0, 1e-9, 5.0]))
    assert e.off.tolist() == [True, True, True, False, False]
    assert not e.saturated.any()
    net = _net_with_two_dead_units()
    with diagnostics.Recorder(net) as recorder:
        _train_steps(net, recorder, steps=2)
    assert all(s["layers.1"].saturated_fraction == 0 for s in recorder.layers)
    assert all(s["layers.1"].saturated_units == 0 for s in recorder.layers)
    assert recorder.layers[0]["layers.1"].off_fraction >= 0.5  # the two dead units at least


def test_a_leaky_relus_negative_side_is_saturated_and_its_peak_follows_the_slope():
    e = _states("leaky_relu", np.array([-2.0, 3.0]))
    assert e.saturated.tolist() == [True, False]  # slope 0.01 passes 1% of the gradient
    e = _states("leaky_relu", np.array([-2.0, 3.0]), slope=0.5)
    assert e.passing.tolist() == [True, True]
    e = _states("leaky_relu", np.array([-2.0, 3.0]), slope=20.0)  # peak 20: x > 0 passes 1/20
    assert e.peak == 20.0 and e.saturated.tolist() == [False, True]


def _net_with_saturated_units() -> nn.MLP:
    """3 -> 4 sigmoid -> 2; hidden units 1 and 3 sit deep in the sigmoid's tails."""
    net = nn.MLP([3, 4, 2], activation="sigmoid", rng=np.random.default_rng(0))
    net.layers[0].bias.data[:] = [0.0, 30.0, 0.5, -30.0]
    return net


def test_unit_masks_say_which_units_are_saturated():
    masks = diagnostics.unit_masks(_net_with_saturated_units(), X, which="saturated")
    assert masks["layers.1"].tolist() == [False, True, False, True]
    assert not diagnostics.unit_masks(_net_with_saturated_units(), X)["layers.1"].any()
    batched = diagnostics.unit_masks(_net_with_saturated_units(), X, "saturated", batch_size=10)
    assert batched["layers.1"].tolist() == masks["layers.1"].tolist()


def test_dead_units_are_not_saturated_units():
    net = _net_with_two_dead_units("leaky_relu")  # two units always on the 1% side
    assert diagnostics.unit_masks(net, X, "saturated")["layers.1"].tolist() == [
        True, True, False, False
    ]  # fmt: skip
    net = _net_with_two_dead_units()  # relu: off everywhere is dead, not saturated
    assert not diagnostics.unit_masks(net, X, "saturated")["layers.1"].any()


def test_recorder_saturated_threshold_is_relative_to_the_peak():
    net = _net_with_saturated_units()
    with diagnostics.Recorder(net, saturated=0.9) as recorder:
        _train_steps(net, recorder, steps=1)
    loose = recorder.layers[0]["layers.1"]
    with diagnostics.Recorder(net) as recorder:
        _train_steps(net, recorder, steps=1)
    default = recorder.layers[0]["layers.1"]
    assert loose.saturated_fraction > default.saturated_fraction >= 0.5
    assert default.saturated_units == 2
    assert default.off_fraction + default.saturated_fraction + default.passing_fraction == (
        pytest.approx(1.0)
    )
    with pytest.raises(ValueError, match="saturated"):
        diagnostics.Recorder(net, saturated=0.0)
    with pytest.raises(TypeError, match="saturated"):
        diagnostics.Recorder(net, saturated="a tenth")
    assert "forward" not in net.layers[1].__dict__  # a refused Recorder leaves no wrapper
