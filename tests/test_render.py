"""The renderer: structure, values and the health of every gradient, as DOT text."""

from __future__ import annotations

import html
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


def _node_with_label(dot: str, name: str) -> str:
    """The tensor node whose first label line is ``name`` and its shape."""
    for attrs in _nodes(dot).values():
        if re.search(r'label="' + re.escape(name) + r" \(", attrs):
            return attrs
    raise AssertionError(f"no node labelled {name!r}")


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
        assert re.search(rf"label=\"?{op}\b", dot) or f"<B>{op}</B>" in dot, op
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
    assert "5/5 units dead" in dot


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
    assert "saturated 100%, 4/4 units saturated" in dot


def test_legend_explains_every_health_class_and_every_unit_cell_drawn():
    loss, _ = _two_layer(0.5)
    assert "units: one cell per unit" not in mg.to_dot(loss)  # no strip before backward
    loss.backward()
    dot = mg.to_dot(loss)
    legend = html.unescape(re.search(r"^\s*legend \[(.*?)\]$", dot, flags=re.S | re.M).group(1))
    for state in ("flowing", "vanishing", "dead", "exploding"):
        border, fill = render.COLOURS[state]
        assert f">{state}: " in legend and f'COLOR="{border}"' in legend
    for cell in ("dead: f' = 0", "saturated: |f'| < 0.1 x its peak", "flowing: passes"):
        assert cell in legend
    assert "legend [" not in mg.to_dot(loss, legend=False)


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


def test_layout_is_top_to_bottom_by_default():
    loss, _ = _two_layer(0.5)
    assert "rankdir=TB" in mg.to_dot(loss)
    assert "rankdir=LR" in mg.to_dot(loss, rankdir="LR")


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
    dot = mg.to_dot(loss, model=net, group_by="op")
    for name, p in net.named_parameters():
        assert f'label="{name} {tuple(p.shape)}\n' in dot
    assert 'label="loss ()\n' in dot and 'label="x (8, 3)\n' in dot


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
    assert len(boxes) == 6  # five layers and the loss
    first = next(attrs for attrs in boxes.values() if "<B>layers.0 Linear" in attrs)
    assert DEAD in first and "grad 0 · dead" in first and 'STYLE="rounded,dashed"' in first
    assert "layers.0.weight (4, 3): grad: " in first and "exactly 0; dead" in first  # tooltip
    last = next(attrs for attrs in boxes.values() if "<B>layers.4 Linear" in attrs)
    assert "bias 5.0e-01" in last  # only the last bias still learns
    assert "4/4 units dead" in dot
    assert "layers.0.weight" not in re.sub(r"m\d+ \[.*?\]", "", dot, flags=re.S)  # inside the box


# ------------------------------------------------------------ unit strips

DEAD_UNITS = [1, 4, 6]


def _net_with_dead_units(width: int = 8, dead=DEAD_UNITS, activation: str = "relu"):
    """3 -> width -> 2, whose hidden units ``dead`` have a bias so negative that
    no input in [-1, 1] switches them on; a loss on one batch, after backward."""
    net = mg.nn.MLP([3, width, 2], activation=activation, rng=np.random.default_rng(0))
    net.layers[0].bias.data[dead] = -100.0
    X = np.random.default_rng(1).uniform(-1, 1, (32, 3))
    loss = mg.nn.functional.cross_entropy(net(mg.Tensor(X, name="x")), np.zeros(32, dtype=int))
    loss.backward()
    return net, X, loss


def _cells(dot: str, node: str) -> list[tuple[str, str, str]]:
    """(fill, tooltip, content) of each unit cell of ``node``, in cell order."""
    found = re.findall(
        rf'<TD [^>]*BGCOLOR="([^"]+)" TOOLTIP="([^"]*)" HREF="#" ID="{node}_u(\d+)">(.*?)</TD>',
        dot,
    )
    assert [int(k) for _, _, k, _ in found] == list(range(len(found)))
    return [(fill, html.unescape(tip), content) for fill, tip, _, content in found]


def _node_id(dot: str, first_line_html: str) -> str:
    for node, attrs in re.findall(r"^\s*(\w+) \[(.*?)\]$", dot, flags=re.S | re.M):
        if first_line_html in attrs:
            return node
    raise AssertionError(f"no node with {first_line_html!r}")


def test_dead_units_are_exactly_the_dead_cells_in_the_op_view():
    net, X, loss = _net_with_dead_units()
    dot = mg.to_dot(loss, model=net, group_by="op", legend=False)
    cells = _cells(dot, _node_id(dot, "<B>relu</B>"))
    assert len(cells) == 8
    dead = [k for k, (fill, _, content) in enumerate(cells) if fill == render.DEAD_CELL]
    assert dead == DEAD_UNITS
    assert all(("×" in content) == (k in DEAD_UNITS) for k, (_, _, content) in enumerate(cells))
    assert cells[4][1].startswith("relu unit 4: dead, f' = 0 on every example")
    assert cells[0][1].startswith("relu unit 0: flowing, passes gradient on ")
    assert np.flatnonzero(mg.diagnostics.unit_masks(net, X)["layers.1"]).tolist() == dead


