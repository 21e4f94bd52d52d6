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

    data = (X_train, y_train, X_test, y_test)
    curves = fit_and_report(result, model, opt, data, epochs, rng, curves=True)
    with mg.no_grad():
        predicted = model(X_test).argmax(axis=1)
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (y_test, predicted), 1)
    off = confusion - np.diag(np.diag(confusion))
    true, guess = np.unravel_index(off.argmax(), off.shape)
    result.report("test_errors", int(off.sum()), f"test images misclassified (of {len(y_test)})")
    result.report(
        "most_confused",
        {"true digit": int(true), "taken for": int(guess), "times": int(off[true, guess])},
        "the most frequent mistake on the test images",
    )
    figure_curves(curves, result)
    figure_confusion(confusion, result)
    return result


def figure_curves(curves: dict[str, list[float]], result: Result) -> None:
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(curves["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.6))
    ax_loss.semilogy(epochs, curves["loss"], "o-", color="#0072B2", ms=3)
    ax_loss.set(xlabel="epoch", ylabel="training loss (cross-entropy)", title="loss")
    ax_acc.plot(epochs, curves["train_accuracy"], "o-", color="#0072B2", ms=3, label="training")
    ax_acc.plot(epochs, curves["test_accuracy"], "s--", color="#D55E00", ms=3, label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    ax_acc.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax_acc.legend(loc="lower right")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    result.figure(
        fig,
        "digits_mlp_curves.png",
        "Learning curves, measured after every epoch: the training loss (log scale) keeps "
        "falling while the test accuracy levels off; the gap between the training and the "
        "test accuracy is what the network memorised rather than learned.",
    )


def figure_confusion(confusion: np.ndarray, result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    image = ax.imshow(confusion, cmap="Blues")
    for (true, guess), count in np.ndenumerate(confusion):
        if count:
            dark = count > confusion.max() / 2
            ax.text(guess, true, count, ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")  # fmt: skip
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted digit", ylabel="true digit")
    ax.set_title("test images: true digit vs prediction", fontsize=10)
    fig.colorbar(image, ax=ax, shrink=0.8, label="images")
    fig.tight_layout()
    result.figure(
        fig,
        "digits_mlp_confusion.png",
        "Confusion matrix on the test images: row = the true digit, column = the "
        "network's answer. The diagonal holds the correct answers; every number off it "
        "is a mistake, and where it sits says which digits look alike to the network.",
    )


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
