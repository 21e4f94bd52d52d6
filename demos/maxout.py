"""Maxout contains ReLU and leaky ReLU exactly, learns convex pieces, and costs twice the weights.

A maxout unit (Goodfellow et al. 2013) outputs the largest of k linear
functions of its input. With k = 2 and the pieces ``(w, b)`` and ``(a w, a b)``
it is ``max(z, a z)`` with ``z = w.x + b``: for ``0 <= a <= 1`` that is leaky
ReLU with slope ``a``, and ``a = 0`` (the pieces ``(w, b)`` and ``(0, 0)``) is
ReLU. This demo checks both to float precision, shows what ``a > 1`` gives
instead, plots the convex piecewise-linear functions that trained maxout units
learn, and measures the price: twice the weights of every hidden layer and
more time per training step than ReLU at the same widths.

Run: python -m demos.maxout [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, main_for, progress
from minigrad.nn import functional as F

TITLE = "Maxout: ReLU and leaky ReLU as special cases, at twice the weights"
CLAIM = (
    "Goodfellow et al. (2013) define a maxout unit as the max of k linear functions, "
    "max(w1.x + b1, w2.x + b2) for k = 2, and report 0.94% test error on "
    "permutation-invariant MNIST and 11.68% on CIFAR-10 with it. The CS231n notes point "
    "out that it generalises ReLU (w1 = 0, b1 = 0) and leaky ReLU, so it keeps their "
    "linear, non-saturating regime without dying, but doubles the parameters (and the "
    "compute) of every hidden layer for k = 2."
)

# Okabe-Ito colours, distinguishable with every common colour-vision deficiency.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

SLOPES = [0.0, 0.01, 0.1, 0.25, 0.5, 0.9, 1.0]  # leaky ReLU slopes a, all in [0, 1]


# ------------------------------------------------------------ equivalence


def maxout_unit(w: np.ndarray, b: float, w2: np.ndarray, b2: float) -> mg.nn.Maxout:
    """One maxout unit with two pieces set by hand: max(w.x + b, w2.x + b2).

    Unit u's pieces are rows u*pieces ... u*pieces + pieces - 1 of its linear
    layer; with one unit they are rows 0 and 1.
    """
    unit = mg.nn.Maxout(len(w), 1, pieces=2)
    unit.linear.weight.data[:] = np.stack([w, w2])
    unit.linear.bias.data[:] = [b, b2]
    return unit


def max_abs_diff(a: mg.Tensor, b: mg.Tensor) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def input_gradient(f, x: np.ndarray) -> np.ndarray:
    """d sum(f(x)) / dx: each example's gradient with respect to its own input."""
    xt = mg.Tensor(x, requires_grad=True)
    f(xt).sum().backward()
    return xt.grad


def check_equivalences(x: np.ndarray, w: np.ndarray, b: float, result: Result) -> None:
    z = lambda x: x @ w + b  # the unit's input projection
    leaky_diffs, grad_diffs = [], []
    for a in SLOPES:
        unit = maxout_unit(w, b, a * w, a * b)
        leaky = lambda x, a=a: mg.leaky_relu(z(x), slope=a)
        with mg.no_grad():
            leaky_diffs.append(max_abs_diff(unit(x)[:, 0], leaky(x)))
        grad_diffs.append(max_abs_diff(input_gradient(unit, x), input_gradient(leaky, x)))
    result.report(
        "leaky_equivalence_max_abs_diff",
        max(leaky_diffs),
        f"max |maxout((w, b), (a w, a b)) - leaky ReLU(w.x + b, a)| over a in {SLOPES}",
    )
    result.report("leaky_gradient_max_abs_diff", max(grad_diffs), "same, for the gradients d/dx")

    relu_unit = maxout_unit(w, b, np.zeros_like(w), 0.0)
    with mg.no_grad():
        diff = max_abs_diff(relu_unit(x)[:, 0], mg.relu(z(x)))
    result.report(
        "relu_equivalence_max_abs_diff", diff, "max |maxout((w, b), (0, 0)) - relu(w.x + b)|"
    )
    grad = max_abs_diff(input_gradient(relu_unit, x), input_gradient(lambda x: mg.relu(z(x)), x))
    result.report("relu_gradient_max_abs_diff", grad, "same, for the gradients d/dx")
    result.report("inputs_compared", len(x), "random inputs compared")


