"""Dying ReLUs: a large update can switch a ReLU unit off for good.

A ReLU unit whose input is <= 0 on every training example outputs 0 there and
passes back a gradient of exactly 0, so nothing moves its weights again: it
is dead. This demo follows one unit as it dies, sweeps SGD's learning rate and
counts dead units over training, compares leaky ReLU, PReLU and maxout at the
highest rate, and estimates by Monte Carlo how often a deep, narrow ReLU
network is dead before any training at all (Lu et al. 2019).

Run: python -m demos.dying_relu [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, main_for, progress
from minigrad.nn import functional as F

TITLE = "Dying ReLUs: dead units, learning rates and the cures"
CLAIM = (
    "CS231n ('Neural Networks Part 1'): a large gradient flowing through a ReLU unit can "
    "update its weights so that it never activates on any data point again; its gradient is "
    "then zero forever. With a learning rate set too high, 'as much as 40%' of a network can "
    "die (an anecdote, not a measurement); a lower learning rate, leaky ReLU, PReLU or maxout "
    "keep units alive. Lu et al. 2019 ('Dying ReLU and initialization') prove that a deep, "
    "narrow ReLU network is dead at initialisation (its output is the same for every input) "
    "with a probability that tends to 1 as depth grows; a rough simulation of their setting "
    "gives about 0.9 for width 2 and depth 10, and about 0.1 for width 8 and depth 40."
)

# Okabe-Ito colours, safe for every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# The learning rates from low to high: cool colours to hot ones (yellow is too pale on white).
LR_COLOURS = ["#56B4E9", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#000000", "#D55E00"]

SIZES = [64, 64, 64, 64, 10]  # 8x8 digits -> three hidden layers of 64 units -> 10 classes
HIDDEN_UNITS = sum(SIZES[1:-1])
LEARNING_RATES = [2.0**k for k in range(-5, 2)]  # 1/32 ... 2: a log grid, factor 2
BATCH_SIZE = 32
# Gradients are clipped to norm 1 for every network. Without it the high learning
# rates make leaky ReLU, PReLU and maxout networks overflow to NaN, while a ReLU
# network survives them only by dying: no comparison would be left. Clipped, each
# update is at most lr long, which is still big enough to knock units out.
CLIP_NORM = 1.0
ACTIVATIONS = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU (slope 0.01)",
    "prelu": "PReLU (learned slope)",
    "maxout": "maxout (2 pieces)",
}


# ---------------------------------------------------------------- training


@dataclass
class Run:
    """One training run: what its hidden units did, checked on the whole training set."""

    activation: str
    lr: float
    seed: int
    model: mg.nn.MLP
    check_steps: list[int] = field(default_factory=list)
    dead: list[float] = field(default_factory=list)  # fraction of hidden units dead
    inactive: list[float] = field(default_factory=list)  # fraction with input <= 0 everywhere
    largest_input: list[np.ndarray] = field(default_factory=list)  # per unit, max over examples
    # Only when following the first layer: its weights and weight gradient before each step.
    first_layer: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    train_accuracy: float = float("nan")

    def check(self, X: np.ndarray, step: int) -> None:
        dead = mg.diagnostics.dead_units(self.model, X)
        inactive = mg.diagnostics.inactive_units(self.model, X)
        self.check_steps.append(step)
        self.dead.append(sum(dead.values()) / HIDDEN_UNITS)
        self.inactive.append(sum(inactive.values()) / HIDDEN_UNITS)
        self.largest_input.append(np.concatenate([u.max(axis=0) for u in unit_inputs(self, X)]))

    def recovered(self) -> np.ndarray:
        """Per hidden unit: was it inactive at some check and active at a later one?"""
        inactive = np.array(self.largest_input) <= 0
        seen_inactive = np.logical_or.accumulate(inactive, axis=0)
        return (seen_inactive[:-1] & ~inactive[1:]).any(axis=0)


def unit_inputs(run: Run, X: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, what decides whether each unit is on, for every example: its
    input (for maxout, its output). ``mg.diagnostics`` counts such units per layer;
    this keeps which ones, so that a unit can be followed from check to check."""
    values = []
    with mg.no_grad():
        h = mg.Tensor(X)
        for layer in run.model.layers:
            out = layer(h)
            if isinstance(layer, mg.nn.Maxout):
                values.append(out.data)
            elif isinstance(layer, mg.nn.Activation):
                values.append(h.data)
            h = out
    return values


