"""An MLP trained on the 8x8 digits with minigrad's layers, loss and optimizer.

The everyday loop of deep learning, at a size that runs in seconds:
``mg.nn.MLP`` for the model, ``F.cross_entropy`` for the loss, ``optim.Adam``
for the updates, minibatches from ``mg.data.batches``. scikit-learn's bundled
digits (1,797 images) stand in for MNIST, which cannot ship with the package.

Run: python -m demos.digits_mlp [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, fit_and_report, main_for

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

    fit_and_report(result, model, opt, (X_train, y_train, X_test, y_test), epochs, rng)
    return result


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