def check_kink(w: np.ndarray, result: Result) -> None:
    """At z = 0 exactly the two pieces tie: the functions agree, their subgradients need not."""
    x0 = np.zeros((1, len(w)))  # with b = 0 this input sits on the kink, z = 0
    a = 0.25
    maxout_grad = input_gradient(maxout_unit(w, 0.0, a * w, 0.0), x0)[0] / w
    leaky_grad = input_gradient(lambda x: mg.leaky_relu(x @ w, slope=a), x0)[0] / w
    relu_maxout_grad = input_gradient(maxout_unit(w, 0.0, 0 * w, 0.0), x0)[0] / w
    relu_grad = input_gradient(lambda x: mg.relu(x @ w), x0)[0] / w
    result.report(
        "kink_derivative",
        {
            "maxout_as_leaky": float(maxout_grad[0]),
            "leaky_relu": float(leaky_grad[0]),
            "maxout_as_relu": float(relu_maxout_grad[0]),
            "relu": float(relu_grad[0]),
        },
        f"d unit / dz at z = 0 (a = {a})",
    )


def check_slope_above_one(x: np.ndarray, w: np.ndarray, b: float, result: Result) -> None:
    """For a > 1 the second piece wins for z >= 0: max(z, a z) = a * leaky_relu(z, 1/a)."""
    a = 2.0
    unit = maxout_unit(w, b, a * w, a * b)
    z = mg.Tensor(x @ w + b)
    with mg.no_grad():
        out = unit(x)[:, 0]
        result.report(
            "slope2_vs_leaky_max_abs_diff",
            max_abs_diff(out, mg.leaky_relu(z, slope=a)),
            "a = 2: max |maxout - leaky ReLU(z, 2)| (not the same function)",
        )
        result.report(
            "slope2_vs_scaled_leaky_max_abs_diff",
            max_abs_diff(out, a * mg.leaky_relu(z, slope=1 / a)),
            "a = 2: max |maxout - 2 leaky ReLU(z, 1/2)|",
        )