def first_linear(model: mg.nn.MLP) -> mg.nn.Linear:
    layer = model.layers[0]
    return layer.linear if isinstance(layer, mg.nn.Maxout) else layer


def train(activation, lr, seed, epochs, X, y, check_every, follow=False) -> Run:
    """SGD on the digits, checking dead and inactive units every ``check_every`` steps."""
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = mg.nn.MLP(SIZES, activation=activation)
    opt = mg.optim.SGD(model.parameters(), lr=lr)
    run = Run(activation, lr, seed, model)
    first = first_linear(model)
    step = 0
    run.check(X, step)
    for _ in progress(range(epochs), desc=f"{activation} lr={lr:g} seed={seed}"):
        for xb, yb in mg.data.batches(X, y, BATCH_SIZE, rng=rng):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            if follow:
                w, b, g = first.weight, first.bias, first.weight.grad
                run.first_layer.append((w.data.copy(), b.data.copy(), g.copy()))
            mg.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
            opt.step()
            step += 1
            if step % check_every == 0:
                run.check(X, step)
    if run.check_steps[-1] != step:  # the last check is at the end of training
        run.check(X, step)
    if follow:  # the weights after the last step, with no gradient
        w, b = first.weight.data.copy(), first.bias.data.copy()
        run.first_layer.append((w, b, np.full_like(w, np.nan)))
    with mg.no_grad():
        run.train_accuracy = mg.data.accuracy(model(X), y)
    return run


# ------------------------------------------------------- one unit dying


@dataclass
class Death:
    """A first-layer ReLU unit that a single update switched off for good."""

    unit: int
    step: int  # the update of this step switched it off
    before: np.ndarray  # its pre-activation on every training example, before that update
    after: np.ndarray  # ... and after it
    largest: np.ndarray  # max over the training set of its pre-activation, at every step
    grad_norm: np.ndarray  # norm of its weight gradient at every step
    update_ratio: float  # that update's length / the median of its earlier updates


def find_death(run: Run, X: np.ndarray) -> Death | None:
    """The first unit of the first layer to die for good in ``run``.

    The first layer is where a death is certain to be final: its input is the
    fixed data, so a unit that is off on every example gets a zero gradient, its
    weights never move, and it stays off. (A deeper unit's input still changes
    as the layers below it learn, so it could in principle come back.)"""
    weights = [w for w, _, _ in run.first_layer]
    biases = [b for _, b, _ in run.first_layer]
    pre = [X @ w.T + b for w, b in zip(weights, biases, strict=True)]  # (examples, units)
    largest = np.array([z.max(axis=0) for z in pre])  # (steps + 1, units)
    grads = np.array([np.linalg.norm(g, axis=1) for _, _, g in run.first_layer[:-1]])
    on = largest > 0
    dies = on[0] & ~on[-1]  # alive at the start, off on every example at the end
    if not dies.any():
        return None
    # the last step at which each unit was still on somewhere: that step's update killed it
    last_on = on.shape[0] - 1 - np.argmax(on[::-1], axis=0)
    candidates = np.flatnonzero(dies)
    unit = int(candidates[np.argmin(last_on[candidates])])  # the first to die
    step = int(last_on[unit])
    moves = [
        np.sqrt(
            np.sum((weights[t + 1][unit] - weights[t][unit]) ** 2)
            + (biases[t + 1][unit] - biases[t][unit]) ** 2
        )
        for t in range(step + 1)
    ]
    typical = np.median(moves[:-1]) if step > 0 else np.nan
    return Death(
        unit=unit,
        step=step,
        before=pre[step][:, unit],
        after=pre[step + 1][:, unit],
        largest=largest[:, unit],
        grad_norm=grads[:, unit],
        update_ratio=float(moves[-1] / typical) if typical > 0 else float("nan"),
    )


