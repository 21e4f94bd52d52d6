"""The second-derivatives demo in quick mode: curvature off centre, and Newton beats descent."""

import numpy as np
import pytest

from demos import second_derivatives


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return second_derivatives.run(quick=True, seed=0, out=tmp_path_factory.mktemp("second"))


def test_sigmoid_and_tanh_curvature_peaks_off_centre(result):
    peaks = result.numbers["curvature_peak_x"]
    # |sigmoid''| peaks at +-ln(2 + sqrt 3) = +-1.317, |tanh''| at half that
    assert abs(peaks["sigmoid"]) == pytest.approx(np.log(2 + np.sqrt(3)), abs=0.03)
    assert abs(peaks["tanh"]) == pytest.approx(np.log(2 + np.sqrt(3)) / 2, abs=0.03)


def test_relu_curvature_is_zero_everywhere_and_relu_networks_are_piecewise_linear(result):
    assert result.numbers["max_abs_second_derivative"]["relu"] == 0.0
    assert result.numbers["curvature_peak_x"]["relu"] is None
    hessians = result.numbers["network_input_hessian_max"]
    assert hessians["relu"] == 0.0 and hessians["tanh"] > 0.01


def test_second_derivatives_agree_with_differences_of_the_first(result):
    assert max(result.numbers["finite_difference_error"].values()) < 1e-6


def test_newton_with_hessian_vector_products_needs_far_fewer_steps(result):
    assert result.numbers["newton_steps"] is not None and result.numbers["newton_steps"] <= 10
    assert (
        result.numbers["gd_steps"] is None
        or result.numbers["gd_steps"] > 10 * (result.numbers["newton_steps"])
    )


def test_the_demo_writes_its_figures(result):
    for filename, _ in result.figures:
        assert (result.out / filename).stat().st_size > 10_000
