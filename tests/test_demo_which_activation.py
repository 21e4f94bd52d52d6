"""The which-activation demo in quick mode: its table covers the registry at call time."""

import math

import numpy as np

import minigrad as mg
from demos import which_activation

NAME = "softsign_test_demo_which_activation"  # unique: registering a name twice is an error


def test_a_user_registered_activation_appears_in_the_table(tmp_path):
    mg.activations.register(
        NAME, lambda x: x / (1 + np.abs(x)), lambda x, y: 1 / (1 + np.abs(x)) ** 2
    )
    try:
        result = which_activation.run(quick=True, seed=0, out=tmp_path)
    finally:
        mg.activations.unregister(NAME)
    assert NAME in result.numbers["activations"]
    assert math.isfinite(result.numbers["table"][NAME]["accuracy"])
    # every activation registered at call time has a row, built-ins included
    assert set(result.numbers["table"]) == set(mg.activations.names()) | {NAME}