# ----------------------------------------------------- dead at birth


def dead_at_birth_depth(width: int, depth: int, trials: int, bias_std: float, rng) -> np.ndarray:
    """For ``trials`` random ReLU networks (1 input, ``depth`` hidden layers of
    ``width`` units, He init), the first depth at which the network is dead at
    birth, or ``depth + 1`` if it never is.

    Dead at birth (Lu et al. 2019): the output is the same for every input. Here:
    the last hidden layer's outputs are constant over 101 inputs evenly spaced on
    [-1, 1]; then so is anything computed from them. Once a layer is constant,
    every later one is too, so one network of depth 40 also answers for each of
    its first 2, 3, ... layers: we record the first constant layer.
    All networks are drawn at once: axis 0 is the trial.
    """
    h = np.broadcast_to(np.linspace(-1.0, 1.0, 101)[None, :, None], (trials, 101, 1))
    first = np.full(trials, depth + 1)
    for layer in range(1, depth + 1):
        fan_in = h.shape[-1]
        W = rng.normal(0.0, np.sqrt(2.0 / fan_in), (trials, fan_in, width))  # "he" in mg.nn
        z = h @ W
        if bias_std:
            z = z + rng.normal(0.0, bias_std, (trials, 1, width))
        h = np.maximum(z, 0.0)
        constant = (h.max(axis=1) == h.min(axis=1)).all(axis=-1)
        first = np.where((first > depth) & constant, layer, first)
    return first


def mlp_dead_at_birth(width: int, depth: int, nets: int, rng) -> float:
    """The same question asked of ``mg.nn.MLP`` itself: how many of ``nets`` freshly
    built networks give one output for every input?"""
    x = np.linspace(-1.0, 1.0, 101)[:, None]
    dead = 0
    for _ in range(nets):
        model = mg.nn.MLP([1] + [width] * depth + [1], rng=rng)
        with mg.no_grad():
            out = model(x).data
        dead += bool(np.ptp(out) == 0)
    return dead / nets


# ---------------------------------------------------------------- figures


