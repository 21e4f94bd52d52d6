"""The saturation demo in quick mode: gradients vanish on their way down a deep sigmoid net."""

import html
import re

import pytest

from demos import saturation


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return saturation.run(quick=True, seed=0, out=tmp_path_factory.mktemp("saturation"))


def test_sigmoid_passes_at_most_a_quarter_of_the_gradient_and_tanh_all_of_it(result):
    assert result.numbers["sigmoid_max_derivative"] == pytest.approx(0.25)
    assert result.numbers["tanh_max_derivative"] == pytest.approx(1.0)


def test_first_layer_gradient_vanishes_in_the_sigmoid_net_not_in_relu_with_he_init(result):
    ratio = result.numbers["grad_ratio"]
    # first / last hidden layer weight-gradient norm, at initialisation
    assert ratio["sigmoid/standard"] * 10 <= ratio["relu/he"]
    assert ratio["sigmoid/xavier"] * 10 <= ratio["relu/he"]


def test_the_deep_sigmoid_net_learns_less_than_relu_with_he_init(result):
    accuracy = result.numbers["final_accuracy"]
    assert accuracy["relu/he"] > accuracy["sigmoid/standard"] + 0.3


def test_the_render_shows_where_the_gradient_fades(result):
    (filename,) = [f for f, _ in result.graphs if f.startswith("saturation_sigmoid_graph")]
    text = html.unescape((result.out / filename).read_text())  # SVG, or DOT without Graphviz
    # one class per layer box, from the input upwards
    boxes = re.findall(r"layers\.(\d+) (?:Linear|Sigmoid) \(.*?x output · (\w+)", text, re.S)
    classes = [state for _, state in sorted(boxes, key=lambda box: int(box[0]))]
    assert len(classes) == 2 * saturation.DEPTH + 1
    boundary = classes.index("flowing")
    assert boundary > 0  # some layers are vanishing, all of them below the flowing ones
    assert classes == ["vanishing"] * boundary + ["flowing"] * (len(classes) - boundary)
