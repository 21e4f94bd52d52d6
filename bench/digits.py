"""Workload 8: the digits MLP trained to 97% test accuracy, minigrad against PyTorch.

The model of ``demos/digits_mlp.py``: 64-256-128-10 with ReLU, Adam (lr 1e-3),
minibatches of 32, float64, on scikit-learn's 8x8 digits. Both engines start
from the same weights and see the same batches in the same order; each is
timed from the first step until the end of the epoch after which its test
accuracy first reaches 97% (the test-set evaluations are part of the time, as
they are of any training run that stops at a target). There is no hand-written
NumPy reference: the row compares the two engines directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .mlp import torch_mlp
from .timing import MINIGRAD, TORCH

SIZES = (64, 256, 128, 10)
LR, BATCH, TARGET, MAX_EPOCHS = 1e-3, 32, 0.97, 60
DESCRIPTION = "digits MLP 64-256-128-10, Adam, batch 32, float64: seconds to 97% test accuracy"

Problem = tuple[np.ndarray, ...]


def problem(seed: int = 0) -> tuple[Problem, list[np.ndarray], list[np.ndarray]]:
    """The data, the initial weights (He-normal, zero biases) and each epoch's order."""
    import minigrad as mg

    data = mg.data.digits(seed=seed)
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        weights += [rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in), np.zeros(n_out)]
    orders = [rng.permutation(len(data[0])) for _ in range(MAX_EPOCHS)]
    return data, weights, orders


def _train(epoch: Callable[[np.ndarray], None], accuracy: Callable[[], float], orders) -> float:
    """Seconds until the test accuracy reaches the target (inf if it never does)."""
    start = time.perf_counter()
    for order in orders:
        epoch(order)
        if accuracy() >= TARGET:
            return time.perf_counter() - start
    return float("inf")


def minigrad_run(seed: int = 0) -> float:
    import minigrad as mg

    (X, y, X_test, y_test), weights, orders = problem(seed)
    model = mg.nn.MLP(list(SIZES))
    names = [name for name, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(names, weights, strict=True)))
    optimizer = mg.optim.Adam(model.parameters(), lr=LR)
    cross_entropy = mg.nn.functional.cross_entropy

    def epoch(order: np.ndarray) -> None:
        for i in range(0, len(order), BATCH):
            batch = order[i : i + BATCH]
            loss = cross_entropy(model(mg.Tensor(X[batch])), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    def accuracy() -> float:
        with mg.no_grad():
            return mg.data.accuracy(model(mg.Tensor(X_test)), y_test)

    return _train(epoch, accuracy, orders)


def torch_run(seed: int = 0) -> float:
    import torch

    (X, y, X_test, y_test), weights, orders = problem(seed)
    model = torch_mlp(list(zip(weights[::2], weights[1::2], strict=True)))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    cross_entropy = torch.nn.functional.cross_entropy
    X, X_test = torch.from_numpy(X), torch.from_numpy(X_test)
    y, y_test = torch.from_numpy(y.astype(np.int64)), torch.from_numpy(y_test.astype(np.int64))

    def epoch(order: np.ndarray) -> None:
        order = torch.from_numpy(order)
        for i in range(0, len(order), BATCH):
            batch = order[i : i + BATCH]
            loss = cross_entropy(model(X[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    def accuracy() -> float:
        with torch.no_grad():
            return float((model(X_test).argmax(1) == y_test).double().mean())

    return _train(epoch, accuracy, orders)


BUILDERS = {MINIGRAD: minigrad_run, TORCH: torch_run}