def plot_death(death: Death, run: Run, result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    ax = axes[0]
    bins = np.linspace(
        min(death.before.min(), death.after.min()), max(death.before.max(), death.after.max()), 40
    )
    ax.hist(
        death.before, bins=bins, color=OKABE_ITO[0], alpha=0.7, label=f"before step {death.step}"
    )
    ax.hist(death.after, bins=bins, color=OKABE_ITO[3], alpha=0.7, label=f"after step {death.step}")
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("pre-activation w·x + b")
    ax.set_ylabel("training examples")
    ax.set_title(f"Unit {death.unit} of layer 1 over the training set")
    ax.legend(fontsize=8)

    ax = axes[1]
    ax.plot(death.largest, color=OKABE_ITO[0])
    ax.axhline(0, color="black", lw=1)
    ax.axvline(death.step + 1, color=OKABE_ITO[3], ls="--", label="the killing update")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("max over examples of w·x + b")
    ax.set_title("Its largest pre-activation: below 0 for good")
    ax.legend(fontsize=8)

    ax = axes[2]
    steps = np.arange(len(death.grad_norm))
    zero = death.grad_norm == 0
    ax.plot(steps[~zero], death.grad_norm[~zero], ".", color=OKABE_ITO[0], label="gradient > 0")
    ax.plot(
        steps[zero],
        death.grad_norm[zero],
        ".",
        color=OKABE_ITO[3],
        ms=3,
        label="gradient exactly 0",
    )
    ax.axvline(death.step + 1, color=OKABE_ITO[3], ls="--")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("‖∂loss/∂w‖ of this unit")
    ax.set_title("Its weight gradient: exactly 0 ever after")
    ax.legend(fontsize=8)
    fig.suptitle(f"A ReLU unit dying (SGD, lr = {run.lr:g}, seed {run.seed})")
    fig.tight_layout()
    result.figure(
        fig,
        "dying_relu_unit.png",
        f"One first-layer ReLU unit, SGD at lr {run.lr:g}: its pre-activation over the whole "
        f"training set before and after update {death.step}, its largest pre-activation over "
        "training, and its weight gradient, exactly 0 after the update.",
    )


def plot_learning_rates(runs: dict[float, list[Run]], result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    for i, (lr, lr_runs) in enumerate(runs.items()):
        colour = LR_COLOURS[i % len(LR_COLOURS)]
        for k, run in enumerate(lr_runs):
            ax1.plot(
                run.check_steps,
                run.dead,
                color=colour,
                alpha=0.8,
                label=f"lr = {lr:g}" if k == 0 else None,
            )
        finals = [r.dead[-1] for r in lr_runs]
        ax2.plot([lr] * len(finals), finals, "o", color=colour, alpha=0.6)
    medians = [np.median([r.dead[-1] for r in rs]) for rs in runs.values()]
    ax2.plot(list(runs), medians, "-", color="black", label="median")
    ax2.axhline(0.4, color="#7f7f7f", ls=":", label="CS231n's 'as much as 40%'")
    ax1.set_xlabel("SGD step")
    ax1.set_ylabel("fraction of hidden units dead")
    ax1.set_title("ReLU units dead on the whole training set, over training")
    # below the axes: inside, the legend met the lines of the highest rate
    ax1.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.17))
    ax2.set_xscale("log", base=2)
    ax2.set_xlabel("learning rate (SGD, gradients clipped to norm 1)")
    ax2.set_ylabel("fraction dead at the end")
    ax2.set_title("Dead ReLU units after training, by learning rate")
    ax2.legend(fontsize=8)
    result.figure(
        fig,
        "dead_fraction_by_lr.png",
        "A 64-64-64-64-10 ReLU MLP on the digits: the fraction of its 192 hidden units that are "
        "dead (zero derivative on every training example), over training and at the end, for "
        "each learning rate (one dot per seed). Plain SGD with gradients clipped to norm 1, "
        "so a step is never longer than the learning rate. Only the highest rate kills many "
        "units; the lowest rates end with a few more dead units than the middle ones.",
    )


def plot_activations(runs: dict[str, list[Run]], lr: float, result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(16, 4.6), layout="constrained")
    for i, (name, act_runs) in enumerate(runs.items()):
        run = act_runs[0]
        ax1.plot(run.check_steps, run.dead, color=OKABE_ITO[i], label=ACTIVATIONS[name])
        ax2.plot(run.check_steps, run.inactive, color=OKABE_ITO[i], label=ACTIVATIONS[name])
    for ax, what in ((ax1, "dead: derivative 0"), (ax2, "inactive: input <= 0")):
        ax.set_xlabel("SGD step")
        ax.set_ylabel("fraction of hidden units")
        ax.set_title(f"Units {what} on every example, lr = {lr:g}")
    ax2.sharey(ax1)
    # Legends below the panels: inside, they hid the lines.
    handles, labels = ax1.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, ncol=4, loc="outside lower left")

    # Two first-layer units, whose input is the fixed data, switched off on every
    # example: a ReLU unit (it stays off) and the leaky ReLU unit that stayed off
    # longest before coming back.
    for i, name in enumerate(runs):
        if name not in ("relu", "leaky_relu"):
            continue
        run = runs[name][0]
        largest = np.array(run.largest_input)[:, :64]
        off = largest <= 0
        if name == "relu":
            # on at the start and off at the end (in the first layer: off for good)
            gone = off & off[-1] & ~off[0]
            unit, checks = int(np.argmax(gone.sum(axis=0))), int(gone.sum(axis=0).max())
            label = f"ReLU unit {unit}: off, stays off"
        else:
            unit, checks = longest_off_then_on(off)
            label = f"leaky ReLU unit {unit}: off, then back on"
        if checks:
            ax3.plot(run.check_steps, largest[:, unit], color=OKABE_ITO[i], marker=".", label=label)
    ax3.axhline(0, color="black", lw=1)
    ax3.set_yscale("symlog", linthresh=1e-2)  # linear near 0, logarithmic further out
    ax3.set_xlabel("SGD step")
    ax3.set_ylabel("max over the training set of w·x + b")
    ax3.set_title("Layer 1: off on every example, then?")
    if ax3.get_legend_handles_labels()[0]:
        fig.legend(*ax3.get_legend_handles_labels(), fontsize=8, loc="outside lower right")
    result.figure(
        fig,
        "activations_at_high_lr.png",
        f"At lr {lr:g}, for each activation: the fraction of hidden units dead (zero "
        "derivative on every training example) and inactive (input <= 0 on every example) "
        "over training; and two first-layer units that went off on every example: a ReLU "
        "unit that never returns, and a leaky ReLU unit that did.",
    )


