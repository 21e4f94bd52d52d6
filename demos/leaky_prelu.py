"""Leaky ReLU and PReLU: a fixed slope for x < 0, or one the network learns.

The same small convnet on the 8x8 digits, five times: with ReLU, with leaky
ReLU of slope 0.01 and 0.2, and with PReLU, whose slope is a parameter trained
with the weights, either one slope shared by a whole layer or one per channel
(He et al. 2015). The demo plots the slopes each layer learns over training and
compares the training curves, the steps to a training-accuracy threshold and
the test accuracy, over several seeds.

Run: python -m demos.leaky_prelu [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import minigrad as mg
from demos import digits_convnet
from demos.common import Result, main_for, progress
from demos.digits_convnet import images
from minigrad import nn
from minigrad.nn import functional as F

TITLE = "Leaky ReLU and PReLU: fixed and learned negative slopes"
CLAIM = (
    "Leaky ReLU (Maas et al. 2013) gives x < 0 a small fixed slope, about 0.01, instead of "
    "ReLU's 0; CS231n calls the results 'not always consistent'. PReLU (He et al. 2015, "
    "'Delving deep into rectifiers') learns the slope, one per layer (shared) or one per "
    "channel, initialised at 0.25 and trained without weight decay. On ImageNet their first "
    "conv layer learned about 0.68 (shared) and 0.60 (per channel), deeper layers tended to "
    "learn smaller slopes, and top-1 error improved by about 1.2 points over ReLU."
)

# Okabe-Ito colours, safe for every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]

CHANNELS = (8, 16)  # a small version of demos.digits_convnet's network, to afford 5 x 3 runs
INIT_SLOPE = 0.25  # He et al.'s initial value of a
# SGD with He et al.'s momentum and weight decay; the learning rate is chosen for this task,
# once, and shared by every variant.
LR, MOMENTUM, WEIGHT_DECAY = 0.05, 0.9, 5e-4
BATCH_SIZE = 32
THRESHOLD = 0.95  # training accuracy to reach
WINDOW = 20  # training accuracy = over the last WINDOW minibatches, as they were met


# Each variant makes the activation module that follows a layer with `channels` channels.
VARIANTS: dict[str, Callable[[int], nn.Activation]] = {
    "relu": lambda channels: nn.ReLU(),
    "leaky 0.01": lambda channels: nn.LeakyReLU(0.01),
    "leaky 0.2": lambda channels: nn.LeakyReLU(0.2),
    "prelu shared": lambda channels: nn.PReLU(init=INIT_SLOPE),
    "prelu per channel": lambda channels: nn.PReLU(num_parameters=channels, init=INIT_SLOPE),
}
LAYERS = ("conv1", "conv2")  # the two activation layers, input side first


def convnet(activation: Callable[[int], nn.Activation]) -> nn.Sequential:
    """demos.digits_convnet's network (smaller) with any activation module."""
    return digits_convnet.convnet(CHANNELS, activation)


def moving_average(values: list[float], window: int = WINDOW) -> np.ndarray:
    """At every step, the mean of the last ``window`` values (fewer at the start)."""
    v = np.asarray(values)
    sums = np.cumsum(np.concatenate([[0.0], v]))
    start = np.maximum(np.arange(1, len(v) + 1) - window, 0)
    return (sums[1:] - sums[start]) / (np.arange(1, len(v) + 1) - start)


@dataclass
class Run:
    variant: str
    seed: int
    model: nn.Sequential
    losses: list[float] = field(default_factory=list)  # minibatch loss at every step
    batch_accuracy: list[float] = field(default_factory=list)  # before each update
    slopes: dict[str, list[np.ndarray]] = field(default_factory=dict)  # layer -> slopes per step
    test_accuracy: float = float("nan")

    def steps_to_threshold(self) -> int | None:
        """First step at which the training accuracy over the last WINDOW minibatches
        reaches THRESHOLD (counted once a full window has been seen)."""
        running = moving_average(self.batch_accuracy)
        reached = np.flatnonzero(running[WINDOW - 1 :] >= THRESHOLD)
        return int(reached[0]) + WINDOW if len(reached) else None


def prelu_layers(model: nn.Sequential) -> dict[str, nn.PReLU]:
    layers = [m for m in model if isinstance(m, nn.Activation)]
    return {name: m for name, m in zip(LAYERS, layers, strict=True) if isinstance(m, nn.PReLU)}


