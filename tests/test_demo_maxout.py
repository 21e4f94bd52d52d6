"""The maxout demo in quick mode: maxout contains leaky ReLU and ReLU exactly, at 2x the weights."""

import pytest

from demos import maxout


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return maxout.run(quick=True, seed=0, out=tmp_path_factory.mktemp("maxout"))


def test_maxout_with_pieces_w_and_a_w_is_leaky_relu(result):
    # (w, b), (a w, a b) for 0 <= a <= 1: equal up to float64 rounding
    assert result.numbers["leaky_equivalence_max_abs_diff"] <= 1e-12
    assert result.numbers["leaky_gradient_max_abs_diff"] <= 1e-12


def test_maxout_with_a_zero_piece_is_relu(result):
    assert result.numbers["relu_equivalence_max_abs_diff"] <= 1e-12
    assert result.numbers["relu_gradient_max_abs_diff"] <= 1e-12


def test_a_slope_above_one_gives_a_different_function(result):
    assert result.numbers["slope2_vs_scaled_leaky_max_abs_diff"] <= 1e-12
    assert result.numbers["slope2_vs_leaky_max_abs_diff"] > 1.0


def test_maxout_doubles_the_hidden_layers_parameters(result):
    sizes = result.numbers["cost_sizes"]
    layers = list(zip(sizes[:-1], sizes[1:], strict=False))
    relu_hidden = sum(n_in * n_out + n_out for n_in, n_out in layers[:-1])
    n_in, n_out = layers[-1]
    output = n_in * n_out + n_out
    assert result.numbers["relu_hidden_parameters"] == relu_hidden
    assert result.numbers["maxout_hidden_parameters"] == 2 * relu_hidden
    assert result.numbers["relu_parameters"] == relu_hidden + output
    assert result.numbers["maxout_parameters"] == 2 * relu_hidden + output
    assert result.numbers["hidden_parameter_ratio"] == 2.0
