"""Why a nonlinearity: without max(0, .) a stack of layers is one matrix.

The CS231n notes write a 2-layer network as ``s = W2 max(0, W1 x)`` and a
3-layer one as ``s = W3 max(0, W2 max(0, W1 x))``. This demo builds both with
minigrad (with biases: ``W1 x + b1``) and shows two things:

(a) the collapse: without the max, ``W2 (W1 x + b1) + b2 = W x + b`` with
    ``W = W2 W1`` and ``b = W2 b1 + b2``. The demo checks that the outputs and
    the input-output Jacobian that autograd computes equal those of the one
    matrix to float precision, and that both draw the same decision boundary;
(b) what the max buys: the linear network cannot fit XOR, two moons or the
    CS231n spiral, while the same network with ReLUs fits all three.

Run: python -m demos.why_nonlinearity [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, draw_regions, grid, main_for, progress
from minigrad.nn import functional as F

TITLE = "Why a nonlinearity: without the max, layers collapse into one matrix"
CLAIM = (
    "The CS231n notes (Neural Networks Part 1) write a 2-layer network as "
    "s = W2 max(0, W1 x) and a 3-layer one as s = W3 max(0, W2 max(0, W1 x)). The max is "
    "what makes depth matter: without it W2 W1 is just one matrix, so the network is a "
    "linear classifier. On the CS231n spiral (100 points per class, 3 classes) a linear "
    "softmax classifier reaches about 49% training accuracy and a 2-layer net with 100 ReLU "
    "units about 98% (CS231n, 'Putting it together: minimal neural network case study')."
)

HIDDEN = 100  # ReLU units per hidden layer, as in the CS231n case study

# Okabe-Ito colours (safe for colour-blind readers); the class colours and markers
# are in demos.common.
LINEAR_COLOUR, RELU_COLOUR = "#D55E00", "#0072B2"


# ---------------------------------------------------------------- the networks


def he_weight(n_out: int, n_in: int, rng: np.random.Generator, name: str) -> mg.Tensor:
    """A weight matrix of shape (n_out, n_in) with He et al.'s std sqrt(2 / n_in),
    which keeps the scale of ReLU activations from layer to layer."""
    w = rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)
    return mg.Tensor(w, requires_grad=True, name=name)


def bias(n: int, name: str) -> mg.Tensor:
    return mg.zeros(n, requires_grad=True, name=name)


class TwoLayerNet(mg.nn.Module):
    """s = W2 max(0, W1 x + b1) + b2; with ``relu=False`` the max is left out.

    Weights have PyTorch's shape (out, in), so for a batch of row vectors x the
    product W1 x is written ``x @ W1.T``.
    """

    def __init__(self, n_in: int, n_out: int, relu: bool, rng: np.random.Generator) -> None:
        self.relu = relu
        self.W1, self.b1 = he_weight(HIDDEN, n_in, rng, "W1"), bias(HIDDEN, "b1")
        self.W2, self.b2 = he_weight(n_out, HIDDEN, rng, "W2"), bias(n_out, "b2")

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        h = x @ self.W1.T + self.b1
        if self.relu:
            h = h.relu()  # max(0, W1 x + b1)
        return h @ self.W2.T + self.b2

    def layers(self) -> list[tuple[mg.Tensor, mg.Tensor]]:
        return [(self.W1, self.b1), (self.W2, self.b2)]


class ThreeLayerNet(mg.nn.Module):
    """s = W3 max(0, W2 max(0, W1 x + b1) + b2) + b3; ``relu=False`` leaves out both maxes."""

    def __init__(self, n_in: int, n_out: int, relu: bool, rng: np.random.Generator) -> None:
        self.relu = relu
        self.W1, self.b1 = he_weight(HIDDEN, n_in, rng, "W1"), bias(HIDDEN, "b1")
        self.W2, self.b2 = he_weight(HIDDEN, HIDDEN, rng, "W2"), bias(HIDDEN, "b2")
        self.W3, self.b3 = he_weight(n_out, HIDDEN, rng, "W3"), bias(n_out, "b3")

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        h = x @ self.W1.T + self.b1
        if self.relu:
            h = h.relu()
        h = h @ self.W2.T + self.b2
        if self.relu:
            h = h.relu()
        return h @ self.W3.T + self.b3

    def layers(self) -> list[tuple[mg.Tensor, mg.Tensor]]:
        return [(self.W1, self.b1), (self.W2, self.b2), (self.W3, self.b3)]


def collapse(net: TwoLayerNet | ThreeLayerNet) -> tuple[np.ndarray, np.ndarray]:
    """The one matrix and bias that a network without maxes equals: s = W x + b.

    W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2), and so on for more layers:
    multiplying the matrices from the input side up gives W; the biases ride along.
    """
    n_in = net.W1.shape[1]
    W, b = np.eye(n_in), np.zeros(n_in)  # s = x, before any layer
    for W_i, b_i in net.layers():
        # W_i (W x + b) + b_i = (W_i W) x + (W_i b + b_i)
        W, b = W_i.data @ W, W_i.data @ b + b_i.data
    return W, b


# ------------------------------------------------------------------- training


def train(model: mg.nn.Module, X: np.ndarray, y: np.ndarray, steps: int, desc: str) -> list[float]:
    """Full-batch softmax cross-entropy with Adam; returns the loss at every step.

    No regularisation: the question is what each network *can* fit.
    """
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    x = mg.Tensor(X, name="x")
    losses = []
    for _ in progress(range(steps), desc=desc):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def accuracy(model: mg.nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    with mg.no_grad():
        return mg.data.accuracy(model(mg.Tensor(X)), y)


# ------------------------------------------------------- (a) the exact collapse


def jacobians(model: mg.nn.Module, X: np.ndarray) -> np.ndarray:
    """ds/dx at every point, by autograd: shape (points, classes, inputs).

    Backward from the sum of class k's scores over the batch puts ds_k/dx of
    each point into the row of x.grad that belongs to it (points do not mix).
    """
    x = mg.Tensor(X, requires_grad=True, name="x")
    s = model(x)
    rows = []
    for k in range(s.shape[1]):
        x.zero_grad()
        s[:, k].sum().backward()
        rows.append(x.grad.copy())
    model.zero_grad()  # these passes were for inspection, not for training
    return np.stack(rows, axis=1)


def check_collapse(net: TwoLayerNet | ThreeLayerNet, X: np.ndarray) -> dict[str, float]:
    """How far a network without maxes is from its one matrix, on the points X."""
    W, b = collapse(net)
    with mg.no_grad():
        s_net = net(mg.Tensor(X)).data
    s_matrix = X @ W.T + b
    J = jacobians(net, X)  # the same at every point if the network is linear
    return {
        "outputs_max_abs_diff": float(np.max(np.abs(s_net - s_matrix))),
        "outputs_allclose": bool(np.allclose(s_net, s_matrix)),
        "jacobian_max_abs_diff": float(np.max(np.abs(J - W))),
        "jacobian_allclose": bool(np.allclose(J, np.broadcast_to(W, J.shape))),
        "same_prediction_fraction": float(np.mean(s_net.argmax(1) == s_matrix.argmax(1))),
    }


def linear_pieces(net: TwoLayerNet, X: np.ndarray) -> int:
    """How many different matrices a ReLU net applies to the points X.

    Where a unit is on, max(0, z) = z; where off, 0. So at each point the ReLU
    net is W2 D W1 with D a diagonal 0/1 matrix: one linear map per on/off pattern.
    """
    with mg.no_grad():
        on = (mg.Tensor(X) @ net.W1.T + net.b1).data > 0
    return len(np.unique(on, axis=0))


def best_possible_accuracy(X: np.ndarray, y: np.ndarray) -> float:
    """The ceiling for any classifier on (X, y): where the same point appears with
    different labels, only one of them can be predicted right."""
    _, group = np.unique(X, axis=0, return_inverse=True)
    group = group.reshape(-1)
    right = sum(np.bincount(y[group == g]).max() for g in np.unique(group))
    return float(right / len(y))


# ------------------------------------------------------------------- figures


def scores_of(model: mg.nn.Module) -> Callable[[np.ndarray], np.ndarray]:
    def predict(points: np.ndarray) -> np.ndarray:
        with mg.no_grad():
            return model(mg.Tensor(points)).data

    return predict


def figure_boundaries(fits: dict, result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(fits), 2, figsize=(9, 4.2 * len(fits)))
    for row, (name, fit) in enumerate(fits.items()):
        X, y = fit["data"]
        for col, kind in enumerate(["linear", "relu"]):
            model, acc = fit[kind], fit[f"{kind}_accuracy"]
            label = "no max: s = W2 (W1 x)" if kind == "linear" else "ReLU: s = W2 max(0, W1 x)"
            draw_regions(
                axes[row, col],
                scores_of(model),
                X,
                y,
                f"{name}, {label}\ntraining accuracy {acc:.1%}",
            )
    for ax in axes[:, 0]:
        ax.legend(loc="best", fontsize=8, framealpha=0.9)
    fig.suptitle(
        "Decision regions of the same 2-layer net (100 hidden units) without and with the max",
        fontsize=11,
    )
    fig.tight_layout()
    result.figure(
        fig,
        "why_nonlinearity_boundaries.png",
        "Left: the 2-layer network without the max draws straight boundaries only, so it "
        "cannot fit XOR, two moons or the spiral. Right: the same network with ReLUs fits all "
        "three. Accuracies are on the training points.",
    )


def figure_collapse(net: TwoLayerNet, X, y, result: Result) -> None:
    import matplotlib.pyplot as plt

    W, b = collapse(net)
    _, _, points = grid(X)
    with mg.no_grad():
        diff = np.abs(net(mg.Tensor(points)).data - (points @ W.T + b))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.4))
    draw_regions(
        axes[0],
        scores_of(net),
        X,
        y,
        "trained 2-layer net without the max\ns = W2 (W1 x + b1) + b2",
    )
    draw_regions(
        axes[1],
        lambda p: p @ W.T + b,
        X,
        y,
        "its one matrix: s = W x + b\nW = W2 W1, b = W2 b1 + b2",
    )
    # the differences are rounding errors, some exactly 0: histogram the others on a log scale
    nonzero = diff[diff > 0]
    axes[2].hist(np.log10(nonzero), bins=40, color=LINEAR_COLOUR)
    axes[2].set_xlabel("log10 |s_net - s_matrix|  (float64 eps: 2.2e-16 = 10^-15.7)")
    axes[2].set_ylabel("grid points x classes")
    axes[2].set_title(
        f"output difference on {len(points):,} grid points\n"
        f"largest {diff.max():.1e}; {np.mean(diff == 0):.0%} exactly 0 (not shown)",
        fontsize=10,
    )
    fig.tight_layout()
    result.figure(
        fig,
        "why_nonlinearity_collapse.png",
        "The collapse: the trained spiral network without the max (left) and the single "
        "matrix W = W2 W1 (middle) draw the same decision boundary; their outputs differ only "
        "by floating-point rounding (right).",
    )


def figure_losses(fits: dict, result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(fits), figsize=(4.5 * len(fits), 3.6))
    for ax, (name, fit) in zip(axes, fits.items(), strict=True):
        ax.plot(fit["linear_losses"], color=LINEAR_COLOUR, label="no max (linear)")
        ax.plot(fit["relu_losses"], color=RELU_COLOUR, linestyle="--", label="ReLU")
        ax.set_yscale("log")
        ax.set_xlabel("full-batch Adam step")
        ax.set_ylabel("cross-entropy loss")
        ax.set_title(f"{name}: training loss", fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    result.figure(
        fig,
        "why_nonlinearity_losses.png",
        "Training loss: the linear network stalls at the loss of the best straight-line "
        "classifier; the ReLU network keeps going towards zero.",
    )


# ------------------------------------------------------------------------ run


def datasets(seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {
        "XOR": mg.data.xor(),  # the four corners, labels 0 1 1 0
        "two moons": mg.data.moons(200, noise=0.1, seed=seed),
        "spiral": mg.data.spiral(100, 3, seed=seed),  # the CS231n case study's data
    }


def linear_vs_relu(datasets: dict, steps: int, rng: np.random.Generator) -> dict:
    """Train the 2-layer net without and with the max on each data set."""
    fits: dict[str, dict] = {}
    for name, (X, y) in datasets.items():
        fit: dict = {"data": (X, y)}
        for kind in ["linear", "relu"]:
            model = TwoLayerNet(2, int(y.max()) + 1, relu=kind == "relu", rng=rng)
            fit[f"{kind}_losses"] = train(model, X, y, steps, desc=f"{name}, {kind}")
            fit[kind], fit[f"{kind}_accuracy"] = model, accuracy(model, X, y)
        fits[name] = fit
    return fits


def report_fits(fits: dict, deep: dict, result: Result) -> None:
    kinds = [("linear", "no max"), ("relu", "ReLU")]
    for name, key in [("XOR", "xor"), ("two moons", "moons"), ("spiral", "spiral")]:
        for kind, label in kinds:
            text = f"{name}: 2-layer net, {label}, training accuracy"
            result.report(f"{key}_{kind}_accuracy", fits[name][f"{kind}_accuracy"], text)
    X, y = fits["spiral"]["data"]
    for kind, label in kinds:
        text = f"spiral: 3-layer net, {label}, training accuracy"
        result.report(f"spiral_3layer_{kind}_accuracy", accuracy(deep[kind], X, y), text)
    loss = fits["XOR"]["linear_losses"][-1]
    result.report("xor_linear_loss", loss, "XOR: final loss of the net without max")


def three_layers(X, y, steps: int, rng: np.random.Generator) -> dict:
    """The 3-layer nets on the spiral: stacking more linear layers still gives one matrix."""
    deep = {}
    for kind in ["linear", "relu"]:
        deep[kind] = ThreeLayerNet(2, 3, relu=kind == "relu", rng=rng)
        train(deep[kind], X, y, steps, desc=f"spiral, 3 layers, {kind}")
    return deep


def report_collapse(two: dict, three: dict, result: Result) -> None:
    report = result.report
    report(
        "collapse_max_abs_diff",
        two["outputs_max_abs_diff"],
        "2 layers without max vs W = W2 W1: max |output difference|",
    )
    report(
        "collapse_jacobian_max_abs_diff",
        two["jacobian_max_abs_diff"],
        "2 layers: max |ds/dx (autograd) - W2 W1|",
    )
    report(
        "collapse3_max_abs_diff",
        three["outputs_max_abs_diff"],
        "3 layers without max vs W = W3 W2 W1: max |output difference|",
    )
    report(
        "collapse3_jacobian_max_abs_diff",
        three["jacobian_max_abs_diff"],
        "3 layers: max |ds/dx (autograd) - W3 W2 W1|",
    )
    report(
        "collapse_same_prediction_fraction",
        two["same_prediction_fraction"],
        "points where the 2-layer net and its one matrix predict the same class",
    )
    checks = ("outputs_allclose", "jacobian_allclose")
    exact = all(c[k] for c in (two, three) for k in checks)
    report("collapse_exact", exact, "collapse exact to float precision (allclose)")


def write_notes(result: Result, n_points: int) -> None:
    n = result.numbers
    result.note(
        f"Without the max the network is one matrix: on {n_points} points the 2-layer "
        f"net and W = W2 W1 differ by at most {n['collapse_max_abs_diff']:.1e} (the 3-layer "
        f"net and W3 W2 W1 by {n['collapse3_max_abs_diff']:.1e}), rounding error in float64; "
        "the Jacobian ds/dx that autograd computes at every point is that same matrix "
        f"(to {n['collapse_jacobian_max_abs_diff']:.1e}), and the two predict the same class "
        f"at {n['collapse_same_prediction_fraction']:.0%} of the points."
    )
    result.note(
        f"On the spiral the linear network reached {n['spiral_linear_accuracy']:.0%} training "
        f"accuracy ({n['spiral_3layer_linear_accuracy']:.0%} with 3 layers) where CS231n "
        f"reports about 49% for a linear softmax classifier; the ReLU network reached "
        f"{n['spiral_relu_accuracy']:.0%} ({n['spiral_3layer_relu_accuracy']:.0%} with 3 "
        "layers), against CS231n's about 98%. The three arms all start at the origin, so "
        "no classifier can get more than "
        f"{n['spiral_best_possible_accuracy']:.1%} of these points right. Differences in the "
        "setup: CS231n trains with L2 regularisation (1e-3) and plain gradient descent on its "
        "own random spiral; here Adam, no regularisation, and minigrad's seeded spiral."
    )
    result.note(
        f"On XOR the linear network classified {n['xor_linear_accuracy']:.0%} of the four "
        f"points, the ReLU network {n['xor_relu_accuracy']:.0%}. No straight line gets more "
        "than 3 of the 4; the best the linear net can do for the cross-entropy is to give "
        "every point probability 1/2, loss ln 2 = 0.693 (measured: "
        f"{n['xor_linear_loss']:.3f}), so which class wins at each point is down to rounding. "
        f"On two moons: {n['moons_linear_accuracy']:.0%} (linear) vs "
        f"{n['moons_relu_accuracy']:.0%} (ReLU)."
    )
    result.note(
        "The trained ReLU network is piecewise linear: each on/off pattern of its hidden "
        f"units gives a different matrix, and it applies {n['relu_linear_pieces']} different "
        "ones to the 300 spiral points, where the linear network applies one."
    )


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("why_nonlinearity", TITLE, CLAIM, out)
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    steps = 300 if quick else 3000
    print(f"{TITLE} ({steps} full-batch Adam steps per network)")
    experiment(steps, seed, rng, result)
    return result


def experiment(steps: int, seed: int, rng: np.random.Generator, result: Result) -> None:
    start = time.perf_counter()
    # (b) what the max buys: the same network without and with it, on three data sets
    fits = linear_vs_relu(datasets(seed), steps, rng)
    X, y = fits["spiral"]["data"]
    deep = three_layers(X, y, steps, rng)
    report_fits(fits, deep, result)
    result.report("train_seconds", time.perf_counter() - start, "training time (s)")

    # (a) the collapse, checked on the trained spiral networks at the data and a grid
    points = np.concatenate([X, grid(X, 60)[2]])
    two = check_collapse(fits["spiral"]["linear"], points)
    report_collapse(two, check_collapse(deep["linear"], points), result)
    ceiling = best_possible_accuracy(X, y)
    result.report("spiral_best_possible_accuracy", ceiling, "spiral: best possible accuracy")
    relu_net = fits["spiral"]["relu"]
    pieces = linear_pieces(relu_net, X)
    result.report("relu_linear_pieces", pieces, "linear maps the ReLU net uses on the spiral")
    write_notes(result, len(points))

    figure_boundaries(fits, result)
    figure_collapse(fits["spiral"]["linear"], X, y, result)
    figure_losses(fits, result)
    draw_graph(relu_net, X, y, rng, result)


def draw_graph(net: TwoLayerNet, X, y, rng: np.random.Generator, result: Result) -> None:
    """The graph of s = W2 max(0, W1 x + b1) + b2 and its loss on 5 points, after backward."""
    batch = rng.choice(len(X), size=5, replace=False)
    loss = F.cross_entropy(net(mg.Tensor(X[batch], name="x")), y[batch])
    net.zero_grad()
    loss.backward()
    title = "2-layer ReLU net on 5 spiral points, after backward"
    result.graph(
        mg.draw(loss, model=net, group_by="op", title=title),
        "why_nonlinearity_graph",
        "The computation graph of the trained 2-layer ReLU network s = W2 max(0, W1 x + b1) + "
        "b2 and its cross-entropy loss on a batch of 5 spiral points, after backward; colours "
        "give each gradient's health, and the relu node's strip has one cell per group of "
        "hidden units (a unit dead on this batch, f' = 0 for all 5 points, would be grey and "
        "crossed; deeper blue cells pass gradient for more of the points).",
    )


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