def plot_equivalence(w: np.ndarray, b: float, result: Result) -> None:
    import matplotlib.pyplot as plt

    z = np.linspace(-3, 3, 241)
    # Inputs along w whose projection w.x + b runs through the grid z.
    x = ((z - b) / (w @ w))[:, None] * w[None, :]
    marks = slice(None, None, 12)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    # Every slope the equivalence was checked at (SLOPES), so the figure shows the text's a.
    colours = ["#0072B2", "#56B4E9", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#000000"]
    for colour, a in zip(colours, SLOPES, strict=True):
        with mg.no_grad():
            unit_out = np.asarray(maxout_unit(w, b, a * w, a * b)(x))[:, 0]
        left.plot(
            z, np.asarray(mg.leaky_relu(z, slope=a)), color=colour, label=f"leaky ReLU, a={a}"
        )
        left.plot(z[marks], unit_out[marks], "o", color=colour, mfc="none")
    left.set_title(
        "0 <= a <= 1: maxout of (w, b), (a w, a b) is leaky ReLU\n"
        "lines: leaky_relu(z, a); circles: the maxout unit; a = 0: ReLU",
        fontsize=10,
    )
    a = 2.0
    with mg.no_grad():
        unit_out = np.asarray(maxout_unit(w, b, a * w, a * b)(x))[:, 0]
    right.plot(z, unit_out, color=COLOURS[0], lw=2.5, label="maxout: max(z, 2z)")
    right.plot(
        z,
        np.asarray(mg.leaky_relu(z, slope=a)),
        "--",
        color=COLOURS[3],
        label="leaky_relu(z, slope=2)",
    )
    right.plot(
        z[marks],
        2 * np.asarray(mg.leaky_relu(z, slope=0.5))[marks],
        "o",
        color=COLOURS[2],
        mfc="none",
        label="2 * leaky_relu(z, slope=1/2)",
    )
    right.set_title(
        "a = 2 > 1: the second piece wins for z >= 0, so the unit\n"
        "gives 2z there and z below: not leaky ReLU with slope 2",
        fontsize=10,
    )
    for ax in (left, right):
        ax.axhline(0, color="#999999", lw=0.6)
        ax.axvline(0, color="#999999", lw=0.6)
        ax.set_xlabel("input projection z = w.x + b")
        ax.set_ylabel("unit output")
        ax.legend(fontsize=8, loc="lower right")  # nothing is drawn there
    result.figure(
        fig,
        "maxout_equivalence.png",
        "A two-piece maxout unit with pieces (w, b) and (a w, a b) computed over inputs "
        "along w, against leaky ReLU of the projection z: the same function for "
        f"0 <= a <= 1 (left, every slope checked: a in {SLOPES}), a different one for "
        "a = 2 (right).",
    )


# ------------------------------------------------------- learned units


def target(x: np.ndarray) -> np.ndarray:
    return np.sin(1.5 * x)


def train_1d(width: int, steps: int, seed: int) -> tuple[mg.nn.MLP, np.ndarray, float]:
    """Fit sin(1.5 x) on [-3, 3] with a maxout MLP 1-width-width-1 (Adam, mean squared error)."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-3, 3, 200)[:, None]
    y = mg.Tensor(target(x))
    model = mg.nn.MLP([1, width, width, 1], activation="maxout", rng=rng)
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    for _ in progress(range(steps), desc="fit sin(1.5x)"):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, x, loss.item()


def first_layer_pieces(model: mg.nn.MLP, x: np.ndarray) -> np.ndarray:
    """The two linear pieces of every first-layer unit at the inputs x: (points, units, 2)."""
    maxout = model.layers[0]
    with mg.no_grad():
        z = np.asarray(maxout.linear(x))
    return z.reshape(len(x), maxout.out_features, maxout.pieces)


def plot_learned_units(model: mg.nn.MLP, mse: float, result: Result) -> None:
    import matplotlib.pyplot as plt

    grid = np.linspace(-3, 3, 400)[:, None]
    with mg.no_grad():
        fit = np.asarray(model(grid))[:, 0]
    pieces = first_layer_pieces(model, grid)
    # Show the units whose output varies most over the range: they shape the fit.
    spread = np.ptp(pieces.max(axis=-1), axis=0)
    shown = np.argsort(spread)[::-1][:4]

    fig = plt.figure(figsize=(12, 5.5), layout="constrained")
    grid_spec = fig.add_gridspec(2, 4)
    ax = fig.add_subplot(grid_spec[:, :2])
    ax.plot(grid[:, 0], target(grid[:, 0]), color="#999999", lw=5, label="target sin(1.5 x)")
    ax.plot(grid[:, 0], fit, color=COLOURS[0], lw=2, label=f"maxout MLP, MSE {mse:.1g}")
    ax.set_title("The fit: MLP 1-16-16-1, maxout with k = 2 pieces")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=9)
    for i, (u, colour) in enumerate(zip(shown, COLOURS[1:], strict=False)):
        ax = fig.add_subplot(grid_spec[i // 2, 2 + i % 2])
        for p in range(pieces.shape[-1]):
            ax.plot(grid[:, 0], pieces[:, u, p], ":", color="#555555", lw=1)
        ax.plot(grid[:, 0], pieces[:, u].max(axis=-1), color=colour, lw=2.5)
        ax.set_title(f"first-layer unit {u}", fontsize=10)
        ax.set_xlabel("x", fontsize=9)
        ax.set_ylabel("unit output", fontsize=9)
    fig.suptitle(
        "Each trained maxout unit is a convex piecewise-linear function of its input "
        "(dotted: its two linear pieces; solid: their max, the unit's output)",
        fontsize=11,
    )
    result.figure(
        fig,
        "maxout_learned_units.png",
        "A maxout MLP fitted to sin(1.5 x); each first-layer unit is the max of two "
        "lines in x, so convex and piecewise linear. The next layer combines them "
        "into the non-convex fit.",
    )


# ------------------------------------------------------------------- cost


def count_parameters(model: mg.nn.Module) -> int:
    return sum(p.size for p in model.parameters())


def hidden_parameters(model: mg.nn.MLP) -> int:
    """Parameters of every layer but the output layer (the last Linear)."""
    return count_parameters(model) - count_parameters(model.layers[-1])


def step_time(model: mg.nn.MLP, x: np.ndarray, y: np.ndarray) -> float:
    """CPU seconds of one training step: forward, backward and an SGD update.

    CPU time of this process, not wall-clock time, so that other programs busy on
    the same cores do not count."""
    opt = mg.optim.SGD(model.parameters(), lr=1e-3)
    start = time.process_time()
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return time.process_time() - start


def measure_cost(widths: list[int], repeats: int, seed: int) -> dict:
    """Parameters and median step time of ReLU and maxout MLPs 64-W-W-10, batch 128.

    The batch is random: 128 inputs of the 8x8 digits' size (64) with 10 classes. A
    step's time depends on the sizes, not on the values."""
    rng = np.random.default_rng(seed)
    xb, yb = rng.standard_normal((128, 64)), rng.integers(0, 10, size=128)
    cost: dict[str, dict[str, list]] = {
        name: {"parameters": [], "ms": []} for name in ("relu", "maxout")
    }
    for width in progress(widths, desc="step times"):
        models = {
            name: mg.nn.MLP([64, width, width, 10], activation=name, rng=rng) for name in cost
        }
        times: dict[str, list[float]] = {name: [] for name in cost}
        for _ in range(repeats):
            # Alternate the two, so a busy moment on the machine slows both alike.
            for name, model in models.items():
                times[name].append(step_time(model, xb, yb))
        for name, model in models.items():
            cost[name]["parameters"].append(count_parameters(model))
            cost[name]["ms"].append(1000 * float(np.median(times[name][1:])))  # 1st: warm-up
    return cost


def activation_op_ms(name: str, width: int, repeats: int, seed: int) -> float:
    """Median CPU ms of the activation op alone, forward and backward, on a batch of 128:
    relu on 128 x W pre-activations, maxout on the 128 x 2W that a maxout layer computes."""
    rng = np.random.default_rng(seed)
    z = mg.Tensor(
        rng.standard_normal((128, 2 * width if name == "maxout" else width)), requires_grad=True
    )
    f = (lambda z: mg.maxout(z, 2)) if name == "maxout" else mg.relu
    times = []
    for _ in range(repeats):
        start = time.process_time()
        f(z).sum().backward()
        times.append(time.process_time() - start)
    return 1000 * float(np.median(times))


def plot_cost(widths: list[int], cost: dict, result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    pos = np.arange(len(widths))
    for i, (name, colour) in enumerate([("relu", COLOURS[0]), ("maxout", COLOURS[1])]):
        label = "ReLU" if name == "relu" else "maxout (k = 2)"
        left.bar(pos + (i - 0.5) * 0.4, cost[name]["parameters"], 0.4, color=colour, label=label)
        right.plot(widths, cost[name]["ms"], "o-", color=colour, label=label)
    for i, width in enumerate(widths):
        ratio = cost["maxout"]["parameters"][i] / cost["relu"]["parameters"][i]
        left.annotate(
            f"x{ratio:.2f}",
            (pos[i] + 0.2, cost["maxout"]["parameters"][i]),
            ha="center",
            va="bottom",
            fontsize=8,
        )
        ratio = cost["maxout"]["ms"][i] / cost["relu"]["ms"][i]
        right.annotate(
            f"x{ratio:.1f}",
            (width, cost["maxout"]["ms"][i]),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    left.set_xticks(pos, [f"W={w}" for w in widths])
    left.set_xlabel("hidden width W (MLP 64-W-W-10)")
    left.set_ylabel("parameters")
    left.set_title("Parameters: maxout doubles every hidden layer")
    right.set_xlabel("hidden width W (MLP 64-W-W-10)")
    right.set_ylabel("CPU ms per training step (median, batch 128)")
    right.set_title("Time per training step (forward, backward, SGD)")
    right.margins(y=0.12)  # room for the ratio labels
    for ax in (left, right):
        ax.legend()
    result.figure(
        fig,
        "maxout_cost.png",
        "The cost of maxout: parameters and measured time per training step of "
        "ReLU and maxout MLPs with the same widths, for batches of 128 inputs of the 8x8 "
        "digits' size.",
    )


def expected_parameters(sizes: list[int], pieces: int) -> tuple[int, int]:
    """(hidden, output) parameter counts by formula: each hidden layer of a maxout MLP
    is a Linear(n_in, pieces * n_out), so pieces * (n_in * n_out + n_out) parameters."""
    layers = list(zip(sizes[:-1], sizes[1:], strict=False))
    hidden = sum(pieces * (n_in * n_out + n_out) for n_in, n_out in layers[:-1])
    n_in, n_out = layers[-1]
    return hidden, n_in * n_out + n_out


def multiply_adds(sizes: list[int], pieces: int) -> int:
    """Multiply-adds per example in the linear layers; hidden layers have ``pieces`` times
    the outputs (pieces = 1: ReLU)."""
    layers = list(zip(sizes[:-1], sizes[1:], strict=False))
    return sum(pieces * n_in * n_out for n_in, n_out in layers[:-1]) + sizes[-2] * sizes[-1]


# -------------------------------------------------------------------- run


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("maxout", TITLE, CLAIM, out)
    mg.manual_seed(seed)
    print(TITLE)
    show_equivalences(quick, seed, result)
    show_learned_units(quick, seed, result)
    show_cost(quick, seed, result)
    return result


def show_equivalences(quick: bool, seed: int, result: Result) -> None:
    """Maxout against leaky ReLU and ReLU over many random inputs in 5 dimensions (float64)."""
    rng = np.random.default_rng(seed)
    n = 2_000 if quick else 20_000
    x = 3 * rng.standard_normal((n, 5))
    w, b = rng.standard_normal(5), float(rng.standard_normal())
    check_equivalences(x, w, b, result)
    check_kink(w, result)
    check_slope_above_one(x, w, b, result)
    plot_equivalence(w, b, result)
    leaky = result.numbers["leaky_equivalence_max_abs_diff"]
    relu = result.numbers["relu_equivalence_max_abs_diff"]
    result.note(
        f"Exact as the claim says: over {n:,} random inputs and slopes a in {SLOPES}, the "
        f"maxout unit with pieces (w, b) and (a w, a b) differs from leaky_relu(w.x + b, a) by "
        f"at most {leaky:.1e}, and with pieces (w, b) and (0, 0) from relu(w.x + b) by at most "
        f"{relu:.1e}. That is float64 rounding: the unit computes its pieces in one matrix "
        "product, which may sum in another order, and (a w).x + a b rounds differently from "
        "a (w.x + b). ReLU is the case a = 0 of the leaky construction."
    )
    kink = result.numbers["kink_derivative"]
    result.note(
        "The functions agree everywhere, and so do their gradients except at the kink z = 0, "
        "where the two pieces tie and minigrad's maxout splits the gradient evenly "
        f"(d/dz = {kink['maxout_as_leaky']:g} for a = 0.25, {kink['maxout_as_relu']:g} as ReLU) "
        f"while leaky_relu'(0) = {kink['leaky_relu']:g} and relu'(0) = {kink['relu']:g} by "
        "convention. Any value between the two slopes is a valid subgradient there."
    )
    result.note(
        "The condition 0 <= a <= 1 matters: for a = 2, max(z, 2z) is 2z for z >= 0 and z "
        "below, i.e. 2 leaky_relu(z, 1/2) (max difference "
        f"{result.numbers['slope2_vs_scaled_leaky_max_abs_diff']:.1e}), not leaky_relu(z, 2) "
        f"(max difference {result.numbers['slope2_vs_leaky_max_abs_diff']:.3g})."
    )


def show_learned_units(quick: bool, seed: int, result: Result) -> None:
    """What trained maxout units look like, and the trained network's graph."""
    steps = 300 if quick else 1500
    model, x, mse = train_1d(16, steps, seed)
    result.report(
        "fit_mse", mse, f"maxout MLP 1-16-16-1 fitting sin(1.5 x), MSE after {steps} steps"
    )
    plot_learned_units(model, mse, result)
    loss = F.mse_loss(model(x[::50]), mg.Tensor(target(x[::50])))
    loss.backward()
    result.graph(
        mg.draw(loss, model=model, title="maxout MLP 1-16-16-1, 4 points"),
        "maxout_graph",
        "The trained maxout MLP on 4 points, one box per layer: each Maxout layer is a "
        "linear layer with twice the outputs (its own box) followed by the maxout, which "
        "passes each unit's gradient to its winning piece only. The maxout's unit strip "
        "has no dead or saturated cell: one piece always passes the whole gradient.",
    )


def show_cost(quick: bool, seed: int, result: Result) -> None:
    """The price: parameters (counted) and time per training step (measured)."""
    widths = [64, 128] if quick else [64, 128, 256, 512]
    repeats = 5 if quick else 30
    cost = measure_cost(widths, repeats, seed)
    sizes = [64, widths[-1], widths[-1], 10]
    relu_mlp = mg.nn.MLP(sizes, activation="relu")
    maxout_mlp = mg.nn.MLP(sizes, activation="maxout")
    result.report("cost_sizes", sizes, "MLP widths compared")
    result.report("relu_parameters", count_parameters(relu_mlp), "ReLU MLP parameters")
    result.report("maxout_parameters", count_parameters(maxout_mlp), "maxout MLP parameters")
    result.report(
        "relu_hidden_parameters", hidden_parameters(relu_mlp), "ReLU MLP, hidden-layer parameters"
    )
    result.report(
        "maxout_hidden_parameters",
        hidden_parameters(maxout_mlp),
        "maxout MLP, hidden-layer parameters",
    )
    result.report(
        "parameter_ratio",
        result.numbers["maxout_parameters"] / result.numbers["relu_parameters"],
        "parameters, maxout / ReLU (whole MLP)",
    )
    result.report(
        "hidden_parameter_ratio",
        result.numbers["maxout_hidden_parameters"] / result.numbers["relu_hidden_parameters"],
        "parameters, maxout / ReLU (hidden layers)",
    )
    ratios = [m / r for m, r in zip(cost["maxout"]["ms"], cost["relu"]["ms"], strict=False)]
    result.report(
        "ms_per_step",
        {
            f"{name} W={w}": ms
            for name in cost
            for w, ms in zip(widths, cost[name]["ms"], strict=False)
        },
        "ms per training step, batch 128 (median)",
    )
    result.report(
        "time_ratios",
        {str(w): r for w, r in zip(widths, ratios, strict=False)},
        "time per step, maxout / ReLU, by hidden width",
    )
    result.report("time_ratio", ratios[-1], f"time per step, maxout / ReLU at width {widths[-1]}")
    plot_cost(widths, cost, result)
    hidden, output = expected_parameters(sizes, 2)
    result.note(
        f"Parameters, counted for the MLP {'-'.join(map(str, sizes))}: each hidden layer of the "
        f"maxout MLP is a Linear(n_in, 2 n_out), so its hidden layers hold exactly twice the "
        f"ReLU MLP's ({hidden:,} = 2 x {hidden // 2:,}); the output layer ({output:,}) is the "
        f"same, so the whole MLP has {result.numbers['parameter_ratio']:.3f} times the "
        "parameters, just under the claimed 2x."
    )
    width = widths[-1]
    op_ms = {name: activation_op_ms(name, width, repeats, seed) for name in cost}
    result.report(
        "activation_op_ms", op_ms, f"ms for the activation op alone, forward + backward, W={width}"
    )
    flops = multiply_adds(sizes, 2) / multiply_adds(sizes, 1)
    result.report(
        "multiply_add_ratio", flops, "multiply-adds per example in the linear layers, maxout / ReLU"
    )
    result.note(
        f"Time per training step, maxout / ReLU: {', '.join(f'{r:.2f}' for r in ratios)} at "
        f"widths {', '.join(map(str, widths))} (median CPU time of {repeats} steps, "
        f"batch 128), where counting the linear layers' multiply-adds predicts {flops:.2f}. "
        f"Besides those, the activation op itself costs {op_ms['maxout']:.2f} ms per layer "
        f"for maxout (forward and backward, width {width}) against {op_ms['relu']:.2f} ms for "
        "relu. This is a timing of minigrad on this machine: it depends on the implementation "
        "and the sizes, so it is reported, not asserted."
    )


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
