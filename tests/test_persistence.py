"""Pickle, deepcopy, mg.save and mg.load: nothing is lost, nothing is shared by accident."""

from __future__ import annotations

import copy
import inspect
import pickle
import sys
from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

RNG = np.random.default_rng


def _image_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, rng=RNG(0)),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 3, rng=RNG(1)),
    )


# Every module type of mg.nn, each with an input it takes.
MODULES: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "Linear": (lambda: nn.Linear(3, 2, rng=RNG(0)), (4, 3)),
    "Sequential": (lambda: nn.Sequential(nn.Linear(3, 4, rng=RNG(0)), nn.Tanh()), (4, 3)),
    "MLP": (lambda: nn.MLP([3, 5, 2], rng=RNG(0)), (4, 3)),
    "Activation": (lambda: nn.Activation("elu", alpha=0.5), (4, 3)),
    "ReLU": (lambda: nn.ReLU(), (4, 3)),
    "Sigmoid": (lambda: nn.Sigmoid(), (4, 3)),
    "Tanh": (lambda: nn.Tanh(), (4, 3)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), (4, 3)),
    "PReLU": (lambda: nn.PReLU(3), (4, 3)),
    "Maxout": (lambda: nn.Maxout(3, 2, pieces=3, rng=RNG(0)), (4, 3)),
    "Conv2d": (lambda: nn.Conv2d(1, 2, 3, rng=RNG(0)), (2, 1, 5, 5)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), (2, 1, 4, 4)),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), (2, 1, 4, 4)),
    "Flatten": (lambda: nn.Flatten(), (2, 1, 4, 4)),
    "image model": (_image_model, (2, 1, 4, 4)),
}


def test_every_module_class_is_in_the_round_trip_table() -> None:
    classes = {
        name
        for name, value in vars(nn).items()
        if inspect.isclass(value) and issubclass(value, nn.Module) and value is not nn.Module
    }
    assert classes <= set(MODULES), f"no persistence case for {classes - set(MODULES)}"


def _copies(module: nn.Module) -> list[nn.Module]:
    return [pickle.loads(pickle.dumps(module)), copy.deepcopy(module)]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_survives_pickle_and_deepcopy(name: str) -> None:
    make, shape = MODULES[name]
    module = make()
    x = mg.Tensor(RNG(5).standard_normal(shape))
    expected = module(x).data
    for twin in _copies(module):
        assert type(twin) is type(module)
        np.testing.assert_array_equal(twin(x).data, expected)
        for (n1, p1), (n2, p2) in zip(
            module.named_parameters(), twin.named_parameters(), strict=True
        ):
            assert n1 == n2 and p1 is not p2 and p1.data is not p2.data
            np.testing.assert_array_equal(p1.data, p2.data)


@pytest.mark.parametrize("name", ["MLP", "PReLU", "image model"])
def test_a_deep_copy_is_independent_of_the_original(name: str) -> None:
    make, shape = MODULES[name]
    module = make()
    twin = copy.deepcopy(module)
    x = mg.Tensor(RNG(5).standard_normal(shape))
    before = module(x).data.copy()
    for p in twin.parameters():
        p.data += 1.0
    np.testing.assert_array_equal(module(x).data, before)
    assert not np.array_equal(twin(x).data, before)


def test_a_deep_copy_of_a_recorded_model_runs_its_own_layers() -> None:
    model = nn.Sequential(nn.Linear(3, 3, rng=RNG(0)), nn.PReLU(), nn.Linear(3, 1, rng=RNG(1)))
    recorder = mg.diagnostics.Recorder(model)
    twin = copy.deepcopy(model)
    twin[1].weight.data[...] = -5.0  # the copy's PReLU slope
    x = mg.Tensor(-np.ones((2, 3)))
    assert not np.array_equal(twin(x).data, model(x).data)
    pickle.loads(pickle.dumps(model))  # the recorder's capture is not pickled
    recorder.close()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: mg.optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: mg.optim.Adam(ps, lr=0.01),
    ],
)
def test_an_optimizer_mid_training_survives_pickle_and_deepcopy(make) -> None:
    model = nn.MLP([2, 4, 2], rng=RNG(0))
    opt = make(model.parameters())
    X, y = mg.data.moons(32, noise=0.1, seed=0)

    def step(m: nn.Module, o: mg.optim.Optimizer) -> None:
        o.zero_grad()
        nn.F.cross_entropy(m(mg.Tensor(X)), y).backward()
        o.step()

    step(model, opt)
    for twin_model, twin_opt in [
        pickle.loads(pickle.dumps((model, opt))),
        copy.deepcopy((model, opt)),
    ]:
        # The copy's optimizer steps the copy's parameters, not the original's.
        assert all(a is b for a, b in zip(twin_opt.params, twin_model.parameters(), strict=True))
        step(twin_model, twin_opt)
    step(model, opt)
    for p, q in zip(model.parameters(), twin_model.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_graph_nodes_survive_pickle_and_deepcopy_with_their_graph() -> None:
    w = mg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    out = (mg.tanh(w * 3.0) + w).sum()
    for twin in (pickle.loads(pickle.dumps(out)), copy.deepcopy(out)):
        assert twin.op == "sum" and twin.data == out.data
        twin.backward()
        leaf = twin.parents[0].parents[1]
        assert leaf.name == "w" and leaf is not w
        np.testing.assert_allclose(leaf.grad, 3 / np.cosh(3 * w.data) ** 2 + 1)
    assert w.grad is None  # the original's leaf was not touched


def test_deep_copying_a_100000_op_graph_works() -> None:
    x = mg.Tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    limit = sys.getrecursionlimit()
    twin = copy.deepcopy(y)
    assert sys.getrecursionlimit() == limit
    twin.sum().backward()
    np.testing.assert_array_equal(twin.data, [100_001.0] * 2)
    assert x.grad is None
    for _ in range(80_000):  # the first 20,000 ops of the chain, pickled
        y = y.parents[0]
    twin = pickle.loads(pickle.dumps(y))
    twin.sum().backward()
    np.testing.assert_array_equal(twin.data, [20_001.0] * 2)


def test_activation_records_survive_pickle() -> None:
    for name in mg.activations.names():
        record = mg.activations.get(name)
        assert pickle.loads(pickle.dumps(record)) is record
        assert copy.deepcopy(record) is record


def test_save_and_load_round_trip_a_model_and_an_optimizer(tmp_path) -> None:
    model = nn.MLP([2, 4, 2], rng=RNG(0))
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    nn.F.cross_entropy(model(mg.Tensor(np.ones((3, 2)))), [0, 1, 1]).backward()
    opt.step()
    mg.save(model.state_dict(), tmp_path / "model.npz")
    mg.save(opt.state_dict(), str(tmp_path / "adam"))  # written to exactly that name
    twin = nn.MLP([2, 4, 2], rng=RNG(9))
    twin_opt = mg.optim.Adam(twin.parameters())
    twin.load_state_dict(mg.load(tmp_path / "model.npz"))
    twin_opt.load_state_dict(mg.load(tmp_path / "adam"))
    for key, value in opt.state_dict().items():
        np.testing.assert_array_equal(twin_opt.state_dict()[key], value)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_load_never_unpickles(tmp_path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, code=np.array([print], dtype=object))
    with pytest.raises(ValueError, match="load"):
        mg.load(path)
    with pytest.raises(TypeError, match="save"):
        mg.save({"w": np.array([None])}, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()
