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
