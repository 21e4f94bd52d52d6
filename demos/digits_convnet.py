"""A small convnet trained on the 8x8 digits: two conv layers, pooling, one linear layer.

Run: python -m demos.digits_convnet [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, fit, main_for
from minigrad import nn

TITLE = "A convnet on the 8x8 digits"
CLAIM = (
    "A convnet with two 3x3 conv layers, max pooling and one linear layer, trained "
    "with minigrad, classifies held-out 8x8 digits with at least 98% accuracy."
)


def convnet(channels: tuple[int, int] = (32, 64), activation: str = "relu") -> nn.Sequential:
    """1x8x8 -> conv 3x3 -> 2x2 pool -> conv 3x3 -> 2x2 pool -> linear -> 10 logits."""
    c1, c2 = channels
    act = nn.layers.activation_module
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1),
        act(activation),
        nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1),
        act(activation),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(c2 * 2 * 2, 10),
    )


def images(X: np.ndarray) -> np.ndarray:
    return X.reshape(-1, 1, 8, 8)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("digits_convnet", TITLE, CLAIM, out)
    mg.manual_seed(seed)
    X_train, y_train, X_test, y_test = mg.data.digits(seed=seed)
    X_train, X_test = images(X_train), images(X_test)
    model = convnet()
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    epochs = 3 if quick else 15
    print(f"{TITLE}: {len(X_train)} training and {len(X_test)} test images, {epochs} epochs")
    print(model)

    start = time.perf_counter()
    steps = fit(model, opt, X_train, y_train, epochs, batch_size=32, rng=rng)
    seconds = time.perf_counter() - start

    with mg.no_grad():
        result.report("train_accuracy", mg.data.accuracy(model(X_train), y_train), "train accuracy")
        result.report("test_accuracy", mg.data.accuracy(model(X_test), y_test), "test accuracy")
    result.report("steps", steps, "training steps")
    result.report("train_seconds", seconds, "training time (s)")
    result.report("ms_per_step", 1000 * seconds / steps, "time per step, batch 32 (ms)")
    return result


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
