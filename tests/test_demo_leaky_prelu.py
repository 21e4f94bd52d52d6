"""The leaky ReLU / PReLU demo in quick mode: its lesson holds in the numbers it returns."""

from demos import leaky_prelu
from demos.common import setup_matplotlib


def test_prelu_learns_slopes_that_move_away_from_their_initial_value(tmp_path):
    setup_matplotlib()
    result = leaky_prelu.run(quick=True, seed=0, out=tmp_path)
    assert result.numbers["slope_change"] > 1e-3
