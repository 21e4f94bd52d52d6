"""The zig-zag demo in quick mode: positive inputs give one-signed per-example gradients."""

import pytest

from demos import zigzag


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return zigzag.run(quick=True, seed=0, out=tmp_path_factory.mktemp("zigzag"))


def test_every_per_example_gradient_is_one_signed_for_positive_inputs(result):
    assert result.numbers["one_signed_fraction_positive"] == 1.0


def test_zero_centred_inputs_give_mixed_signs_often(result):
    # with d = 4 symmetric inputs about 2^(1-d) = 1/8 are one-signed
    assert result.numbers["one_signed_fraction_centred"] <= 0.75


def test_summing_over_a_batch_can_mix_the_signs(result):
    mixed = result.numbers["mixed_sign_batch_fraction"]
    assert mixed[1] == 0.0
    assert mixed[max(mixed)] > 0.0


def test_positive_inputs_take_more_steps_to_reach_the_target(result):
    # each kind of input at its own best learning rate
    assert result.numbers["steps_to_target_positive"] > result.numbers["steps_to_target_centred"]
