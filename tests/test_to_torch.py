"""mg.nn.to_torch: every layer of mg.nn carries over to PyTorch with the same outputs."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

# Elementwise built-in activations and the keyword arguments to try them with;
# prelu has its own module (PReLU) and is covered there.
ACTIVATION_PARAMS = {
    "relu": {},
    "sigmoid": {},
    "tanh": {},
    "leaky_relu": {"slope": 0.2},
    "elu": {"alpha": 0.7},
    "softplus": {},
    "gelu": {},
    "silu": {},
    "maxout": {"pieces": 3},
}


def _cases(rng):
    """(description, model, input) for every layer type in mg.nn."""
    x2 = 3 * rng.standard_normal((5, 6))
    x4 = rng.standard_normal((2, 3, 8, 8))
    cases = [
        ("Linear", nn.Linear(6, 4, rng=rng), x2),
        ("Linear without bias", nn.Linear(6, 4, bias=False, rng=rng), x2),
        ("Linear on 3-D input", nn.Linear(6, 4, rng=rng), rng.standard_normal((2, 3, 6))),
        ("ReLU", nn.ReLU(), x2),
        ("Sigmoid", nn.Sigmoid(), x2),
        ("Tanh", nn.Tanh(), x2),
        ("LeakyReLU", nn.LeakyReLU(0.1), x2),
        ("PReLU shared", nn.PReLU(), x2),
        ("PReLU per channel", nn.PReLU(3, init=0.1), x4),
        ("Maxout", nn.Maxout(6, 4, pieces=3, rng=rng), x2),
        ("Conv2d", nn.Conv2d(3, 4, 3, rng=rng), x4),
        ("Conv2d stride, padding", nn.Conv2d(3, 2, (3, 2), stride=2, padding=1, rng=rng), x4),
        ("MaxPool2d", nn.MaxPool2d(2), x4),
        ("MaxPool2d stride", nn.MaxPool2d(3, stride=2), x4),
        ("AvgPool2d", nn.AvgPool2d(2), x4),
        ("Flatten", nn.Flatten(), x4),
        ("MLP relu", nn.MLP([6, 8, 8, 3], rng=rng), x2),
        ("MLP maxout", nn.MLP([6, 8, 3], activation="maxout", rng=rng), x2),
        ("MLP tanh", nn.MLP([6, 8, 3], activation="tanh", init="xavier", rng=rng), x2),
        (
            "Sequential convnet",
            nn.Sequential(
                nn.Conv2d(3, 4, 3, padding=1, rng=rng),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(64, 5, rng=rng),
            ),
            x4,
        ),
    ]
    for name, params in ACTIVATION_PARAMS.items():
        cases.append((f"Activation({name!r})", nn.Activation(name, **params), 10 * x2))
    # softplus far out on both sides, where PyTorch's default threshold would differ
    wide = np.array([[-60.0, -30.0, -5.0], [0.0, 5.0, 20.5], [21.0, 30.0, 60.0]])
    cases.append(("Activation('softplus') wide", nn.Activation("softplus"), wide))
    return cases


def _layer_types_covered(cases) -> set[type]:
    covered = set()
    for _, model, _ in cases:
        covered.update(type(m) for _, m in model.named_modules())
    return covered


def test_every_layer_type_of_mg_nn_has_a_case(rng):
    layer_types = {
        obj
        for name in nn.__all__
        if isinstance(obj := getattr(nn, name), type)
        and issubclass(obj, nn.Module)
        and obj is not nn.Module
    }
    assert layer_types - _layer_types_covered(_cases(rng)) == set()


def test_every_builtin_activation_has_a_case():
    builtin = {n for n in mg.activations.names() if mg.activations.get(n).builtin}
    assert builtin - {"prelu"} == set(ACTIVATION_PARAMS)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_outputs_match_pytorch_for_every_layer_type(dtype, tol):
    torch = pytest.importorskip("torch")
    previous = mg.get_default_dtype()
    mg.set_default_dtype(dtype)
    try:
        for description, model, x in _cases(np.random.default_rng(0)):
            x = np.asarray(x, dtype=dtype)
            expected = model(mg.Tensor(x)).data
            converted = mg.nn.to_torch(model)
            with torch.no_grad():
                got = converted(torch.from_numpy(x.copy())).numpy()
            assert got.dtype == expected.dtype, description
            assert got.shape == expected.shape, description
            np.testing.assert_allclose(got, expected, rtol=tol, atol=tol, err_msg=description)
    finally:
        mg.set_default_dtype(previous)


def test_converted_model_keeps_a_copy_of_the_weights():
    pytest.importorskip("torch")
    model = nn.Linear(3, 2, rng=np.random.default_rng(0))
    converted = mg.nn.to_torch(model)
    model.weight.data += 1.0
    assert not np.allclose(converted.weight.detach().numpy(), model.weight.data)
    assert converted.weight.requires_grad


def test_a_users_activation_raises_type_error_naming_it():
    pytest.importorskip("torch")
    mg.activations.register("cube", lambda x: x**3, lambda x, y: 3 * x**2)
    try:
        model = nn.Sequential(nn.Linear(2, 2), nn.Activation("cube"))
        with pytest.raises(TypeError, match="'cube'"):
            mg.nn.to_torch(model)
    finally:
        mg.activations.unregister("cube")


def test_a_users_module_raises_type_error_naming_it():
    pytest.importorskip("torch")

    class Doubler(nn.Module):
        def forward(self, x):
            return 2 * x

    with pytest.raises(TypeError, match="Doubler"):
        mg.nn.to_torch(nn.Sequential(nn.Linear(2, 2), Doubler()))


def test_without_pytorch_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match="pip install torch"):
        mg.nn.to_torch(nn.Linear(2, 2))