def longest_off_then_on(off: np.ndarray) -> tuple[int, int]:
    """The clearest comeback among the units (columns of ``off``, checks x units):
    the longest stretch of checks off followed by a check on, preferring units that
    were on at the start and are on at the end. Returns (unit, stretch), stretch 0
    if no unit ever came back."""
    best_unit, best = 0, (False, 0)
    for unit in range(off.shape[1]):
        on_at_both_ends = not off[0, unit] and not off[-1, unit]
        streak = 0
        for is_off in off[:, unit]:
            if is_off:
                streak += 1
                continue
            if streak and (on_at_both_ends, streak) > best:
                best_unit, best = unit, (on_at_both_ends, streak)
            streak = 0
    return best_unit, best[1]


def plot_dead_at_birth(curves: dict[str, dict[int, np.ndarray]], max_depth, result) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    depths = np.arange(1, max_depth + 1)
    styles = {"biases 0 (as mg.nn)": "-", "biases N(0, 1)": "--"}
    for style_name, per_width in curves.items():
        for i, (width, first) in enumerate(per_width.items()):
            p = [np.mean(first <= d) for d in depths]
            ax.plot(
                depths,
                p,
                styles[style_name],
                color=OKABE_ITO[i],
                label=f"width {width}, {style_name}",
            )
    ax.plot([10, 40], [0.9, 0.1], "k*", ms=10, label="Lu et al. (rough): w2 d10, w8 d40")
    ax.set_xlabel("depth (hidden layers)")
    ax.set_ylabel("P(dead at birth)")
    ax.set_title("Deep, narrow ReLU networks dead at initialisation (He init)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    result.figure(
        fig,
        "dead_at_birth.png",
        "Monte Carlo: the probability that a randomly initialised ReLU network (1 input, He "
        "init) computes a constant function, by depth and width; stars: the rough values "
        "quoted for Lu et al. 2019.",
    )