def test_dead_units_are_exactly_the_dead_cells_in_the_layer_view():
    net, X, loss = _net_with_dead_units()
    dot = mg.to_dot(loss, model=net, legend=False)  # a model's default view
    cells = _cells(dot, _node_id(dot, "<B>layers.1 ReLU"))
    dead = [k for k, (fill, _, _) in enumerate(cells) if fill == render.DEAD_CELL]
    assert (
        dead == DEAD_UNITS == np.flatnonzero(mg.diagnostics.unit_masks(net, X)["layers.1"]).tolist()
    )
    assert cells[6][1].startswith("layers.1 unit 6: dead, f' = 0 on every example")
    assert "inactive" in cells[6][1]  # a dead ReLU unit's input is <= 0 everywhere
    assert "3/8 units dead" in dot


def test_saturated_cells_are_the_units_unit_masks_calls_saturated():
    net = mg.nn.MLP([3, 6, 2], activation="sigmoid", rng=np.random.default_rng(0))
    net.layers[0].bias.data[:] = [0.0, 30.0, 0.0, -30.0, 3.0, 0.0]  # unit 4 at the edge
    X = np.random.default_rng(1).uniform(-1, 1, (32, 3))
    loss = mg.nn.functional.cross_entropy(net(X), np.zeros(32, dtype=int))
    loss.backward()
    dot = mg.to_dot(loss, model=net, legend=False)
    cells = _cells(dot, _node_id(dot, "<B>layers.1 Sigmoid"))
    drawn = {
        "dead": [k for k, c in enumerate(cells) if c[0] == render.DEAD_CELL],
        "saturated": [k for k, c in enumerate(cells) if c[0] == render.SATURATED_CELL],
    }
    for which in ("dead", "saturated"):
        mask = mg.diagnostics.unit_masks(net, X, which=which)["layers.1"]
        assert drawn[which] == np.flatnonzero(mask).tolist(), which
    assert 1 in drawn["saturated"] and 3 in drawn["saturated"] and not drawn["dead"]
    assert cells[1][1].startswith("layers.1 unit 1: saturated")


def test_past_max_units_a_cell_stands_for_a_group_of_consecutive_units():
    net, _, loss = _net_with_dead_units(width=10, dead=[0, 7])
    dot = mg.to_dot(loss, model=net, max_units=4, legend=False)
    cells = _cells(dot, _node_id(dot, "<B>layers.1 ReLU"))
    tips = [tip for _, tip, _ in cells]
    assert [t.split(":")[0] for t in tips] == [
        "layers.1 units 0-2", "layers.1 units 3-5", "layers.1 units 6-7", "layers.1 units 8-9"
    ]  # fmt: skip
    assert [t.split(": ")[1].split(";")[0] for t in tips] == [
        "1 dead, 0 saturated", "0 dead, 0 saturated", "1 dead, 0 saturated", "0 dead, 0 saturated"
    ]  # fmt: skip
    assert [fill == render.DEAD_CELL for fill, _, _ in cells] == [True, False, True, False]
    dot = mg.to_dot(loss, model=net, max_units=64)
    assert len(_cells(dot, _node_id(dot, "<B>layers.1 ReLU"))) == 10


def test_no_unit_strip_when_units_is_false():
    net, _, loss = _net_with_dead_units()
    assert "_u0" not in mg.to_dot(loss, model=net, units=False)


def _text_lines(attrs: str) -> int:
    """Lines of text in the label that starts ``attrs``; a unit strip and a bar are
    not text."""
    if attrs.startswith("<"):
        label = attrs[: attrs.index("</TABLE>>") + len("</TABLE>>")]
        label = re.sub(r"<TD><TABLE.*?</TABLE></TD>", "", label, flags=re.S)  # strips, bars
        return len(re.findall(r"<TD[^>]*>(?!\s*</TD>)", label)) + label.count("<BR")
    label = re.match(r'"((?:[^"\\]|\\.)*)"|(\S+)', attrs).group(0)
    return label.count("\n") + 1


def test_no_node_label_has_more_than_three_lines_of_text():
    net, _, loss = _net_with_dead_units()
    for group_by in ("op", "layer", "module"):
        dot = mg.draw(loss, model=net, group_by=group_by, legend=False)
        labels = [
            line.split("label=", 1)[1] for line in dot.body if "label=" in line and "->" not in line
        ]
        assert labels
        for label in labels:
            assert _text_lines(label) <= 3, (group_by, label)


