"""Every op and activation declares its local derivative as a rule a learner can read.

The tests enumerate both registries, so an op or activation registered
without a rule fails the suite.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import conv  # noqa: F401 - registers conv2d and the pooling ops


@pytest.mark.parametrize("name", mg.ops.names())
def test_every_op_declares_one_rule_per_input(name):
    op = mg.ops.get(name)
    expected = 1 if op.arity is None else op.arity
    assert len(op.rules) == expected, f"op {name!r} needs {expected} rule(s), has {op.rules}"
    for rule in op.rules:
        assert isinstance(rule, str) and rule.strip(), f"op {name!r} has an empty rule"
        assert rule.startswith("d"), f"op {name!r}: a rule reads 'd f/dx = ...', got {rule!r}"


@pytest.mark.parametrize("name", mg.activations.names())
def test_every_activation_declares_its_rule(name):
    record = mg.activations.get(name)
    assert isinstance(record.rule, str) and record.rule.strip()
    assert name in record.rule  # it says which function it differentiates
    assert record.op.rules, f"activation {name!r}: its op carries no rules"


def test_rules_read_like_the_derivatives_they_describe():
    assert mg.activations.get("tanh").rule == "d tanh(x)/dx = 1 - y^2"
    assert mg.ops.get("mul").rules == ("d(a*b)/da = b", "d(a*b)/db = a")
    assert len(mg.ops.get("prelu").rules) == 2  # one for x, one for the slope a
    assert len(mg.ops.get("concatenate").rules) == 1  # any number of inputs: one rule


def test_a_user_activation_keeps_the_rule_it_gives():
    rule = "d softsign(x)/dx = 1 / (1 + |x|)^2"
    mg.activations.register(
        "softsign", lambda x: x / (1 + np.abs(x)), lambda x, y: 1 / (1 + np.abs(x)) ** 2, rule=rule
    )
    try:
        assert mg.activations.get("softsign").rule == rule
        assert mg.ops.get("softsign").rules == (rule,)
    finally:
        mg.activations.unregister("softsign")


def test_a_user_activation_without_a_rule_gets_one_naming_its_derivative():
    def cube_derivative(x, y):
        return 3 * x * x

    mg.activations.register("cube", lambda x: x**3, cube_derivative)
    mg.activations.register("square", lambda x: x * x, lambda x, y: 2 * x)
    try:
        assert "cube_derivative" in mg.activations.get("cube").rule
        assert mg.activations.get("cube").rule.startswith("d cube(x)/dx = ")
        assert mg.activations.get("square").rule == "d square(x)/dx = derivative(x, y)"
    finally:
        mg.activations.unregister("cube")
        mg.activations.unregister("square")


def test_a_user_activation_with_a_blank_rule_is_refused_and_not_registered():
    with pytest.raises(TypeError, match="rule"):
        mg.activations.register("blank", np.tanh, lambda x, y: 1 - y * y, rule="  ")
    assert "blank" not in mg.activations.names()
    assert "blank" not in mg.ops.names()


def test_an_op_registered_with_the_wrong_number_of_rules_is_refused():
    with pytest.raises(ValueError, match="one rule"):
        mg.ops.register_op("twice", lambda x: 2 * x, (lambda g, y, x: 2 * g,), rules=("a", "b"))
    assert "twice" not in mg.ops.names()


def test_an_op_registered_without_rules_is_caught_by_the_enumeration():
    mg.ops.register_op("twice", lambda x: 2 * x, (lambda g, y, x: 2 * g,))
    try:
        with pytest.raises(AssertionError, match="twice"):
            test_every_op_declares_one_rule_per_input("twice")
    finally:
        mg.ops.unregister_op("twice")
