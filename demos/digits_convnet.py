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
    initial = {name: p.data.copy() for name, p in model.named_parameters() if "weight" in name}
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    epochs = 3 if quick else 15
    print(f"{TITLE}: {len(X_train)} training and {len(X_test)} test images, {epochs} epochs")
    print(model)

    fit_and_report(result, model, opt, (X_train, y_train, X_test, y_test), epochs, rng)
    weights = dict(model.named_parameters())
    layer_names = {"0.weight": "conv 1", "3.weight": "conv 2", "7.weight": "linear"}
    change = {
        layer_names.get(name, name): float(
            np.linalg.norm(weights[name].data - w0) / np.linalg.norm(w0)
        )
        for name, w0 in initial.items()
    }
    result.report(
        "weight_change",
        change,
        "how far training moved each layer's weights, as a fraction of their initial norm",
    )
    figure_filters(initial["0.weight"], weights["0.weight"].data, change, result)
    return result


def figure_filters(
    initial: np.ndarray, learned: np.ndarray, change: dict[str, float], result: Result
) -> None:
    """The first layer's learned 3x3 filters, and what training changed in them."""
    import matplotlib.pyplot as plt

    count, cols = len(learned), 8
    rows = -(-count // cols)
    delta = learned - initial
    fig, axes = plt.subplots(rows, 2 * cols + 1, figsize=(11, 0.75 * rows + 0.9))
    for ax in axes.ravel():
        ax.axis("off")
    # Each panel on its own symmetric scale, so that white is 0 in both.
    magnified = float(np.abs(learned).max() / np.abs(delta).max())
    for offset, weights in ((0, learned), (cols + 1, delta)):
        scale = float(np.abs(weights).max())
        for k in range(count):
            r, c = divmod(k, cols)
            ax = axes[r, c + offset]
            ax.imshow(weights[k, 0], cmap="RdBu_r", vmin=-scale, vmax=scale)
    axes[0, 0].set_title("learned filters", fontsize=10, loc="left")
    axes[0, cols + 1].set_title(
        f"what training changed (learned - initial), colours {magnified:.0f}x stronger",
        fontsize=10,
        loc="left",
    )
    fig.subplots_adjust(wspace=0.15, hspace=0.15, left=0.01, right=0.99, top=0.85, bottom=0.02)
    result.figure(
        fig,
        "digits_convnet_filters.png",
        f"The {count} filters (3x3 weights) of the first convolution layer; red positive, "
        "blue negative, white 0. Left: after training. Right: how far training moved each "
        "weight from its random He initialisation. Measured as the norm of the change over "
        "the norm of the initial weights, training moved "
        + ", ".join(f"{layer} by {v:.0%}" for layer, v in change.items())
        + ": the first layer's 3x3 filters stay close to their random start, and the later "
        "layers do most of the adapting.",
    )


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
