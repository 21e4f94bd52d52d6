"""The dying-ReLU demo in quick mode: its lessons hold in the numbers it returns."""

import pytest

from demos import dying_relu
from demos.common import setup_matplotlib


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    setup_matplotlib()
    result = dying_relu.run(quick=True, seed=0, out=tmp_path_factory.mktemp("dying_relu"))
    return result.numbers


def test_a_high_learning_rate_kills_more_relu_units_than_a_low_one(numbers):
    by_lr = numbers["dead_fraction_by_lr"]
    assert by_lr[max(by_lr)] > by_lr[min(by_lr)]


def test_a_deeper_narrow_relu_network_is_more_often_dead_at_birth(numbers):
    at_birth = numbers["dead_at_birth"]
    assert at_birth["width=2,depth=20"] > at_birth["width=2,depth=2"]
