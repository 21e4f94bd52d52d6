"""The why-a-nonlinearity demo, in quick mode: its lesson holds in the numbers it returns."""

import pytest

from demos import why_nonlinearity


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("why_nonlinearity")
    return why_nonlinearity.run(quick=True, seed=0, out=out)


def test_without_the_max_the_layers_are_one_matrix(result):
    numbers = result.numbers
    assert numbers["collapse_exact"]
    assert numbers["collapse_max_abs_diff"] < 1e-10
    assert numbers["collapse3_max_abs_diff"] < 1e-10
    assert numbers["collapse_same_prediction_fraction"] == 1.0


def test_a_linear_network_cannot_fit_xor_but_a_relu_network_can(result):
    assert result.numbers["xor_linear_accuracy"] <= 0.75
    assert result.numbers["xor_relu_accuracy"] == 1.0


def test_a_linear_network_cannot_fit_the_spiral_but_a_relu_network_can(result):
    assert result.numbers["spiral_linear_accuracy"] < 0.65
    assert result.numbers["spiral_relu_accuracy"] >= 0.95


def test_the_demo_writes_its_figures_and_graph(result):
    assert len(result.figures) == 3 and len(result.graphs) == 1
    for filename, _ in result.figures + result.graphs:
        assert (result.out / filename).exists()