def train(variant: str, seed: int, epochs: int, data) -> Run:
    X, y, X_test, y_test = data
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = convnet(VARIANTS[variant])
    run = Run(variant, seed, model)
    # Two optimizers with one rule: weight decay shrinks the weights but not the slopes.
    # Decay on a slope would pull it towards 0, that is towards ReLU (He et al. 2015).
    prelus = prelu_layers(model)
    slopes = [m.weight for m in prelus.values()]
    weights = [p for p in model.parameters() if not any(p is s for s in slopes)]
    optimizers = [mg.optim.SGD(weights, lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)]
    if slopes:
        optimizers.append(mg.optim.SGD(slopes, lr=LR, momentum=MOMENTUM))
    run.slopes = {name: [m.weight.data.copy()] for name, m in prelus.items()}

    for _ in progress(range(epochs), desc=f"{variant}, seed {seed}"):
        for xb, yb in mg.data.batches(X, y, BATCH_SIZE, rng=rng):
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            for opt in optimizers:
                opt.zero_grad()
            loss.backward()
            for opt in optimizers:
                opt.step()
            run.losses.append(loss.item())
            run.batch_accuracy.append(mg.data.accuracy(logits, yb))
            for name, m in prelus.items():
                run.slopes[name].append(m.weight.data.copy())
    with mg.no_grad():
        run.test_accuracy = mg.data.accuracy(model(X_test), y_test)
    return run


# ---------------------------------------------------------------- figures


