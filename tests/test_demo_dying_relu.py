"""The dying-ReLU demo in quick mode: its lessons hold in the numbers it returns."""

import html
import re

import pytest

from demos import dying_relu
from demos.common import setup_matplotlib


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    setup_matplotlib()
    return dying_relu.run(quick=True, seed=0, out=tmp_path_factory.mktemp("dying_relu"))


@pytest.fixture(scope="module")
def numbers(result):
    return result.numbers


def test_a_high_learning_rate_kills_more_relu_units_than_a_low_one(numbers):
    by_lr = numbers["dead_fraction_by_lr"]
    assert by_lr[max(by_lr)] > by_lr[min(by_lr)]


def test_a_deeper_narrow_relu_network_is_more_often_dead_at_birth(numbers):
    at_birth = numbers["dead_at_birth"]
    assert at_birth["width=2,depth=20"] > at_birth["width=2,depth=2"]


def test_the_render_shows_the_dead_units_as_dead_cells(result):
    (filename,) = [f for f, _ in result.graphs if f.startswith("dying_relu_graph")]
    text = html.unescape((result.out / filename).read_text())  # SVG, or DOT without Graphviz
    drawn = {}
    for layer, unit in re.findall(r"(layers\.\d+) unit (\d+): dead", text):
        drawn.setdefault(layer, set()).add(int(unit))
    counted = result.numbers["graph_dead_cells"]  # mg.diagnostics.unit_masks on the same data
    assert sum(counted.values()) > 0
    assert {layer: len(units) for layer, units in drawn.items()} == {
        layer: n for layer, n in counted.items() if n
    }