# ---------------------------------------------------------------- the demo


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("dying_relu", TITLE, CLAIM, out)
    X, y, _, _ = mg.data.digits(seed=seed)
    epochs = 3 if quick else 10
    every = 20  # steps between checks of the whole training set
    learning_rates = LEARNING_RATES[::2] if quick else LEARNING_RATES
    seeds = [seed] if quick else [seed, seed + 1, seed + 2]
    top_lr = LEARNING_RATES[-1]
    print(f"{TITLE}: MLP {SIZES} on {len(X)} digits, SGD, {epochs} epochs, seeds {seeds}")

    # 1. The learning-rate sweep, ReLU. The first run at the top rate keeps the first
    #    layer's weights at every step, to follow one unit as it dies.
    relu_runs = {
        lr: [
            train("relu", lr, s, epochs, X, y, every, follow=(lr == top_lr and s == seed))
            for s in seeds
        ]
        for lr in learning_rates
    }
    dead_by_lr = {lr: float(np.median([r.dead[-1] for r in rs])) for lr, rs in relu_runs.items()}
    result.report("dead_fraction_by_lr", dead_by_lr, "ReLU, fraction of hidden units dead, by lr")
    result.report(
        "dead_fraction_at_init",
        float(np.median([r.dead[0] for r in relu_runs[top_lr]])),
        "ReLU, fraction dead before training",
    )
    result.report(
        "train_accuracy_by_lr",
        {lr: float(np.median([r.train_accuracy for r in rs])) for lr, rs in relu_runs.items()},
        "ReLU, training accuracy, by lr",
    )
    result.report(
        "dead_fraction_top_lr_runs",
        [r.dead[-1] for r in relu_runs[top_lr]],
        f"ReLU, fraction dead at lr {top_lr:g}, each run",
    )
    result.report("runs_per_setting", len(seeds), "runs per setting (numbers are medians)")

    # 2. One unit's death, in the followed run.
    followed = relu_runs[top_lr][0]
    death = find_death(followed, X)
    if death is None:
        result.note(f"No first-layer unit died for good at lr {top_lr:g} in this run.")
    else:
        after = death.grad_norm[death.step + 1 :]
        result.report("followed_unit", {"layer": 1, "unit": death.unit, "died_at_step": death.step})
        result.report(
            "followed_active_before",
            float(np.mean(death.before > 0)),
            "share of examples on which it was active, before the update",
        )
        result.report(
            "followed_max_after",
            float(death.after.max()),
            "its largest pre-activation over the training set, after",
        )
        result.report(
            "followed_update_ratio",
            death.update_ratio,
            "that update's length / its median earlier update",
        )
        result.report(
            "followed_zero_grad_steps",
            f"{int(np.sum(after == 0))} of {len(after)}",
            "later steps with its weight gradient exactly 0",
        )
        plot_death(death, followed, result)

    # 3. The other activations at the top learning rate.
    act_runs = {"relu": relu_runs[top_lr]}
    for name in ("leaky_relu", "prelu", "maxout"):
        act_runs[name] = [train(name, top_lr, s, epochs, X, y, every) for s in seeds]

    def median_of(values) -> float:
        return float(np.median(values))

    result.report(
        "dead_fraction_by_activation",
        {n: median_of([r.dead[-1] for r in rs]) for n, rs in act_runs.items()},
        f"fraction of hidden units dead at lr {top_lr:g}",
    )
    result.report(
        "inactive_fraction_by_activation",
        {n: median_of([r.inactive[-1] for r in rs]) for n, rs in act_runs.items()},
        f"fraction of hidden units inactive at lr {top_lr:g}",
    )
    result.report(
        "ever_inactive_by_activation",
        {
            n: median_of([(np.array(r.largest_input) <= 0).any(axis=0).mean() for r in rs])
            for n, rs in act_runs.items()
        },
        "fraction of hidden units inactive at some check",
    )
    result.report(
        "recovered_units",
        {n: int(np.median([r.recovered().sum() for r in rs])) for n, rs in act_runs.items()},
        "units inactive at some check and active at a later one",
    )
    # In the first layer a ReLU unit's input is the fixed data: off there means off for
    # good. Deeper units see inputs that keep changing, so they can flicker back.
    first_layer = {}
    for n, rs in act_runs.items():
        run = rs[0]
        ever_off = (np.array(run.largest_input)[:, :64] <= 0).any(axis=0).sum()
        first_layer[n] = f"{run.recovered()[:64].sum()} of {ever_off}"
    result.report(
        "first_layer_recovered",
        first_layer,
        f"first layer (seed {seed}): units back on, of those ever off",
    )
    result.report(
        "train_accuracy_by_activation",
        {n: median_of([r.train_accuracy for r in rs]) for n, rs in act_runs.items()},
        f"training accuracy at lr {top_lr:g}",
    )

    # 4. Dead at birth, by Monte Carlo over random initialisations.
    rng = np.random.default_rng(seed)
    trials, max_depth = (300, 20) if quick else (2000, 40)
    curves = {
        style: {w: dead_at_birth_depth(w, max_depth, trials, bias_std, rng) for w in (2, 4, 8)}
        for style, bias_std in (("biases 0 (as mg.nn)", 0.0), ("biases N(0, 1)", 1.0))
    }
    depths = [d for d in (2, 5, 10, 20, 40) if d <= max_depth]

    def table(per_width):
        return {
            f"width={w},depth={d}": float(np.mean(first <= d))
            for w, first in per_width.items()
            for d in depths
        }

    at_birth = result.report(
        "dead_at_birth",
        table(curves["biases 0 (as mg.nn)"]),
        f"P(dead at birth), biases 0, {trials} networks each",
    )
    result.report(
        "dead_at_birth_random_bias",
        table(curves["biases N(0, 1)"]),
        "P(dead at birth), biases N(0, 1)",
    )
    nets = 50 if quick else 300
    check = mlp_dead_at_birth(2, 10, nets, rng)
    result.report(
        "dead_at_birth_mlp_check",
        check,
        f"mg.nn.MLP width 2, depth 10: share of {nets} with a constant output",
    )

    # 5. The network with dead units, drawn layer by layer on the whole training set,
    # so that its dead cells are the units counted dead above.
    model = followed.model
    loss = F.cross_entropy(model(X), y)
    model.zero_grad()
    loss.backward()
    drawn_dead = result.report(
        "graph_dead_cells",
        {name: int(m.sum()) for name, m in mg.diagnostics.unit_masks(model, X).items()},
        "dead units per ReLU layer, drawn as dead cells",
    )
    result.graph(
        mg.draw(loss, model=model, title=f"ReLU MLP after SGD at lr {top_lr:g}, all training data"),
        "dying_relu_graph",
        f"The ReLU network trained at lr {top_lr:g}, after one backward pass on all "
        f"{len(X)} training images. Each ReLU layer has a strip of one cell per unit: "
        f"the {sum(drawn_dead.values())} grey, crossed cells are its dead units (f' = 0 on "
        "every training image: they pass no gradient back and never learn again); blue "
        "cells pass gradient, deeper blue on more of the images. Each box also gives the "
        "gradient reaching it relative to the output's. Hover a cell (open the picture) "
        "for its unit number and numbers.",
    )

    # 6. Figures and the comparison with the claims.
    plot_learning_rates(relu_runs, result)
    plot_activations(act_runs, top_lr, result)
    plot_dead_at_birth(curves, max_depth, result)
    write_notes(result, death, top_lr, at_birth, check)
    return result


