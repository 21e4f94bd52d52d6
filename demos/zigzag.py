"""Zig-zag: gradient descent on a neuron whose inputs are all positive, as sigmoid outputs are.

For ``f = w^T x + b`` the gradient of a loss on ``w`` for one example is
``dL/df * x``: the input times one number. When every ``x_i > 0`` all its
components share the sign of ``dL/df``, so an update raises every weight or
lowers every weight. To reach weights that must move in opposite directions
(one up, one down) the descent has to zig-zag. Zero-centred inputs (tanh
outputs, or centred data) have no such restriction. Summed over a batch the
update can have mixed signs, which softens the problem.

Per-example gradients are read from minigrad's ``.grad`` of a weight tensor
with one copy of ``w`` per example: each copy sees one example only, so its
gradient is that example's gradient.

Run: python -m demos.zigzag [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, main_for, progress

TITLE = "Zig-zag from outputs that are not zero-centred"
CLAIM = (
    "If every input of a neuron f = w^T x + b is positive (as the outputs of a sigmoid "
    "layer are), the gradient on w for one example is x times a single number, so all "
    "its components have the same sign: one update can raise all the weights or lower "
    "all of them, never some of each, and descent towards weights of mixed signs "
    "zig-zags. Added up over a batch, the update can have mixed signs, which "
    "'somewhat mitigates' the problem: it is an inconvenience, less severe than "
    "saturation (CS231n, Neural Networks Part 1)."
)

# Okabe-Ito colours (readable with every common colour-vision deficiency)
BLUE, GREEN, VERMILLION, GREY = "#0072B2", "#009E73", "#D55E00", "#999999"
KIND_COLOUR = {"positive": VERMILLION, "centred": BLUE}

# The 2-weight neuron of the path plots: no bias, a target whose weights have
# opposite signs, and a start at zero, so reaching it needs w1 up and w2 down.
W_STAR = np.array([1.0, -1.0])
W_START = np.array([0.0, 0.0])
TOLERANCE = 0.05  # "reached": within this distance of W_STAR
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128)


def inputs(kind: str, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """Inputs as a layer below would produce them from pre-activations a ~ N(0, 1).

    positive: sigmoid(a), in (0, 1). centred: tanh(a / 2) = 2 sigmoid(a) - 1, the
    same outputs shifted to mean 0 (and doubled, which a tuned learning rate undoes).
    """
    a = rng.standard_normal((n, d))
    s = mg.activations.get("sigmoid").forward(a)
    return s if kind == "positive" else 2 * s - 1


def gradient_per_copy(w: np.ndarray, X: np.ndarray, y: np.ndarray, b: float = 0.0):
    """Gradient of L = 1/2 sum (w.x + b - y)^2 for each of several copies of w.

    ``w`` is (copies, d), ``X`` is (copies, n, d), ``y`` is (copies, n): copy c
    sees only its own n examples, so row c of the gradient is the gradient of
    those n examples' loss. With n = 1 the rows are per-example gradients; with
    n = B they are the summed gradients of batches of B. Returns (grads, loss).
    """
    W = mg.Tensor(w[:, None, :], requires_grad=True, name="w (one copy per row)")
    f = (W * mg.Tensor(X, name="x")).sum(axis=2) + b
    # a sum, not a mean: a mean would divide every copy's gradient by the number of copies
    loss = 0.5 * ((f - y) ** 2).sum()
    loss.backward()
    return W.grad[:, 0, :], loss


def one_signed(grads: np.ndarray) -> np.ndarray:
    """Per row: all components > 0, or all < 0."""
    return np.all(grads > 0, axis=1) | np.all(grads < 0, axis=1)


def mixed_signs(grads: np.ndarray) -> np.ndarray:
    """Per row: some component > 0 and some < 0."""
    return np.any(grads > 0, axis=1) & np.any(grads < 0, axis=1)


def per_example_one_signed(kind: str, n: int, d: int, rng: np.random.Generator) -> float:
    """Fraction of per-example gradients on w that are one-signed, for a neuron with d
    inputs, random weights and bias, fitting a random teacher neuron."""
    X = inputs(kind, n, d, rng)
    w_teacher, w = rng.standard_normal(d), rng.standard_normal(d)
    b_teacher, b = rng.standard_normal(2)
    y = X @ w_teacher + b_teacher
    grads, _ = gradient_per_copy(np.tile(w, (n, 1)), X[:, None, :], y[:, None], b)
    return float(one_signed(grads).mean())


# ------------------------------------------------- descent towards the target


def sgd(X: np.ndarray, y: np.ndarray, lr: float, rng: np.random.Generator, max_steps: int):
    """Per-example SGD (one random example per step) from W_START on
    L = 1/2 (w.x - y)^2. Returns the path of w and the steps taken to come within
    TOLERANCE of W_STAR (None if it never did)."""
    w = mg.Tensor(W_START.copy(), requires_grad=True, name="w")
    path = [w.data.copy()]
    for step in range(1, max_steps + 1):
        i = rng.integers(len(X))
        loss = 0.5 * ((w * X[i]).sum() - y[i]) ** 2
        w.zero_grad()
        loss.backward()
        w.data -= lr * w.grad
        path.append(w.data.copy())
        distance = np.linalg.norm(w.data - W_STAR)
        if distance < TOLERANCE:
            return np.array(path), step
        if not distance < 1e3:  # diverged (or NaN): this learning rate is too large
            break
    return np.array(path), None


@dataclass
class Descent:
    """Per-example SGD runs at one learning rate, each with its own example order."""

    lr: float
    paths: list[np.ndarray]
    steps: np.ndarray  # steps to the target per run; inf for a run that never got there

    @property
    def median_steps(self) -> float:
        return float(np.median(self.steps))

    def typical_path(self) -> np.ndarray:
        """The path of the run whose step count is the median one."""
        return self.paths[int(np.argsort(self.steps)[len(self.steps) // 2])]


def descend(X, y, lr, runs, max_steps, seed) -> Descent:
    results = [sgd(X, y, lr, np.random.default_rng([seed, run]), max_steps) for run in range(runs)]
    steps = np.array([np.inf if s is None else s for _, s in results])
    return Descent(lr, [path for path, _ in results], steps)


def tune_lr(kind, X, y, grid, runs, max_steps, seed) -> Descent:
    """The learning rate of ``grid`` with the fewest median steps to the target:
    each kind of input gets its own best rate, so neither is handicapped."""
    best = None
    for lr in progress(grid, desc=f"lr search, {kind} inputs"):
        descent = descend(X, y, float(lr), runs, max_steps, seed)
        if best is None or descent.median_steps < best.median_steps:
            best = descent
    return best


def mixed_sign_fraction(X, y, weights, batch_size, trials, rng) -> float:
    """Fraction of batch gradients (summed over batch_size random examples) with mixed
    signs, each taken at a weight vector drawn from ``weights``."""
    w = weights[rng.integers(len(weights), size=trials)]
    idx = rng.integers(len(X), size=(trials, batch_size))
    grads, _ = gradient_per_copy(w, X[idx], y[idx])
    return float(mixed_signs(grads).mean())


# ------------------------------------------------------------------ figures


def loss_surface(X, y, w1, w2):
    """Mean loss 1/2 (w.x - y)^2 over the data on a grid of (w1, w2).

    Expanded as 1/2 (w^T C w - 2 w^T c + mean(y^2)) with C = mean(x x^T) and
    c = mean(y x), so the grid costs the same however many examples there are.
    """
    W = np.stack([w1.ravel(), w2.ravel()], axis=1)
    C, c = X.T @ X / len(X), X.T @ y / len(X)
    quadratic = np.einsum("gi,ij,gj->g", W, C, W)
    return (0.5 * (quadratic - 2 * W @ c + np.mean(y**2))).reshape(w1.shape)


def measure_start_signs(result, data) -> dict[str, float]:
    """The share of one-signed per-example gradients of the figures' 2-weight neuron
    at its start, over every example (the figure draws some of them)."""
    fractions = {}
    for kind, (X, y) in data.items():
        g, _ = gradient_per_copy(np.tile(W_START, (len(X), 1)), X[:, None, :], y[:, None])
        fractions[kind] = float(one_signed(g).mean())
    result.report(
        "one_signed_fraction_at_start",
        {f"{kind} inputs": f for kind, f in fractions.items()},
        f"the figures' 2-input neuron at w = (0, 0), no bias: per-example gradients "
        f"with one sign (all {len(X)} examples)",
    )
    return fractions


def plot_gradient_signs(
    result, data, start_signs, mixed, mixed_start, rng, batch_size=16, shown=300
):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 5), layout="constrained")
    start = np.tile(W_START, (shown, 1))
    for ax, (kind, (X, y)) in zip(axes[:2], data.items(), strict=True):
        g, _ = gradient_per_copy(start, X[:shown, None, :], y[:shown, None])
        lim = 1.1 * np.abs(g).max()
        # quadrants II and IV: the updates that raise one weight and lower the other
        ax.fill_between([-lim, 0], 0, lim, color=GREY, alpha=0.2, lw=0)
        ax.fill_between([0, lim], -lim, 0, color=GREY, alpha=0.2, lw=0, label="mixed signs")
        ax.scatter(g[:, 0], g[:, 1], s=6, color=KIND_COLOUR[kind], label="one example")
        if kind == "positive":
            idx = rng.integers(len(X), size=(100, batch_size))
            sums, _ = gradient_per_copy(start[:100], X[idx], y[idx])
            means = sums / batch_size
            ax.scatter(
                means[:, 0],
                means[:, 1],
                s=12,
                marker="x",
                color="black",
                label=f"mean of a batch of {batch_size}",
            )
        ax.set_title(
            f"{kind} inputs: {start_signs[kind]:.1%} of per-example\ngradients have one sign"
        )
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.axhline(0, color="black", lw=0.5)
        ax.axvline(0, color="black", lw=0.5)
        ax.set_xlabel("dL/dw1")
        ax.set_ylabel("dL/dw2")
        ax.set_aspect("equal")
        ax.legend(loc="lower left", fontsize=8)
    ax = axes[2]
    sizes = list(mixed)
    ax.plot(sizes, list(mixed.values()), "o-", color=VERMILLION, label="at the weights SGD visits")
    ax.plot(sizes, list(mixed_start.values()), "s--", color=BLUE, label="at the start w = (0, 0)")
    ax.set_xscale("log", base=2)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("batch size")
    ax.set_ylabel("fraction of batch gradients with mixed signs")
    ax.set_title("Positive inputs: summing over a batch\ncan mix the signs")
    ax.legend(fontsize=8)
    fig.suptitle("Gradient on w = (w1, w2) of 1/2 (w.x - y)^2 at w = (0, 0), target (1, -1)")
    result.figure(
        fig,
        "zigzag_gradient_signs.png",
        f"Left and middle: per-example gradients of the 2-weight neuron at its start "
        f"({shown} of the {len(data['positive'][0])} examples drawn; the percentages count "
        "all of them). "
        "With positive inputs every one lies in the first or third quadrant (all "
        "components of one sign); with zero-centred inputs about half have mixed "
        "signs. Batch means (black crosses) can fall in the mixed quadrants. Right: how "
        "often a batch gradient has mixed signs, by batch size.",
    )


def plot_paths(result, data, best):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 5.2), layout="constrained")
    typical = {kind: descent.typical_path() for kind, descent in best.items()}
    corners = np.concatenate([W_STAR[None], W_START[None], *typical.values()])
    lo, hi = corners.min(axis=0) - 0.3, corners.max(axis=0) + 0.3
    w1, w2 = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    for ax, (kind, descent) in zip(axes[:2], best.items(), strict=True):
        surface = loss_surface(*data[kind], w1, w2)
        levels = np.geomspace(1e-3, surface.max(), 12)
        ax.contour(w1, w2, surface, levels=levels, colors=GREY, linewidths=0.7)
        path = typical[kind]
        ax.plot(
            path[:, 0],
            path[:, 1],
            ".-",
            color=KIND_COLOUR[kind],
            lw=1,
            ms=4,
            label=f"per-example SGD, lr {descent.lr:.3g}",
        )
        ax.plot(*W_START, "o", color="black", label="start")
        ax.plot(*W_STAR, "*", color=GREEN, ms=14, label="target")
        ax.set_title(f"{kind} inputs: {len(path) - 1} steps to the target\n(a median run)")
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_aspect("equal")
        ax.legend(fontsize=8, loc="upper right")
    ax = axes[2]
    for kind, descent in best.items():
        for i, path in enumerate(descent.paths):
            distance = np.linalg.norm(path - W_STAR, axis=1)
            label = f"{kind} inputs (median {descent.median_steps:g} steps)" if i == 0 else None
            ax.plot(distance, color=KIND_COLOUR[kind], alpha=0.4, lw=1, label=label)
    ax.axhline(TOLERANCE, color="black", ls=":", lw=1, label=f"tolerance {TOLERANCE}")
    ax.set_yscale("log")
    ax.set_xlabel("SGD step (one example per step)")
    ax.set_ylabel("distance |w - target|")
    ax.set_title("Every run, each with its own example order")
    ax.legend(fontsize=8)
    fig.suptitle("A 2-weight neuron learning w = (1, -1) from w = (0, 0): contours of the loss")
    result.figure(
        fig,
        "zigzag_paths.png",
        "Per-example SGD paths on contours of the mean loss. Positive inputs make "
        "the loss a long narrow valley and every step points up-right or "
        "down-left: the path zig-zags across the valley while creeping along it. "
        "Zero-centred inputs give round contours and steps in any direction. "
        "Each kind of input uses its own best learning rate; smaller rates take smaller "
        "zig-zag steps and need more of them.",
    )


def draw_per_example_graph(result):
    """The computation graph of the per-example trick on three examples."""
    rng = np.random.default_rng(0)
    X = inputs("positive", 3, 2, rng)
    _, loss = gradient_per_copy(np.tile(W_START, (3, 1)), X[:, None, :], (X @ W_STAR)[:, None])
    result.graph(
        mg.draw(loss, title="per-example gradients: one copy of w per example"),
        "zigzag_per_example_graph",
        "The per-example trick: w is copied once per example (shape 3x1x2), each "
        "copy multiplies only its own example, so after backward row i of the "
        "copies' .grad is example i's gradient.",
    )


# ---------------------------------------------------------------------- run


def measure_one_signed(result, n, rng, d=4):
    """Section 1: per-example gradients of a neuron with d inputs and a bias."""
    positive = per_example_one_signed("positive", n, d, rng)
    centred = per_example_one_signed("centred", n, d, rng)
    by_dim = {k: per_example_one_signed("centred", n, k, rng) for k in (2, 3, 4, 8)}
    text = f"per-example gradients on w with one sign, {d} inputs"
    result.report("one_signed_fraction_positive", positive, f"{text}, positive")
    result.report("one_signed_fraction_centred", centred, f"{text}, zero-centred")
    result.report(
        "one_signed_fraction_centred_by_dim",
        by_dim,
        "the same for zero-centred inputs, by number of inputs d",
    )
    result.note(
        f"Every per-example gradient on w was one-signed with positive inputs "
        f"({positive:.0%} of {n}, as the algebra says: it is x times one number); with "
        f"zero-centred inputs {centred:.1%} were, close to 2^(1-d) = {2.0 ** (1 - d):.1%} "
        f"for d = {d} independent symmetric inputs (d = 2, 3, 8: "
        f"{by_dim[2]:.1%}, {by_dim[3]:.1%}, {by_dim[8]:.1%})."
    )


def measure_descent(result, data, grid, runs, max_steps, seed) -> dict[str, Descent]:
    """Section 2: per-example SGD on the 2-weight neuron, each kind at its best rate."""
    best = {kind: tune_lr(kind, *data[kind], grid, runs, max_steps, seed) for kind in data}
    for kind, descent in best.items():
        median = descent.median_steps
        result.report(
            f"steps_to_target_{kind}",
            int(median) if np.isfinite(median) else None,
            f"per-example SGD steps to within {TOLERANCE} of the target, {kind} inputs "
            f"(median of {runs} runs, lr {descent.lr:.3g})",
        )
        result.report(f"lr_{kind}", descent.lr, f"best learning rate, {kind} inputs")
    ratio = best["positive"].median_steps / best["centred"].median_steps
    result.report("steps_ratio", ratio, "steps, positive / zero-centred inputs")
    result.note(
        f"Per-example SGD (one random example per step) needed a median "
        f"{best['positive'].median_steps:g} steps with positive inputs and "
        f"{best['centred'].median_steps:g} with zero-centred ones ({ratio:.1f}x), each at "
        "its own best learning rate: every positive-input step points up-right or "
        "down-left, and the path zig-zags. The cost is real but modest, as CS231n says."
    )
    return best


def measure_batches(result, data, best, trials, rng):
    """Section 3: summed over a batch, the update can have mixed signs."""
    X, y = data["positive"]
    visited = np.concatenate(best["positive"].paths)
    mixed = {b: mixed_sign_fraction(X, y, visited, b, trials, rng) for b in BATCH_SIZES}
    mixed_start = {b: mixed_sign_fraction(X, y, W_START[None], b, trials, rng) for b in BATCH_SIZES}
    result.report(
        "mixed_sign_batch_fraction",
        mixed,
        "positive inputs: batch gradients with mixed signs at the weights SGD "
        "visited, by batch size",
    )
    result.report(
        "mixed_sign_batch_fraction_at_start", mixed_start, "the same at the start w = (0, 0)"
    )
    largest = BATCH_SIZES[-1]
    result.note(
        f"Summed over a batch, the update had mixed signs in {mixed[largest]:.0%} of "
        f"batches of {largest} at the weights SGD visited (never at batch size 1), and in "
        f"{mixed_start[largest]:.0%} at the start, which lies on the floor of the valley "
        "where the mean gradient itself points along it: batching 'somewhat mitigates' "
        "the restriction, by how much depends on where the weights are."
    )
    return mixed, mixed_start


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("zigzag", TITLE, CLAIM, out)
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    n = 500 if quick else 2000
    runs = 7 if quick else 21
    grid = 2.0 ** np.arange(-1, 4) if quick else 2.0 ** (np.arange(-2, 7) / 2)  # 1/2 ... 8
    max_steps = 1000 if quick else 2000
    trials = 500 if quick else 2000
    print(f"{TITLE}: {n} examples, {runs} SGD runs per learning rate")

    measure_one_signed(result, n, rng)
    data = {}
    for kind in ("positive", "centred"):
        X = inputs(kind, n, 2, rng)
        data[kind] = (X, X @ W_STAR)  # a noiseless teacher: the target is reachable
    best = measure_descent(result, data, grid, runs, max_steps, seed)
    mixed, mixed_start = measure_batches(result, data, best, trials, rng)

    start_signs = measure_start_signs(result, data)
    plot_gradient_signs(result, data, start_signs, mixed, mixed_start, rng)
    plot_paths(result, data, best)
    draw_per_example_graph(result)
    result.report("seconds", time.perf_counter() - start, "time (s)")
    return result


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
