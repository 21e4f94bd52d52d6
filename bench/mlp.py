"""Workloads 1 and 2: one SGD training step of an MLP classifier.

float32 (the small MLP also in float64), ReLU between the layers, softmax
cross-entropy on integer labels, plain SGD with lr 0.01. The three contenders
start from the same seeded data and weights (He-normal weights, zero biases):

- minigrad as a user writes it: ``mg.nn.MLP``, ``mg.nn.functional.cross_entropy``,
  ``mg.optim.SGD``;
- the NumPy reference: the same forward and backward written out by hand
  (what a NumPy programmer would write, updating in place where it saves an
  array), with no graph;
- PyTorch: ``torch.nn.Sequential`` of ``Linear`` and ``ReLU``, ``F.cross_entropy``,
  ``torch.optim.SGD``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .timing import MINIGRAD, NUMPY, TORCH, agree

LR = 0.01
Weights = list[tuple[np.ndarray, np.ndarray]]
Step = Callable[[], float]


@dataclass(frozen=True)
class MLPConfig:
    name: str
    batch: int
    sizes: tuple[int, ...]
    dtype: type = np.float32

    def describe(self) -> str:
        sizes = "-".join(map(str, self.sizes))
        return f"batch {self.batch}, {sizes}, {np.dtype(self.dtype).name}"


SMALL = MLPConfig("mlp-small", 64, (64, 128, 128, 10))
SMALL64 = MLPConfig("mlp-small-f64", 64, (64, 128, 128, 10), np.float64)
LARGE = MLPConfig("mlp-large", 256, (784, 1024, 1024, 10))


def problem(config: MLPConfig, seed: int = 0) -> tuple[np.ndarray, np.ndarray, Weights]:
    """Inputs, labels and initial weights, the same for every contender."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((config.batch, config.sizes[0])).astype(config.dtype)
    labels = rng.integers(0, config.sizes[-1], config.batch)
    weights = []
    for n_in, n_out in zip(config.sizes[:-1], config.sizes[1:], strict=True):
        w = rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)
        weights.append((w.astype(config.dtype), np.zeros(n_out, config.dtype)))
    return x, labels, weights


# ------------------------------------------------------------------ minigrad


def minigrad_step(config: MLPConfig, x: np.ndarray, labels: np.ndarray, weights: Weights):
    """``(step, parameters)``: one training step, and the current weights."""
    import minigrad as mg

    previous = mg.get_default_dtype()
    mg.set_default_dtype(config.dtype)  # as a user asks for a float32 model
    try:
        model = mg.nn.MLP(list(config.sizes))
    finally:
        mg.set_default_dtype(previous)
    names = [name for name, _ in model.named_parameters()]
    model.load_state_dict(dict(zip(names, [a for pair in weights for a in pair], strict=True)))
    optimizer = mg.optim.SGD(model.parameters(), lr=LR)
    cross_entropy = mg.nn.functional.cross_entropy
    inputs = mg.Tensor(x)

    def step() -> float:
        optimizer.zero_grad()
        loss = cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, lambda: [p.data for p in model.parameters()]


# ------------------------------------------------------------ the reference


def numpy_step(config: MLPConfig, x: np.ndarray, labels: np.ndarray, weights: Weights):
    """The reference: forward, backward and SGD update written out in NumPy."""
    params = [(w.copy(), b.copy()) for w, b in weights]
    last = len(params) - 1
    rows = np.arange(len(labels))
    scale = 1.0 / len(labels)

    def step() -> float:
        # forward: keep each layer's input, and each hidden pre-activation for ReLU'
        inputs, pre = [], []
        h = x
        for i, (w, b) in enumerate(params):
            inputs.append(h)
            z = h @ w.T
            z += b
            if i < last:
                pre.append(z)
                h = np.maximum(z, 0)
        # softmax cross-entropy: loss = mean(log sum e^z - z[label]), shifted by the max
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        total = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(total[:, 0]) - z[rows, labels])
        # backward: dL/dz = (softmax - one_hot) / N
        e /= total
        e[rows, labels] -= 1
        e *= scale
        dz = e
        for i in range(last, -1, -1):
            w, b = params[i]
            dw = dz.T @ inputs[i]
            db = dz.sum(axis=0)
            if i:
                dz = dz @ w  # before w changes
                dz *= pre[i - 1] > 0  # ReLU'
            dw *= LR
            w -= dw
            db *= LR
            b -= db
        return float(loss)

    return step, lambda: [a for pair in params for a in pair]


# ------------------------------------------------------------------- PyTorch


def torch_mlp(weights: Weights):
    """``torch.nn.Sequential`` of Linear and ReLU layers holding copies of ``weights``."""
    import torch

    layers: list[torch.nn.Module] = []
    for w, b in weights:
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.from_numpy(w).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def torch_step(config: MLPConfig, x: np.ndarray, labels: np.ndarray, weights: Weights):
    import torch

    model = torch_mlp(weights)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    cross_entropy = torch.nn.functional.cross_entropy
    inputs = torch.from_numpy(x)
    targets = torch.from_numpy(labels.astype(np.int64))

    def step() -> float:
        optimizer.zero_grad()
        loss = cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, lambda: [p.detach().numpy() for p in model.parameters()]


BUILDERS = {MINIGRAD: minigrad_step, NUMPY: numpy_step, TORCH: torch_step}


def steps(config: MLPConfig, contenders: list[str], seed: int = 0) -> dict[str, Step]:
    """A step function per contender, after checking that they agree.

    Each contender takes three steps from the same start; the losses of every
    step and the weights after the last must agree to float32 precision.
    """
    x, labels, weights = problem(config, seed)
    built = {name: BUILDERS[name](config, x, labels, weights) for name in contenders}
    losses = {name: [step() for _ in range(3)] for name, (step, _) in built.items()}
    final = {name: params() for name, (_, params) in built.items()}
    rtol = 1e-4 if config.dtype == np.float32 else 1e-9
    # The step's arithmetic happens at the scale of the weights: a bias near zero
    # (three small updates) carries the rounding error of sums over the batch of
    # larger terms (mlp-large's float32 bias differs from PyTorch's by 1e-6 where
    # it is itself 2e-4), so the parameters are compared at the model's scale.
    scale = max(float(np.max(np.abs(p))) for p in final[NUMPY])
    for name in contenders:
        agree(losses[name], losses[NUMPY], rtol, f"{config.name}: {name}'s losses")
        for i, (a, b) in enumerate(zip(final[name], final[NUMPY], strict=True)):
            agree(a, b, rtol, f"{config.name}: {name}'s parameter {i} after 3 steps", scale)
    return {name: step for name, (step, _) in built.items()}
