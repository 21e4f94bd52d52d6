"""An MLP trained on the 8x8 digits with minigrad's layers, loss and optimizer.

The everyday loop of deep learning, at a size that runs in seconds:
``mg.nn.MLP`` for the model, ``F.cross_entropy`` for the loss, ``optim.Adam``
for the updates, minibatches from ``mg.data.batches``. scikit-learn's bundled
digits (1,797 images) stand in for MNIST, which cannot ship with the package.

Run: python -m demos.digits_mlp [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, fit, main_for

TITLE = "An MLP on the 8x8 digits"
CLAIM = (
    "A small MLP (64-256-128-10, ReLU) trained with Adam classifies held-out 8x8 digits "
    "with at least 97% accuracy."
)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("digits_mlp", TITLE, CLAIM, out)
    mg.manual_seed(seed)
    X_train, y_train, X_test, y_test = mg.data.digits(seed=seed)
    model = mg.nn.MLP([64, 256, 128, 10])
    opt = mg.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    epochs = 10 if quick else 30
    print(f"{TITLE}: {len(X_train)} training and {len(X_test)} test images, {epochs} epochs")

    start = time.perf_counter()
    steps = fit(model, opt, X_train, y_train, epochs, batch_size=32, rng=rng)
    seconds = time.perf_counter() - start

    with mg.no_grad():
        result.report("train_accuracy", mg.data.accuracy(model(X_train), y_train), "train accuracy")
        result.report("test_accuracy", mg.data.accuracy(model(X_test), y_test), "test accuracy")
    result.report("steps", steps, "training steps")
    result.report("train_seconds", seconds, "training time (s)")
    result.report("ms_per_step", 1000 * seconds / steps, "time per step (ms)")
    return result


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