def plot_slopes(runs: dict[str, list[Run]], result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for k, run in enumerate(runs["prelu shared"]):
        for i, (layer, history) in enumerate(run.slopes.items()):
            ax1.plot(
                [s[0] for s in history],
                color=OKABE_ITO[i],
                alpha=1.0 if k == 0 else 0.35,
                label=f"{layer}, seed {run.seed}",
            )
    for i, layer in enumerate(LAYERS):
        history = np.array(runs["prelu per channel"][0].slopes[layer])  # (steps, channels)
        steps = np.arange(len(history))
        ax2.plot(steps, history.mean(axis=1), color=OKABE_ITO[i], label=f"{layer}: mean")
        ax2.fill_between(
            steps,
            history.min(axis=1),
            history.max(axis=1),
            color=OKABE_ITO[i],
            alpha=0.2,
            label=f"{layer}: min to max over channels",
        )
    for ax, what in ((ax1, "one slope per layer (shared)"), (ax2, "one slope per channel")):
        ax.axhline(INIT_SLOPE, color="#7f7f7f", ls=":", label="initial value 0.25")
        ax.set_xlabel("SGD step")
        ax.set_title(f"PReLU slopes learned, {what}")
        ax.legend(fontsize=8)
    ax1.set_ylabel("slope a for x < 0")
    seed = runs["prelu per channel"][0].seed
    fig.tight_layout()
    result.figure(
        fig,
        "prelu_slopes.png",
        "The negative-side slope each PReLU layer learns on the digits convnet, from 0.25: "
        f"shared per layer (one line per layer; seed {seed} bold, the other seeds faint), and "
        f"per channel (seed {seed}: mean and the range over the layer's channels).",
    )


def plot_convergence(runs: dict[str, list[Run]], result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(16, 4))
    names = list(runs)
    for i, (variant, variant_runs) in enumerate(runs.items()):
        curves = np.array([moving_average(run.losses) for run in variant_runs])
        ax1.plot(np.median(curves, axis=0), color=OKABE_ITO[i], label=variant)
        steps = [r.steps_to_threshold() for r in variant_runs]
        reached = [s for s in steps if s is not None]
        ax2.plot([i] * len(reached), reached, "o", color=OKABE_ITO[i], alpha=0.7)
        if len(reached) < len(steps):
            ax2.plot([i], [len(variant_runs[0].losses)], "x", color=OKABE_ITO[i], ms=10)
        accuracies = [r.test_accuracy for r in variant_runs]
        ax3.plot([i] * len(accuracies), accuracies, "o", color=OKABE_ITO[i], alpha=0.7)
        ax3.plot([i - 0.2, i + 0.2], [np.median(accuracies)] * 2, color="black")
    ax1.set_yscale("log")
    ax1.set_xlabel("SGD step")
    ax1.set_ylabel(f"training loss (mean of the last {WINDOW} minibatches)")
    ax1.set_title("Training loss (median over seeds)")
    ax1.legend(fontsize=8)
    ax2.set_ylabel("SGD steps")
    ax2.set_title(f"Steps to {THRESHOLD:.0%} training accuracy (x: not reached)")
    ax3.set_ylabel("test accuracy")
    ax3.set_title("Test accuracy (one dot per seed, bar: median)")
    for ax in (ax2, ax3):
        ax.set_xticks(range(len(names)), names, rotation=20)
    fig.tight_layout()
    result.figure(
        fig,
        "leaky_prelu_convergence.png",
        "The same convnet and SGD settings with five activations: training loss over the steps, "
        f"steps until the accuracy on the last {WINDOW} training minibatches reaches "
        f"{THRESHOLD:.0%}, and accuracy on the held-out digits.",
    )


# ---------------------------------------------------------------- the demo


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("leaky_prelu", TITLE, CLAIM, out)
    X, y, X_test, y_test = mg.data.digits(seed=seed)
    data = (images(X), y, images(X_test), y_test)
    epochs = 1 if quick else 8
    seeds = [seed] if quick else [seed, seed + 1, seed + 2]
    print(
        f"{TITLE}: convnet {CHANNELS} on {len(X)} digits, SGD (lr {LR}, momentum {MOMENTUM}), "
        f"{epochs} epochs, seeds {seeds}"
    )

    runs = {v: [train(v, s, epochs, data) for s in seeds] for v in VARIANTS}

    def median(values) -> float:
        return float(np.median(values))

    shared = runs["prelu shared"]
    slopes = {layer: median([r.slopes[layer][-1][0] for r in shared]) for layer in LAYERS}
    result.report("learned_slopes", slopes, "learned slope, shared, median over seeds")
    result.report(
        "learned_slopes_runs",
        {layer: [float(r.slopes[layer][-1][0]) for r in shared] for layer in LAYERS},
        "learned slope, shared, each seed",
    )
    change = max(abs(a - INIT_SLOPE) for a in slopes.values())
    result.report("slope_change", change, "max |learned slope - 0.25| over layers")
    per_channel = {}
    for layer in LAYERS:
        final = np.concatenate([r.slopes[layer][-1] for r in runs["prelu per channel"]])
        per_channel[f"{layer} mean"] = float(final.mean())
        per_channel[f"{layer} min"] = float(final.min())
        per_channel[f"{layer} max"] = float(final.max())
    result.report("per_channel_slopes", per_channel, "learned slopes per channel, all seeds")

    result.report(
        "test_accuracy",
        {v: median([r.test_accuracy for r in rs]) for v, rs in runs.items()},
        "test accuracy, median over seeds",
    )
    result.report(
        "test_accuracy_spread",
        {v: float(np.ptp([r.test_accuracy for r in rs])) for v, rs in runs.items()},
        "test accuracy, max - min over seeds",
    )
    steps_runs = {v: [r.steps_to_threshold() for r in rs] for v, rs in runs.items()}
    # a run that never reached the threshold leaves its variant without a median
    steps = {v: None if None in s else median(s) for v, s in steps_runs.items()}
    result.report("steps_to_threshold", steps, f"steps to {THRESHOLD:.0%} training accuracy")
    result.report("steps_to_threshold_runs", steps_runs, "steps to the threshold, each seed")
    result.report(
        "final_train_loss",
        {v: median([np.mean(r.losses[-WINDOW:]) for r in rs]) for v, rs in runs.items()},
        f"training loss, mean of the last {WINDOW} minibatches",
    )

    # Lesson 6 in passing: ReLU channels can die at this learning rate, the others cannot.
    result.report(
        "dead_channels",
        {
            v: median(
                [
                    sum(mg.diagnostics.dead_units(r.model, data[0], batch_size=500).values())
                    for r in rs
                ]
            )
            for v, rs in runs.items()
        },
        f"channels dead on the whole training set, of {sum(CHANNELS)}",
    )

    # The PReLU network's graph: the slopes are parameters with gradients of their own.
    model = runs["prelu shared"][0].model
    loss = F.cross_entropy(model(data[0][:16]), data[1][:16])
    model.zero_grad()
    loss.backward()
    result.graph(
        mg.draw(loss, model=model, title="Convnet with PReLU, after training"),
        "leaky_prelu_graph",
        "The trained PReLU convnet on 16 digits, one box per layer: each PReLU's slope "
        "(1.weight and 4.weight, in the box's tooltip) is a parameter with its own "
        "gradient, and its strip has one cell per channel (blue: passing; orange: "
        "saturated, on the slope's side on every example).",
    )
    plot_slopes(runs, result)
    plot_convergence(runs, result)
    write_notes(result, len(seeds))
    return result


def write_notes(result: Result, n_seeds: int) -> None:
    n = result.numbers
    slopes, runs_slopes = n["learned_slopes"], n["learned_slopes_runs"]
    pc = n["per_channel_slopes"]
    conv2_smaller = sum(b < a for a, b in zip(*runs_slopes.values(), strict=True))
    above_one = sum(a > 1 for v in runs_slopes.values() for a in v)
    shared_off = abs(slopes["conv1"] - 0.68)  # He et al.'s first-layer values
    channel_off = abs(pc["conv1 mean"] - 0.60)
    moved = min(abs(a - INIT_SLOPE) for v in runs_slopes.values() for a in v)
    result.note(
        f"Learned shared slopes (median of {n_seeds} seeds): conv1 {slopes['conv1']:.2f}, "
        f"conv2 {slopes['conv2']:.2f} (each seed: "
        + "; ".join(f"{k} " + ", ".join(f"{a:.2f}" for a in v) for k, v in runs_slopes.items())
        + f"); conv2's is the smaller in {conv2_smaller} of {n_seeds}. Per channel: conv1 mean "
        f"{pc['conv1 mean']:.2f} (from {pc['conv1 min']:.2f} to {pc['conv1 max']:.2f}), conv2 "
        f"mean {pc['conv2 mean']:.2f} (from {pc['conv2 min']:.2f} to {pc['conv2 max']:.2f}). "
        "He et al. report about 0.68 (shared) and 0.60 (per channel) for their first conv "
        f"layer on ImageNet, smaller deeper. Every shared slope here moved at least {moved:.2f} "
        f"from 0.25, and {above_one} of {len(LAYERS) * n_seeds} ended above 1, where the "
        "negative side is the steeper: a shared slope's gradient is the sum of the gradients "
        "of all its layer's units, so at the same learning rate it moves much faster than a "
        "per-channel one. The per-channel mean of conv1 is "
        + ("closer to" if channel_off < shared_off else "no closer to")
        + " He et al.'s value than the shared slope is. Read these numbers as 'the network "
        "uses the freedom', not as a reproduction of ImageNet's: they depend on the task, the "
        "seed and the learning rate."
    )
    acc, spread = n["test_accuracy"], n["test_accuracy_spread"]
    gap = max(acc.values()) - min(acc.values())
    if n_seeds == 1:
        verdict = "One seed only (quick mode): no spread to compare the differences with."
    elif gap <= max(spread.values()):
        verdict = (
            f"The medians lie within {gap:.1%} of each other, no more than the spread between "
            "the seeds of one variant: on this small task no activation clearly wins on test "
            "accuracy, in line with CS231n's 'not always consistent'. It cannot test He et "
            "al.'s 1.2-point gain on ImageNet."
        )
    else:
        verdict = (
            f"The medians differ by up to {gap:.1%}, more than the spread between the seeds of "
            "any one variant; with this few seeds, read it as a hint, not a ranking."
        )
    result.note(
        "Test accuracy (median): "
        + ", ".join(f"{v} {a:.1%}" for v, a in acc.items())
        + f"; seeds of one variant differ by up to {max(spread.values()):.1%}. {verdict} "
        f"Dead channels at the end (median): "
        + ", ".join(f"{v} {d:g}" for v, d in n["dead_channels"].items())
        + "."
    )
    runs = n["steps_to_threshold_runs"]
    relu_fastest = min((s for s in runs["relu"] if s is not None), default=None)
    faster = [
        v
        for v, s in runs.items()
        if v != "relu" and None not in s and relu_fastest is not None and max(s) < relu_fastest
    ]
    result.note(
        f"Steps to {THRESHOLD:.0%} training accuracy (each seed): "
        + "; ".join(
            f"{v} " + ", ".join("not reached" if s is None else str(s) for s in steps)
            for v, steps in runs.items()
        )
        + ". "
        + (
            f"Every run of {', '.join(faster)} got there before the fastest ReLU run. All "
            "variants share one learning rate, chosen once; a rate tuned for each (as "
            "Krizhevsky et al. did for their ReLU/tanh comparison) could change the order."
            if faster
            else "No variant was faster than ReLU in every seed."
        )
    )


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
