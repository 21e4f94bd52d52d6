"""The small conveniences a learner reaches for first: activation methods, tolist,
docstrings, forgiving activation names and a clean dir() of the diagnostics."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import minigrad as mg

# method name -> (free function, keyword arguments)
ACTIVATION_METHODS = {
    "relu": (mg.relu, {}),
    "sigmoid": (mg.sigmoid, {}),
    "tanh": (mg.tanh, {}),
    "leaky_relu": (mg.leaky_relu, {"slope": 0.2}),
    "elu": (mg.elu, {"alpha": 0.5}),
    "softplus": (mg.softplus, {}),
    "gelu": (mg.gelu, {}),
    "silu": (mg.silu, {}),
}


def test_every_elementwise_builtin_activation_is_a_tensor_method():
    elementwise = {
        n
        for n in mg.activations.names()
        if mg.activations.get(n).builtin and mg.activations.get(n).derivative is not None
    }
    assert elementwise == set(ACTIVATION_METHODS)
    for name in elementwise:
        assert callable(getattr(mg.Tensor, name)), name


@pytest.mark.parametrize("name", sorted(ACTIVATION_METHODS))
def test_activation_method_matches_the_function_and_its_gradient(name, rng):
    function, params = ACTIVATION_METHODS[name]
    x = mg.Tensor(3 * rng.standard_normal((4, 5)), requires_grad=True)
    y = getattr(x, name)(**params)
    np.testing.assert_array_equal(y.data, function(x, **params).data)
    assert y.op == name
    assert mg.gradcheck(lambda t: getattr(t, name)(**params), [x])


def test_elu_method_takes_alpha_positionally():
    x = mg.Tensor([-1.0, 1.0])
    np.testing.assert_allclose(x.elu(0.5).data, [0.5 * (np.exp(-1) - 1), 1.0])


def test_tolist_gives_python_floats_in_nested_lists():
    x = mg.Tensor([[1, 2], [3, 4]], requires_grad=True) * 0.5
    assert x.tolist() == [[0.5, 1.0], [1.5, 2.0]]
    assert isinstance(x.tolist()[0][0], float)
    assert mg.Tensor(2.5).tolist() == 2.5


def _public_members():
    for name, member in vars(mg.Tensor).items():
        if name.startswith("_") or not (callable(member) or isinstance(member, property)):
            continue  # the slots (data, grad, ...) are plain attributes
        yield name, member.fget if isinstance(member, property) else member


def test_every_public_tensor_method_has_a_docstring():
    missing = [name for name, member in _public_members() if not inspect.getdoc(member)]
    assert missing == []


DIFFERENTIABLE = [
    "sum", "mean", "var", "max", "min", "exp", "log", "sqrt", "abs", "clip",
    *ACTIVATION_METHODS,
]  # fmt: skip


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_math_method_docstrings_give_formula_and_derivative(name):
    doc = inspect.getdoc(getattr(mg.Tensor, name))
    assert "y =" in doc and "dy/dx" in doc, doc


def test_activation_names_are_case_insensitive_in_the_module():
    layer = mg.nn.Activation("ReLU")
    assert layer.name == "relu"
    assert mg.nn.Activation("LeakY_ReLU", slope=0.1).name == "leaky_relu"
    np.testing.assert_array_equal(layer(mg.Tensor([-1.0, 2.0])).data, [0.0, 2.0])


def test_unknown_activation_name_suggests_the_closest():
    with pytest.raises(KeyError, match="did you mean 'sigmoid'"):
        mg.activations.get("Sigmoid")
    with pytest.raises(KeyError, match="did you mean 'relu'"):
        mg.nn.Activation("rleu")


def test_dir_of_diagnostics_lists_its_own_names_only():
    names = dir(mg.diagnostics)
    assert {"np", "Any", "dataclass", "activations", "annotations"}.isdisjoint(names)
    assert {"health", "gradient_flow", "dead_units", "Recorder", "SATURATED"} <= set(names)
    assert set(mg.diagnostics.__all__) == set(names)
