"""A small convnet trained on the 8x8 digits: two conv layers, pooling, one linear layer.

Run: python -m demos.digits_convnet [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, fit_and_report, main_for
from minigrad import nn

TITLE = "A convnet on the 8x8 digits"
CLAIM = (
    "A convnet with two 3x3 conv layers, max pooling and one linear layer, trained "
    "with minigrad, classifies held-out 8x8 digits with at least 98% accuracy."
)


def convnet(
    channels: tuple[int, int] = (32, 64),
    activation: str | Callable[[int], nn.Module] = "relu",
) -> nn.Sequential:
    """1x8x8 -> conv 3x3 -> act -> 2x2 pool -> conv 3x3 -> act -> 2x2 pool -> linear
    -> 10 logits. ``activation`` is a registered activation's name, or a function
    that makes the module to follow a layer of ``channels`` channels (for PReLU's
    per-channel slopes)."""
    c1, c2 = channels

    def act(width: int) -> nn.Module:
        if isinstance(activation, str):
            return nn.layers.activation_module(activation)
        return activation(width)

    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1),
        act(c1),
        nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1),
        act(c2),
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

    fit_and_report(result, model, opt, (X_train, y_train, X_test, y_test), epochs, rng)
    return result


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
