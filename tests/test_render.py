"""The renderer: structure, values and the health of every gradient, as DOT text."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import minigrad as mg
from minigrad import render
from minigrad.diagnostics import health

DEAD, _ = render.COLOURS["dead"]
VANISHING, _ = render.COLOURS["vanishing"]
FLOWING, _ = render.COLOURS["flowing"]


def _nodes(dot: str) -> dict[str, str]:
    """Node id -> its attribute text, from DOT source."""
    return dict(re.findall(r"^\s*(t\d+|o\d+) \[(.*?)\]$", dot, flags=re.S | re.M))


def _node_with_label(dot: str, first_line: str) -> str:
    for attrs in _nodes(dot).values():
        if re.search(r'label="' + re.escape(first_line) + r"\n", attrs):
            return attrs
    raise AssertionError(f"no node labelled {first_line!r}")


def _two_layer(b1_value: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = mg.Tensor(rng.standard_normal((16, 3)), name="x")
    W1 = mg.Tensor(rng.standard_normal((3, 5)), requires_grad=True, name="W1")
    b1 = mg.Tensor(np.full(5, b1_value), requires_grad=True, name="b1")
    W2 = mg.Tensor(rng.standard_normal((5, 2)), requires_grad=True, name="W2")
    loss = ((x @ W1 + b1).relu() @ W2).sum()
    return loss, (W1, b1, W2)


def test_every_op_of_the_graph_appears():
    loss, _ = _two_layer(0.5)
    dot = mg.to_dot(loss)
    for op in ("matmul", "add", "relu", "sum"):
        assert re.search(rf"label=\"?{op}\b", dot), op
    assert dot.count("->") >= 8  # inputs -> op -> output for every op


def test_before_backward_only_structure_and_values_are_drawn():
    loss, _ = _two_layer(0.5)
    dot = mg.to_dot(loss, legend=False)
    assert "grad:" not in dot
    assert FLOWING not in dot and DEAD not in dot
    assert "mean" in dot  # value summaries


def test_relu_with_all_negative_inputs_is_drawn_dead():
    loss, (W1, b1, W2) = _two_layer(-100.0)
    loss.backward()
    dot = mg.to_dot(loss, legend=False)
    for name in ("W1", "b1"):
        attrs = _node_with_label(dot, name)
        assert DEAD in attrs and "dashed" in attrs
    assert FLOWING in _node_with_label(dot, "W2") or DEAD in _node_with_label(dot, "W2")
    assert "dead 5/5 units" in dot


def test_healthy_relu_net_is_drawn_flowing():
    loss, _ = _two_layer(0.5)
    loss.backward()
    dot = mg.to_dot(loss, legend=False)
    for name in ("W1", "b1", "W2"):
        assert FLOWING in _node_with_label(dot, name)
    assert DEAD not in dot


def test_saturated_sigmoid_layer_is_classed_vanishing():
    rng = np.random.default_rng(1)
    x = mg.Tensor(rng.standard_normal((16, 3)), name="x")
    W = mg.Tensor(rng.standard_normal((3, 4)) * 0.01, requires_grad=True, name="W")
    b = mg.Tensor(np.full(4, 40.0), requires_grad=True, name="b")  # sigmoid(40) ~ 1 - 4e-18
    loss = (x @ W + b).sigmoid().sum()
    loss.backward()
    assert health(W.grad) == "vanishing"
    dot = mg.to_dot(loss, legend=False)
    assert VANISHING in _node_with_label(dot, "W")
    assert "saturated (f' < 0.1 x peak) 100%" in dot


def test_legend_explains_every_health_class():
    loss, _ = _two_layer(0.5)
    dot = mg.to_dot(loss)
    assert "cluster_legend" in dot
    for state in ("flowing", "vanishing", "dead", "exploding"):
        assert f"legend_{state}" in dot


def test_max_nodes_says_what_it_left_out():
    x = mg.Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(50):
        y = y * 1.01
    dot = mg.to_dot(y, max_nodes=10)
    assert len(re.findall(r"^\s*t\d+ \[", dot, flags=re.M)) == 10
    assert re.search(r"\d+ more tensors not drawn", dot)
    assert "max_nodes=10" in dot


def test_edge_width_follows_gradient_magnitude_on_a_log_scale():
    assert float(render._penwidth(np.full(3, 1.0))) > float(render._penwidth(np.full(3, 1e-4)))
    assert float(render._penwidth(np.zeros(3))) == 0.5


def test_layout_is_left_to_right_by_default():
    loss, _ = _two_layer(0.5)
    assert "rankdir=LR" in mg.to_dot(loss)
    assert "rankdir=TB" in mg.to_dot(loss, rankdir="TB")


def test_same_graph_gives_the_same_text():
    loss, _ = _two_layer(0.5)
    assert mg.to_dot(loss) == mg.to_dot(loss)


def test_unknown_group_by_is_refused():
    loss, _ = _two_layer(0.5)
    with pytest.raises(ValueError, match="group_by"):
        mg.to_dot(loss, group_by="layer-ish")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_draw_renders_svg(tmp_path):
    loss, _ = _two_layer(0.5)
    loss.backward()
    path = mg.draw(loss).render(tmp_path / "graph", format="svg", cleanup=True)
    svg = open(path).read()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "W1" in svg


def _mlp_loss():
    net = mg.nn.MLP([3, 4, 4, 2], rng=np.random.default_rng(0))
    x = mg.Tensor(np.random.default_rng(1).standard_normal((8, 3)), name="x")
    loss = mg.nn.functional.cross_entropy(net(x), np.zeros(8, dtype=int))
    return net, loss


def test_model_parameters_are_labelled_with_their_dotted_names():
    net, loss = _mlp_loss()
    loss.backward()
    dot = mg.to_dot(loss, model=net)
    for name, _ in net.named_parameters():
        assert f'label="{name}\n' in dot
    assert 'label="loss\n' in dot and 'label="x\n' in dot


def test_layer_view_has_one_cluster_per_module():
    net, loss = _mlp_loss()
    dot = mg.to_dot(loss, model=net, group_by="module", legend=False)
    labels = re.findall(r"subgraph cluster_\d+ \{[^}]*?label=\"([^\"]+)\"", dot)
    expected = [
        f"layers.{i} ({kind})" for i, kind in enumerate("Linear ReLU Linear ReLU Linear".split())
    ]
    assert sorted(labels) == expected
    # the weights sit inside their layer's cluster
    cluster = dot[dot.index('label="layers.0 (Linear)"') :]
    assert 'label="layers.0.weight' in cluster[: cluster.index("}")]


def test_layer_view_needs_the_model():
    _, loss = _mlp_loss()
    with pytest.raises(ValueError, match="model"):
        mg.to_dot(loss, group_by="module")


def test_layer_view_draws_one_box_per_module_coloured_by_health():
    net, loss = _mlp_loss()
    net.layers[0].bias.data[:] = -100.0  # every first-layer unit dead
    loss = mg.nn.functional.cross_entropy(net(np.ones((8, 3))), np.zeros(8, dtype=int))
    loss.backward()
    dot = mg.to_dot(loss, model=net, group_by="layer", legend=False)
    boxes = dict(re.findall(r"^\s*(m\d+) \[(.*?)\]$", dot, flags=re.S | re.M))
    assert len(boxes) == 5
    first = next(attrs for attrs in boxes.values() if 'label="layers.0 (Linear)' in attrs)
    assert DEAD in first and "layers.0.weight: mean|g| 0 dead" in first
    last = next(attrs for attrs in boxes.values() if 'label="layers.4 (Linear)' in attrs)
    assert "layers.4.bias: mean|g| 0.5 flowing" in last  # only the bias still learns
    assert "dead 4/4 units" in dot
    assert "layers.0.weight" not in re.sub(r"m\d+ \[.*?\]", "", dot, flags=re.S)  # inside the box