def test_before_backward_no_gradient_yet_and_no_unit_states():
    net = mg.nn.MLP([3, 8, 2], rng=np.random.default_rng(0))
    loss = mg.nn.functional.cross_entropy(net(np.ones((4, 3))), np.zeros(4, dtype=int))
    for group_by in ("op", "layer"):
        dot = mg.to_dot(loss, model=net, group_by=group_by, legend=False)
        assert "no gradient yet" in dot
        assert "_u0" not in dot and "dead" not in dot


def test_relu_layers_never_report_a_saturated_share():
    net, _, loss = _net_with_dead_units()
    for group_by in ("op", "layer"):
        dot = mg.draw(loss, model=net, group_by=group_by, legend=False)
        relu = next(line for line in dot.body if "ReLU" in line or "<B>relu</B>" in line)
        shown = re.sub(r'(TOOLTIP|tooltip)="[^"]*"', "", relu)  # what the label says
        assert "off " in shown and "saturated" not in shown


# --------------------------------------------------------------- layer view


def _sigmoid_net_classes():
    """Classes of the layer boxes of the 8-hidden-layer sigmoid net with the
    standard init, from the input upwards."""
    rng = np.random.default_rng(0)
    X, y = mg.data.moons(64, 0.1, seed=0)
    net = mg.nn.MLP([2] + [16] * 8 + [2], activation="sigmoid", init="standard", rng=rng)
    loss = mg.nn.functional.cross_entropy(net(X), y)
    loss.backward()
    dot = mg.to_dot(loss, model=net, legend=False)
    classes = []
    for k in range(17):
        attrs = re.search(rf"<B>layers\.{k} \w+ .*?</B>(.*?)\]$", dot, flags=re.S | re.M).group(1)
        classes.append(re.search(r"x output · (\w+)", attrs).group(1))
    return classes


def test_deep_sigmoid_net_vanishes_below_one_boundary_and_flows_above_it():
    classes = _sigmoid_net_classes()
    assert set(classes) == {"vanishing", "flowing"}
    boundary = classes.index("flowing")
    assert boundary > 0
    assert classes == ["vanishing"] * boundary + ["flowing"] * (len(classes) - boundary)


def test_layer_view_is_the_default_with_a_model_and_shows_the_ratio_to_the_output():
    net, _, loss = _net_with_dead_units()
    dot = mg.to_dot(loss, model=net)
    assert "<B>layers.0 Linear (32, 8)</B>" in dot
    assert "grad 1.0e+00 x output · flowing" in dot  # the last layer is the output
    assert re.search(r"mean\|g\| weight [\d.e+-]+, bias", dot)
    assert "op view" not in dot and "<B>relu</B>" not in dot
    assert "<B>relu</B>" in mg.to_dot(loss, model=net, group_by="op")
    assert "<B>relu</B>" in mg.to_dot(loss)  # no model: the op view


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"units": 1}, TypeError, "units"),
        ({"units": "yes"}, TypeError, "units"),
        ({"max_units": 0}, ValueError, "max_units"),
        ({"max_units": 2.5}, TypeError, "max_units"),
        ({"max_units": True}, TypeError, "max_units"),
        ({"max_nodes": -1}, ValueError, "max_nodes"),
        ({"vanishing_ratio": -1e-3}, ValueError, "vanishing_ratio"),
        ({"exploding_ratio": "big"}, TypeError, "exploding_ratio"),
        ({"vanishing": 0}, ValueError, "vanishing"),
        ({"saturated": 2.0}, ValueError, "saturated"),
        ({"saturated": float("nan")}, ValueError, "saturated"),
        ({"vanishing_ratio": 10.0, "exploding_ratio": 1.0}, ValueError, "vanishing_ratio"),
        ({"rankdir": "up"}, ValueError, "rankdir"),
        ({"group_by": "layer-ish"}, ValueError, "group_by"),
    ],
)
def test_bad_arguments_are_refused_naming_the_function_and_argument(kwargs, error, words):
    net, _, loss = _net_with_dead_units()
    for function, name in ((mg.draw, "draw"), (mg.to_dot, "to_dot")):
        with pytest.raises(error, match=rf"{name}: {words}"):
            function(loss, model=net, **kwargs)


def test_to_dot_refuses_an_unknown_argument():
    _, loss = _two_layer(0.5)
    with pytest.raises(TypeError, match="to_dot"):
        mg.to_dot(loss, colour="red")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_cell_tooltips_survive_into_the_svg(tmp_path):
    net, _, loss = _net_with_dead_units()
    path = mg.draw(loss, model=net).render(tmp_path / "graph", format="svg", cleanup=True)
    svg = html.unescape(open(path).read())
    for k in DEAD_UNITS:
        assert f'xlink:title="layers.1 unit {k}: dead' in svg
