"""Saturation and vanishing gradients in deep sigmoid, tanh and ReLU networks.

Six hidden layers of 64 units on the 8x8 digits, one network per activation
and initialisation. At initialisation: how much gradient reaches each layer
(the backward pass multiplies by every layer's local derivative, at most 0.25
for sigmoid). During training, as in Glorot & Bengio (2010): per-layer
gradients, the fraction of saturated units, and the activation values of each
layer, recorded at every step with ``mg.diagnostics.Recorder``.

Run: python -m demos.saturation [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, main_for, progress
from minigrad.nn import functional as F

TITLE = "Saturation and vanishing gradients"
CLAIM = (
    "The sigmoid's derivative is at most 0.25 (at 0) and tanh's at most 1, and both "
    "are nearly 0 in their tails: a saturated unit passes almost no gradient back. "
    "Glorot & Bengio (2010) found that with the 'standard' initialisation "
    "U[-1/sqrt(n), 1/sqrt(n)] the top hidden layer of a deep sigmoid network is driven "
    "to saturation at 0 early in training, that back-propagated gradients shrink on "
    "their way to the lower layers, and that their normalised ('Xavier') "
    "initialisation, Var[W] = 2 / (n_in + n_out), keeps activations and gradients at "
    "scale; sigmoid had the worst test error of all activations on every data set of "
    "their Table 1 (5 hidden layers). For ReLU, He et al. (2015) derived std = "
    "sqrt(2 / fan_in)."
)

WIDTH, DEPTH = 64, 6  # six hidden layers of 64 units: 64 -> 64 x 6 -> 10
# (activation, initialisation): the naive "standard" init against the one made for each
CONFIGS = [
    ("sigmoid", "standard"),
    ("sigmoid", "xavier"),
    ("tanh", "standard"),
    ("tanh", "xavier"),
    ("relu", "standard"),
    ("relu", "he"),
]
# SGD, batch 32. 0.1 trained tanh and ReLU best in a sweep over 0.03-1 (30 epochs).
# The sigmoid networks stayed at chance at every rate from 0.03 to 3; they get 1.0,
# ten times more, to give their small derivatives (at most 0.25) larger steps.
LEARNING_RATE = {"sigmoid": 1.0, "tanh": 0.1, "relu": 0.1}
BATCH_SIZE = 32
MONITOR_EVERY = 10  # steps between looks at the activation values (Glorot & Bengio's Fig. 2)

# Okabe-Ito colours (readable with every common colour-vision deficiency)
ORANGE, SKY, GREEN = "#E69F00", "#56B4E9", "#009E73"
BLUE, VERMILLION, PURPLE = "#0072B2", "#D55E00", "#CC79A7"
LAYER_COLOURS = [ORANGE, SKY, GREEN, BLUE, VERMILLION, PURPLE, "black"]
ACTIVATION_COLOURS = {"sigmoid": VERMILLION, "tanh": BLUE, "relu": GREEN}


def label(activation: str, init: str) -> str:
    return f"{activation}/{init}"


def build(activation: str, init: str, rng: np.random.Generator) -> mg.nn.MLP:
    return mg.nn.MLP([64] + [WIDTH] * DEPTH + [10], activation=activation, init=init, rng=rng)


def linear_layers(model: mg.nn.MLP) -> list[mg.nn.Linear]:
    return [m for m in model.layers if isinstance(m, mg.nn.Linear)]


def max_derivative(name: str) -> float:
    """The largest local derivative of a registered activation, on a grid through 0."""
    x = np.linspace(-6, 6, 1201)
    record = mg.activations.get(name)
    return float(record.derivative(x, record.forward(x)).max())


# ------------------------------------------------------------ at initialisation


def gradients_at_init(activation, init, X, y, networks, batches, seed):
    """Per layer, averaged over fresh networks and batches of 128: the norm of each
    Linear layer's weight gradient, and mean |dL/dz| at each activation's input
    (the back-propagated gradient of Glorot & Bengio's Fig. 7)."""
    weight_norms, backprop = [], []
    for k in range(networks):
        rng = np.random.default_rng([seed, k])
        model = build(activation, init, rng)
        with mg.diagnostics.Recorder(model) as recorder:
            for _ in range(batches):
                idx = rng.choice(len(X), 128, replace=False)
                model.zero_grad()
                F.cross_entropy(model(X[idx]), y[idx]).backward()
                recorder.record()
                weight_norms.append([np.linalg.norm(m.weight.grad) for m in linear_layers(model)])
        per_layer = recorder.series("mean_abs_grad")  # activation module -> one value per batch
        backprop.append(np.stack(list(per_layer.values()), axis=1))  # (batches, layers)
    return np.mean(weight_norms, axis=0), np.concatenate(backprop).mean(axis=0)


# ------------------------------------------------------------------ training


@dataclass
class Training:
    """What one network did during training."""

    losses: np.ndarray  # per step
    grads: dict[str, np.ndarray]  # activation module -> mean |dL/dz| per step
    saturated: dict[str, np.ndarray]  # activation module -> saturated fraction per step
    # every MONITOR_EVERY steps, per hidden layer, on a fixed batch: (looks, layers)
    monitor_steps: np.ndarray
    activation_mean: np.ndarray
    activation_std: np.ndarray
    mean_derivative: np.ndarray  # mean local derivative f'(z): the share of gradient passed
    test_accuracy: float


def look_inside(model: mg.nn.MLP, x: np.ndarray) -> list[tuple[float, float, float]]:
    """Per hidden layer on x: mean and std of its activations, and the mean of its
    local derivative f'(z) (no graph recorded)."""
    stats = []
    with mg.no_grad():
        h = mg.Tensor(x)
        for layer in model.layers:
            z, h = h, layer(h)  # z: what this layer received
            if isinstance(layer, mg.nn.Activation):
                derivative = layer.activation.derivative(z.data, h.data)
                stats.append((h.data.mean(), h.data.std(), derivative.mean()))
    return stats


def train(activation, init, data, epochs, seed) -> Training:
    X_train, y_train, X_test, y_test = data
    rng = np.random.default_rng(seed)
    model = build(activation, init, rng)
    opt = mg.optim.SGD(model.parameters(), lr=LEARNING_RATE[activation])
    # "saturated" is the library's one rule: 0 < f' < SATURATED (a tenth) x the peak
    # f' (sigmoid 0.025, tanh 0.1). A ReLU is never saturated: it is on or off.
    recorder = mg.diagnostics.Recorder(model)
    monitor = X_test[:300]  # a fixed batch, like Glorot & Bengio's 300 test examples
    losses, looks, inside = [], [], []
    for _ in progress(range(epochs), desc=label(activation, init)):
        for xb, yb in mg.data.batches(X_train, y_train, BATCH_SIZE, rng=rng):
            if len(xb) < BATCH_SIZE:
                # skip the epoch's last few examples: so small a batch gives a noisy
                # step and a spike in every per-step statistic
                continue
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            recorder.record()
            opt.step()
            losses.append(loss.item())
            if len(losses) % MONITOR_EVERY == 1:
                looks.append(len(losses) - 1)
                inside.append(look_inside(model, monitor))
    recorder.close()
    with mg.no_grad():
        accuracy = mg.data.accuracy(model(X_test), y_test)
    inside = np.array(inside)  # (looks, layers, 3)
    return Training(
        losses=np.array(losses),
        grads=recorder.series("mean_abs_grad"),
        saturated=recorder.series("saturated_fraction"),
        monitor_steps=np.array(looks),
        activation_mean=inside[..., 0],
        activation_std=inside[..., 1],
        mean_derivative=inside[..., 2],
        test_accuracy=accuracy,
    )


# ------------------------------------------------------------------- figures


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Moving average (the per-step values are noisy), same length as the input."""
    window = max(1, min(window, len(values)))
    kernel = np.ones(window) / window
    padded = np.concatenate([np.full(window - 1, values[0]), values])
    return np.convolve(padded, kernel, mode="valid")


def log_scale(ax) -> None:
    """A log y axis without minor ticks: over many decades they only add clutter
    (and most of the drawing time)."""
    from matplotlib.ticker import NullLocator

    ax.set_yscale("log")
    ax.yaxis.set_minor_locator(NullLocator())


def plot_activation_functions(result):
    import matplotlib.pyplot as plt

    x = np.linspace(-6, 6, 1201)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained", sharey=True)
    for ax, name in zip(axes, ("sigmoid", "tanh", "relu"), strict=True):
        record = mg.activations.get(name)
        y = record.forward(x)
        d = record.derivative(x, y)
        top = d.max()
        ax.plot(x, y, color=BLUE, label=f"{name}(x)")
        ax.plot(x, d, color=VERMILLION, ls="--", label=f"{name}'(x)")
        ax.plot(x[np.argmax(d)], top, "o", color=VERMILLION)
        ax.annotate(
            f"max {top:.3g}",
            (x[np.argmax(d)], top),
            textcoords="offset points",
            xytext=(8, 6),
            color=VERMILLION,
        )
        ax.axhline(0, color="black", lw=0.5)
        ax.set_title(f"{name} and its derivative")
        ax.set_xlabel("x (input of the unit)")
        ax.legend(fontsize=8, loc="upper left")
    axes[0].set_ylabel("value")
    axes[0].set_ylim(-1.15, 1.6)
    result.figure(
        fig,
        "saturation_activations.png",
        "Each activation and its local derivative, from the registry "
        "(mg.activations.get(name).forward / .derivative). The sigmoid passes at "
        "most a quarter of the gradient, tanh at most all of it; both pass almost "
        "none in their tails.",
    )


def plot_init(result, at_init):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained", sharey=True)
    pairs = {}
    for activation, init in CONFIGS:
        pairs.setdefault(activation, []).append(init)
    for ax, (activation, inits) in zip(axes, pairs.items(), strict=True):
        for k, init in enumerate(inits):
            norms = at_init[label(activation, init)][0]
            layers = np.arange(1, len(norms) + 1)
            ratio = norms[0] / norms[DEPTH - 1]
            ax.bar(
                layers + (k - 0.5) * 0.4,
                norms,
                width=0.4,
                color=[ORANGE, BLUE][k],
                label=f"{init} (first / last hidden: {ratio:.2g})",
            )
        log_scale(ax)
        ax.set_xticks(layers)
        ax.set_title(activation)
        ax.set_xlabel("Linear layer (1 = first, 7 = output)")
        # below the axes: inside, the legend would hide the bars' lower ends
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    axes[0].set_ylabel("|dL/dW| (Frobenius norm)")
    fig.suptitle(
        "At initialisation: the weight gradient of each layer "
        "(mean over networks and batches of 128)"
    )
    result.figure(
        fig,
        "saturation_grad_at_init.png",
        "Per-layer weight-gradient norms at initialisation, naive 'standard' init "
        "(orange) against Xavier for sigmoid and tanh and He for ReLU (blue). In "
        "the sigmoid network the gradient shrinks by orders of magnitude from the "
        "top layers to the first.",
    )


def plot_per_layer(result, runs, series, ylabel, filename, caption, log):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(14, 7), layout="constrained", sharex=True, sharey=True)
    for i, (activation, init) in enumerate(CONFIGS):
        ax = axes[i % 2, i // 2]
        run = runs[label(activation, init)]
        for k, values in enumerate(getattr(run, series).values()):
            ax.plot(smooth(values, 20), color=LAYER_COLOURS[k], lw=1.2, label=f"layer {k + 1}")
        if log:
            log_scale(ax)
        ax.set_title(f"{label(activation, init)} (test accuracy {run.test_accuracy:.0%})")
    for ax in axes[1]:
        ax.set_xlabel("training step")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    axes[0, 0].legend(fontsize=8, ncol=2)
    fig.suptitle(
        f"During training, one line per hidden layer ({ylabel}, moving average over 20 steps)"
    )
    result.figure(fig, filename, caption)


def plot_activation_values(result, runs):
    import matplotlib.pyplot as plt

    shown = ["sigmoid/standard", "sigmoid/xavier"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), layout="constrained", sharex=True, sharey="row")
    for col, name in enumerate(shown):
        run = runs[name]
        top, bottom = axes[0, col], axes[1, col]
        for k in range(run.activation_mean.shape[1]):
            colour = LAYER_COLOURS[k]
            mean, std = run.activation_mean[:, k], run.activation_std[:, k]
            top.plot(run.monitor_steps, mean, color=colour, label=f"layer {k + 1}")
            top.fill_between(
                run.monitor_steps, mean - std, mean + std, color=colour, alpha=0.15, lw=0
            )
            bottom.plot(run.monitor_steps, run.mean_derivative[:, k], color=colour)
        top.set_title(f"{name}: activation values")
        bottom.set_title(f"{name}: mean local derivative")
        bottom.axhline(0.25, color="black", ls=":", lw=1)
        bottom.set_ylim(0, 0.27)
        bottom.set_xlabel("training step")
    axes[0, 0].set_ylabel("sigmoid output (mean ± std)")
    axes[1, 0].set_ylabel("mean sigmoid'(z) (at most 0.25, dotted)")
    axes[0, 0].legend(fontsize=8, ncol=2)
    fig.suptitle(
        "Sigmoid networks, each hidden layer on 300 fixed test images (as Glorot & Bengio's Fig. 2)"
    )
    result.figure(
        fig,
        "saturation_activation_values.png",
        "Top: mean and standard deviation of each hidden layer's outputs during "
        "training. The top hidden layer (6) is driven towards 0, where the sigmoid "
        "is flat, while the lower layers stay near 0.5. Bottom: the mean local "
        "derivative, the share of the gradient each layer passes down.",
    )


def plot_losses(result, runs):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    for activation, init in CONFIGS:
        run = runs[label(activation, init)]
        ax.plot(
            smooth(run.losses, 20),
            color=ACTIVATION_COLOURS[activation],
            ls="--" if init == "standard" else "-",
            label=f"{label(activation, init)}: test accuracy {run.test_accuracy:.0%}",
        )
    log_scale(ax)
    ax.set_xlabel("training step (SGD, batch 32)")
    ax.set_ylabel("training loss (moving average over 20 steps)")
    ax.set_title(f"{DEPTH} hidden layers of {WIDTH} units on the 8x8 digits")
    ax.legend(fontsize=8)
    result.figure(
        fig,
        "saturation_losses.png",
        "Training loss of each network (dashed: the naive 'standard' init). "
        "Learning rates: " + ", ".join(f"{a} {lr:g}" for a, lr in LEARNING_RATE.items()) + ".",
    )


def draw_sigmoid_graph(result, X, y, seed):
    """The sigmoid network at initialisation, one box per layer."""
    model = build("sigmoid", "standard", np.random.default_rng([seed, 0]))
    loss = F.cross_entropy(model(X[:32]), y[:32])
    loss.backward()
    graph = mg.draw(
        loss, model=model, title="sigmoid/standard at initialisation: where the gradient fades"
    )
    result.graph(
        graph,
        "saturation_sigmoid_graph",
        f"The {DEPTH}-hidden-layer sigmoid network with the standard init, after one "
        "backward pass on 32 images, one box per layer from the input (top) to the loss. "
        "Each box gives the gradient reaching it relative to the gradient at the network's "
        "output (and a log-scale bar); orange boxes are 'vanishing', below 1e-3 x the "
        "output's: the layers far from the loss, under one boundary. Each sigmoid's unit "
        "strip shows its units: orange cells would be saturated (0 < f' < a tenth of 0.25 on "
        "every image), blue cells pass gradient. At initialisation the units pass; the "
        "gradient fades because each sigmoid passes at most a quarter of it.",
    )


# ----------------------------------------------------------------------- run


def show_derivatives(result):
    """Section 1: the registry's derivatives, at most 0.25 and 1."""
    sigmoid, tanh = max_derivative("sigmoid"), max_derivative("tanh")
    result.report("sigmoid_max_derivative", sigmoid, "max of sigmoid'")
    result.report("tanh_max_derivative", tanh, "max of tanh'")
    x = np.linspace(-6, 6, 1201)
    s, t = mg.activations.get("sigmoid").forward, mg.activations.get("tanh").forward
    result.report(
        "tanh_identity_error",
        float(np.abs(t(x) - (2 * s(2 * x) - 1)).max()),
        "max |tanh(x) - (2 sigmoid(2x) - 1)|",
    )
    result.note(
        f"The registry's derivatives peak at {sigmoid:.3g} (sigmoid) and {tanh:.3g} (tanh), "
        "as stated; tanh is a sigmoid stretched to (-1, 1), tanh(x) = 2 sigmoid(2x) - 1, "
        "which is where its four times larger slope comes from."
    )
    plot_activation_functions(result)


def measure_at_init(result, X, y, networks, batches, seed):
    """Section 2: how much gradient reaches the first layer, before any training."""
    at_init = {
        label(activation, init): gradients_at_init(activation, init, X, y, networks, batches, seed)
        for activation, init in progress(CONFIGS, desc="at initialisation")
    }
    ratio = {name: float(w[0] / w[DEPTH - 1]) for name, (w, _) in at_init.items()}
    result.report(
        "grad_ratio", ratio, "at init, |dL/dW| of the first Linear layer / the last hidden one"
    )
    backprop = {name: float(g[0] / g[-1]) for name, (_, g) in at_init.items()}
    result.report(
        "backprop_grad_ratio",
        backprop,
        "at init, mean |dL/dz| at the first activation / at the last",
    )
    result.note(
        f"At initialisation the first layer's weight gradient is "
        f"{ratio['sigmoid/standard']:.2g} times the last hidden layer's in the sigmoid "
        f"network (standard init; {ratio['sigmoid/xavier']:.2g} with Xavier) against "
        f"{ratio['relu/he']:.2g} for ReLU with He init: in the sigmoid network the gradient "
        "vanishes on its way down. With tanh the weight gradients are about equal across "
        f"layers even with the standard init ({ratio['tanh/standard']:.2g}), as Glorot & "
        "Bengio's analysis predicts (activations that shrink going up offset "
        "back-propagated gradients that shrink going down), but they are all small "
        "(see the figure), and the back-propagated gradient itself shrinks towards the "
        f"first layer ({backprop['tanh/standard']:.2g} from the last to the first, against "
        f"{backprop['tanh/xavier']:.2g} with Xavier)."
    )
    plot_init(result, at_init)
    draw_sigmoid_graph(result, X, y, seed)


def measure_training(result, data, epochs, seed):
    """Section 3: per-layer gradients, saturation and activation values while training."""
    runs = {label(a, i): train(a, i, data, epochs, seed) for a, i in CONFIGS}
    steps_per_epoch = len(data[0]) // BATCH_SIZE  # full batches only

    def last_layer(series: dict[str, np.ndarray]) -> np.ndarray:
        return list(series.values())[-1]  # the last hidden layer's activation module

    saturated = {
        name: float(last_layer(r.saturated)[-steps_per_epoch:].mean()) for name, r in runs.items()
    }
    result.report(
        "saturated_fraction",
        saturated,
        "saturated share of the last hidden layer (unit, example pairs), mean over the last epoch",
    )
    top_mean = {name: float(r.activation_mean[-1, -1]) for name, r in runs.items()}
    result.report(
        "top_layer_mean_activation",
        top_mean,
        "mean output of the last hidden layer at the end of training",
    )
    top_derivative = {name: float(r.mean_derivative[-1, -1]) for name, r in runs.items()}
    result.report(
        "top_layer_mean_derivative",
        top_derivative,
        "mean local derivative f'(z) of the last hidden layer at the end",
    )
    accuracy = {name: r.test_accuracy for name, r in runs.items()}
    result.report("final_accuracy", accuracy, "test accuracy after training")
    result.report("epochs", epochs, "training epochs per network")
    sigmoid_saturated = min(saturated["sigmoid/standard"], saturated["sigmoid/xavier"]) > 0.5
    result.note(
        f"After {epochs} epochs the top hidden layer of the sigmoid networks has a mean "
        f"output of {top_mean['sigmoid/standard']:.2g} (standard init) and "
        f"{top_mean['sigmoid/xavier']:.2g} (Xavier) while the layers below stay near 0.5: "
        "it is pushed towards 0, as Glorot & Bengio describe. There its mean local "
        f"derivative is {top_derivative['sigmoid/standard']:.2g} (the sigmoid's best is 0.25; "
        f"tanh/Xavier's top layer: {top_derivative['tanh/xavier']:.2g}), and "
        f"{saturated['sigmoid/standard']:.0%} and {saturated['sigmoid/xavier']:.0%} of its "
        "(unit, example) pairs are saturated (0 < f' < SATURATED x peak, a tenth of its "
        "largest derivative)"
        + (
            "; the outputs sit close to that line, so this share depends on the rule more "
            "than the mean derivative does. "
            if sigmoid_saturated
            else ": none yet, in so short a run. "
        )
        + f"Test accuracy: {accuracy['sigmoid/standard']:.0%} and "
        f"{accuracy['sigmoid/xavier']:.0%} (chance is 10%) against "
        f"{accuracy['tanh/xavier']:.0%} for tanh/Xavier and {accuracy['relu/he']:.0%} for "
        "ReLU/He. Glorot & Bengio saw the saturation slowly undone after many epochs "
        "(barely, with 5 hidden layers). Xavier init, which the paper did not pair with "
        "the sigmoid, "
        + (
            "lets the sigmoid network learn here."
            if accuracy["sigmoid/xavier"] > 0.5
            else "does not rescue the sigmoid network here."
        )
    )
    plot_per_layer(
        result,
        runs,
        "grads",
        "mean |dL/dz| at the activation's input",
        "saturation_grad_training.png",
        "Back-propagated gradient at each hidden layer during training (the "
        "Recorder's mean_abs_grad). Naive init in the top row, Xavier/He "
        "below.",
        log=True,
    )
    plot_per_layer(
        result,
        runs,
        "saturated",
        "saturated share",
        "saturation_saturated_fraction.png",
        "Share of (unit, example) pairs that are saturated, per hidden layer during "
        "training: 0 < f' < SATURATED x peak, a tenth of the activation's largest "
        "derivative (sigmoid < 0.025, tanh < 0.1). A ReLU is never saturated (its f' is "
        "1 or 0: on or off), so its share stays 0.",
        log=False,
    )
    plot_activation_values(result, runs)
    plot_losses(result, runs)


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("saturation", TITLE, CLAIM, out)
    mg.manual_seed(seed)
    start = time.perf_counter()
    data = mg.data.digits(seed=seed)
    networks, batches = (2, 2) if quick else (5, 4)
    epochs = 2 if quick else 40
    print(f"{TITLE}: {DEPTH} hidden layers of {WIDTH}, {len(data[0])} training images")

    show_derivatives(result)
    measure_at_init(result, data[0], data[1], networks, batches, seed)
    measure_training(result, data, epochs, seed)
    result.report("seconds", time.perf_counter() - start, "time (s)")
    return result


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