def write_notes(result: Result, death: Death | None, top_lr: float, at_birth, check) -> None:
    n = result.numbers
    by_lr = n["dead_fraction_by_lr"]
    low_lr = min(by_lr)
    if death is not None:
        zero, later = (int(v) for v in n["followed_zero_grad_steps"].split(" of "))
        verdict = "dead for good, as CS231n says" if zero == later else "yet it moved again"
        result.note(
            f"Followed unit {death.unit} of the first layer: before update {death.step} it was "
            f"active on {n['followed_active_before']:.0%} of the training examples; one update "
            f"{death.update_ratio:.1f} times its median earlier length left its largest "
            f"pre-activation at {death.after.max():.3g}, and its weight gradient was exactly 0 "
            f"at {zero} of {later} later steps: {verdict}."
        )
    lower = [v for lr, v in by_lr.items() if lr < top_lr]
    top_runs = n["dead_fraction_top_lr_runs"]
    kills = by_lr[top_lr] > max(lower)
    best_lr = min((lr for lr in by_lr if lr < top_lr), key=lambda lr: by_lr[lr])
    if by_lr[low_lr] > by_lr[best_lr]:
        lowest = (
            f"A lower rate did not keep more units alive: the lowest, lr {low_lr:g}, ended "
            f"with {by_lr[low_lr]:.0%} dead, more than the {by_lr[best_lr]:.0%} at lr "
            f"{best_lr:g} ({n['dead_fraction_at_init']:.0%} were dead before training). "
        )
    else:
        lowest = "Below the highest rate, a lower rate kept as many units alive or more. "
    result.note(
        f"Before training, {n['dead_fraction_at_init']:.0%} of the ReLU units are already dead "
        f"on the digits. Trained at lr {low_lr:g} to {max(by_lr.keys() - {top_lr}):g}, the "
        f"dead fraction ends between {min(lower):.0%} and {max(lower):.0%}; at lr {top_lr:g} "
        f"it ends at {by_lr[top_lr]:.0%} (median; single runs "
        f"{', '.join(f'{v:.0%}' for v in top_runs)}). "
        + (
            "So a learning rate set too high kills units. "
            if kills
            else "Here the highest rate did not kill more units than the lower ones. "
        )
        + lowest
        + "CS231n's 'as much as 40%' is an anecdote; the worst run here lost "
        f"{max(top_runs):.0%}. These networks train with plain SGD and gradients clipped to "
        f"norm {CLIP_NORM:g}, so no step is longer than the learning rate; lesson 9 trains "
        "with momentum 0.9 and no clipping, so its learning rates and dead fractions are not "
        "comparable with these."
    )
    dead = n["dead_fraction_by_activation"]
    inactive = n["inactive_fraction_by_activation"]
    back = n["recovered_units"]
    first = n["first_layer_recovered"]
    others = [a for a in dead if a != "relu"]
    alive = [ACTIVATIONS[a].split(" (")[0] for a in others if dead[a] == 0]
    accuracy = n["train_accuracy_by_activation"]
    relu_rank = sorted(accuracy.values()).index(accuracy["relu"])
    result.note(
        f"At lr {top_lr:g}, ReLU ended with {dead['relu']:.0%} dead units; "
        + (", ".join(alive) + " with none" if alive else "every other activation had some")
        + " (their derivative is never 0 on a whole data set). They can still be inactive "
        f"(input <= 0 on every example): {inactive['leaky_relu']:.0%} of leaky ReLU units and "
        f"{inactive['prelu']:.0%} of PReLU units at the end. Such units still pass a small "
        "gradient and can come back: in the first layer, whose input is the fixed data, "
        f"{first['leaky_relu']} leaky ReLU units that had been off on every example came back "
        f"on, and {first['relu']} ReLU units did. Deeper units flicker for every activation "
        f"({back['relu']} ReLU, {back['leaky_relu']} leaky ReLU and {back['prelu']} PReLU units "
        "came back, over all layers), because the layers below them keep changing their input. "
        "Training accuracy at this rate: "
        + ", ".join(f"{ACTIVATIONS[k].split(' (')[0]} {v:.0%}" for k, v in accuracy.items())
        + (
            "; ReLU, with its dead units, trained worst."
            if relu_rank == 0
            else "; ReLU trained best: keeping units alive did not make the others train better."
            if relu_rank == len(accuracy) - 1
            else "; keeping units alive did not by itself decide which trained best."
        )
    )
    two_10 = at_birth.get("width=2,depth=10")
    eight = at_birth.get("width=8,depth=40")
    tail = f"; width 8, depth 40: {eight:.2f} (Lu et al.: about 0.1)" if eight is not None else ""
    random_bias = n["dead_at_birth_random_bias"]["width=2,depth=10"]
    result.note(
        f"Dead at birth (biases 0, as mg.nn initialises them): width 2, depth 10: {two_10:.2f} "
        f"(Lu et al.: about 0.9){tail}. With N(0, 1) biases, width 2, depth 10: "
        f"{random_bias:.2f}. Built as mg.nn.MLP networks of width 2 and depth 10, {check:.0%} "
        "gave the same output for every input. The probability rises with depth and falls "
        "quickly with width."
    )


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
