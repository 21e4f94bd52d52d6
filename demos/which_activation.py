"""Which activation should I use? Every registered activation on the same two tasks, side by side.

The CS231n notes end their tour of activation functions with advice: use ReLU
and watch the learning rate and the fraction of dead units; try leaky ReLU or
maxout if that worries you; never use sigmoid; tanh, but expect it to do worse
than ReLU or maxout. This demo trains one MLP per activation in
``mg.activations.names()`` (read when the demo runs, so an activation you
register yourself is in the table) on the CS231n spiral and on the 8x8 digits,
picks each one's learning rate from a small grid, and measures accuracy,
speed, dead and saturated units and size, to put the advice beside numbers.

Run: python -m demos.which_activation [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, main_for, progress
from minigrad.nn import functional as F

TITLE = "Which activation should I use? All of them on the same tasks"
CLAIM = (
    "The CS231n notes (Neural Networks Part 1) advise: use ReLU, be careful with the "
    "learning rate and possibly monitor the fraction of dead units in the network; if that "
    "is a concern, try leaky ReLU or maxout; never use sigmoid; try tanh, but expect it to "
    "work worse than ReLU or maxout. Their warning about ReLU is that with too high a "
    "learning rate as much as 40% of a network can die (an anecdote, not a measurement)."
)

# Okabe-Ito colours, distinguishable with every common colour-vision deficiency;
# with more activations than colours, line styles tell the rest apart.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
LINESTYLES = ["-", "--", ":", "-."]
TASK_COLOURS = {"digits": "#0072B2", "spiral": "#E69F00"}

# Glorot & Bengio's init for the saturating, zero-centred sigmoid and tanh; He et al.'s
# (the MLP default) for everything else, which behaves like ReLU for x > 0.
INIT = {"sigmoid": "xavier", "tanh": "xavier"}

THRESHOLD = 0.95  # training accuracy that counts as "trained", for steps to threshold


@dataclass
class Task:
    """A data set, the MLP widths used on it, and how to train."""

    name: str
    X: np.ndarray
    y: np.ndarray
    sizes: list[int]
    steps: int
    batch_size: int | None  # None: the whole training set every step
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


@dataclass
class Run:
    """One activation trained with one learning rate on one task."""

    activation: str
    lr: float
    model: mg.nn.MLP
    losses: list[float] = field(default_factory=list)
    steps_to_threshold: int | None = None
    cpu_seconds: float = 0.0
    final_loss: float = math.inf
    train_accuracy: float = 0.0

    @property
    def steps(self) -> int:
        return len(self.losses)


# ---------------------------------------------------------------- training


def minibatches(task: Task, rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Minibatches for as long as the training loop asks for them."""
    while True:
        if task.batch_size is None:
            yield task.X, task.y
        else:
            yield from mg.data.batches(task.X, task.y, task.batch_size, rng=rng)


def train(task: Task, activation: str, lr: float, seed: int) -> Run:
    """SGD with momentum 0.9, no regularisation; stops early if the loss blows up."""
    rng = np.random.default_rng(seed)
    mg.manual_seed(seed)
    model = mg.nn.MLP(task.sizes, activation=activation, init=INIT.get(activation, "he"), rng=rng)
    opt = mg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    run = Run(activation, lr, model)
    # Training accuracy over about one pass of the data: the last 20 minibatches.
    recent = deque(maxlen=1 if task.batch_size is None else 20)
    for step, (xb, yb) in enumerate(minibatches(task, rng), start=1):
        start = time.process_time()  # CPU time: other programs on the machine do not count
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.cpu_seconds += time.process_time() - start
        run.losses.append(loss.item())
        recent.append(np.mean(np.argmax(logits.data, axis=-1) == yb))
        full = len(recent) == recent.maxlen
        if run.steps_to_threshold is None and full and np.mean(recent) >= THRESHOLD:
            run.steps_to_threshold = step
        if step == task.steps or not math.isfinite(run.losses[-1]):
            break  # a diverged run (inf or NaN loss) cannot come back
    with mg.no_grad():
        logits = model(task.X)
        run.final_loss = F.cross_entropy(logits, task.y).item()
        run.train_accuracy = mg.data.accuracy(logits, task.y)
    if not math.isfinite(run.final_loss):
        run.final_loss = math.inf
    return run


def best_run(task: Task, activation: str, lrs: list[float], seed: int) -> tuple[Run, list[Run]]:
    """Train with every learning rate of the grid; keep the lowest final training loss."""
    runs = [train(task, activation, lr, seed) for lr in lrs]
    return min(runs, key=lambda r: r.final_loss), runs


# -------------------------------------------------------------- measuring


def hidden_units(model: mg.nn.MLP) -> int:
    return sum(model.sizes[1:-1])


def dead_fraction(model: mg.nn.MLP, X: np.ndarray) -> float:
    """Hidden units whose local derivative is 0 on every training example, as a fraction."""
    return sum(mg.diagnostics.dead_units(model, X).values()) / hidden_units(model)


def saturated_fraction(model: mg.nn.MLP, X: np.ndarray, y: np.ndarray) -> float:
    """Share of (unit, example) pairs that are saturated (0 < |f'(x)| < SATURATED x peak,
    the library's one rule), after training, over the
    whole training set: the Recorder's statistic on one forward and backward pass."""
    with mg.diagnostics.Recorder(model) as recorder:
        F.cross_entropy(model(X), y).backward()
        layers = recorder.record().values()
    return sum(s.saturated_fraction * s.units for s in layers) / sum(s.units for s in layers)


def count_parameters(model: mg.nn.Module) -> int:
    return sum(p.size for p in model.parameters())


def metrics(task: Task, run: Run) -> dict:
    """One row of the table: plain numbers, ready for JSON."""
    model = run.model
    if task.X_test is None:
        accuracy = run.train_accuracy  # the spiral: training accuracy, as CS231n reports it
    else:
        with mg.no_grad():
            accuracy = mg.data.accuracy(model(task.X_test), task.y_test)
    finite = math.isfinite(run.final_loss)
    return {
        "accuracy": float(accuracy),
        "train_accuracy": float(run.train_accuracy),
        "steps_to_threshold": run.steps_to_threshold,
        "ms_per_step": 1000 * run.cpu_seconds / run.steps,
        "dead_fraction": dead_fraction(model, task.X) if finite else None,
        "saturated_fraction": saturated_fraction(model, task.X, task.y) if finite else None,
        "parameters": count_parameters(model),
        "lr": run.lr,
        "init": INIT.get(run.activation, "he"),
        "final_loss": run.final_loss if finite else None,
    }


def evaluate(task: Task, names: list[str], lrs: list[float], seed: int) -> dict:
    """Train every activation on one task; its table, every run's loss curve and the
    chosen runs (for the graph renders)."""
    table, grid, chosen = {}, {}, {}
    for name in progress(names, desc=task.name):
        run, runs = best_run(task, name, lrs, seed)
        table[name] = metrics(task, run)
        chosen[name] = run
        grid[name] = {
            str(r.lr): {
                "final_loss": r.final_loss if math.isfinite(r.final_loss) else None,
                "dead_fraction": dead_fraction(r.model, task.X)
                if math.isfinite(r.final_loss)
                else None,
            }
            for r in runs
        }
    return {"table": table, "grid": grid, "chosen": chosen}


# ---------------------------------------------------------------- figures


def style(i: int) -> dict:
    return {"color": COLOURS[i % len(COLOURS)], "linestyle": LINESTYLES[i // len(COLOURS) % 4]}


PANELS = {  # metric -> (panel title, how a bar is labelled)
    "accuracy": ("final accuracy (digits: test, spiral: train)", "{:.1%}"),
    "steps_to_threshold": (f"steps to {THRESHOLD:.0%} training accuracy", "{:d}"),
    "ms_per_step": ("CPU ms per training step", "{:.2f}"),
    "dead_fraction": ("dead fraction of hidden units", "{:.0%}"),
    "saturated_fraction": ("saturated share, 0 < |f'| < 0.1 x peak", "{:.0%}"),
    "parameters": ("parameters", "{:,}"),
}


def plot_table(tables: dict[str, dict], names: list[str], caps: dict[str, int], result: Result):
    """The table as bar charts: one panel per metric, both tasks side by side, values
    written at the bars' ends."""
    import matplotlib.pyplot as plt

    height = max(4.5, 0.45 * len(names) + 1.5)
    fig, axes = plt.subplots(
        1, len(PANELS), figsize=(20, height), sharey=True, layout="constrained"
    )
    rows = np.arange(len(names))
    for ax, (key, (title, label)) in zip(axes, PANELS.items(), strict=True):
        for offset, (task, table) in zip((-0.2, 0.2), tables.items(), strict=False):
            values = [table[n][key] for n in names]
            reached = [v is not None for v in values]
            # A step count never reached is drawn as a hatched bar at the step budget.
            missing = caps[task] if key == "steps_to_threshold" else 0
            widths = [v if r else missing for v, r in zip(values, reached, strict=True)]
            bars = ax.barh(rows + offset, widths, 0.4, color=TASK_COLOURS[task], label=task)
            for bar, r in zip(bars, reached, strict=True):
                if not r:
                    bar.set(facecolor="white", edgecolor=TASK_COLOURS[task], hatch="//")
            texts = [
                " " + (label.format(v) if r else "never" if missing else "n/a")
                for v, r in zip(values, reached, strict=True)
            ]
            ax.bar_label(bars, texts, fontsize=7)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", color="#dddddd")
        ax.set_axisbelow(True)
        ax.margins(x=0.25)  # room for the labels
        ax.xaxis.set_major_locator(plt.MaxNLocator(3))
    axes[0].set_yticks(rows, names)
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2)
    fig.suptitle(
        "Every registered activation in the same MLPs, each with its best learning "
        "rate from the grid"
    )
    result.figure(
        fig,
        "which_activation_table.png",
        "The table as bar charts: final accuracy, training steps to "
        f"{THRESHOLD:.0%} training accuracy (hatched: never reached), CPU time per step, dead "
        "and saturated units at the end of training, and parameters, per activation and task.",
    )


def plot_curves(results: dict[str, dict], names: list[str], result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(13, 4.5), layout="constrained")
    for ax, (task, outcome) in zip(np.atleast_1d(axes), results.items(), strict=False):
        for i, name in enumerate(names):
            losses = np.array(outcome["chosen"][name].losses)
            window = min(10, len(losses))  # minibatch losses are noisy: a running mean
            smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
            lr = outcome["table"][name]["lr"]
            ax.plot(
                np.arange(window, len(losses) + 1), smooth, label=f"{name} (lr {lr:g})", **style(i)
            )
        ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("training loss (cross-entropy, running mean)")
        ax.set_title(f"{task}: training loss with each activation's chosen learning rate")
        ax.legend(fontsize=7, ncol=2)
    result.figure(
        fig,
        "which_activation_curves.png",
        "Training loss over the steps, per activation, each with the learning rate "
        "chosen from the grid.",
    )


def plot_learning_rates(outcome: dict, names: list[str], lrs: list[float], result: Result):
    """Final loss and dead fraction against the learning rate, on the digits."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    for i, name in enumerate(names):
        grid = outcome["grid"][name]
        losses = [grid[str(lr)]["final_loss"] for lr in lrs]
        dead = [grid[str(lr)]["dead_fraction"] for lr in lrs]
        as_nan = lambda values: [np.nan if v is None else v for v in values]
        left.plot(lrs, as_nan(losses), "o", label=name, ms=4, **style(i))
        right.plot(lrs, as_nan(dead), "o", label=name, ms=4, **style(i))
    left.set_yscale("log")
    left.set_ylabel("final training loss (missing: diverged to inf or NaN)")
    left.set_title("Digits: final training loss against the learning rate")
    right.set_ylabel("fraction of hidden units dead on the whole training set")
    right.set_title("Digits: dead units against the learning rate")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (SGD, momentum 0.9)")
        ax.legend(fontsize=7, ncol=2)
    result.figure(
        fig,
        "which_activation_learning_rates.png",
        "Sensitivity to the learning rate on the digits: the final training loss and "
        "the fraction of dead hidden units for every rate in the grid.",
    )


def draw_graphs(task: Task, outcome: dict, result: Result) -> None:
    """The chosen ReLU and sigmoid networks' graphs on 8 training images, gradients coloured."""
    for name in ("relu", "sigmoid"):
        if name not in outcome["chosen"]:
            continue
        model = outcome["chosen"][name].model
        model.zero_grad()
        loss = F.cross_entropy(model(task.X[:8]), task.y[:8])
        loss.backward()
        result.graph(
            mg.draw(loss, model=model, title=f"{name} MLP on the digits"),
            f"which_activation_{name}_graph",
            f"The trained {name} MLP on 8 digits after backward, one box per layer: its "
            "gradient relative to the output's (flowing, vanishing, dead) and, for each "
            "activation, one cell per unit (grey crossed: dead; orange: saturated, "
            "0 < f' < a tenth of its peak on all 8; blue: passing).",
        )


# ------------------------------------------------------------------ notes


def fmt_steps(steps: int | None) -> str:
    return (
        f"{THRESHOLD:.0%} never reached" if steps is None else f"{THRESHOLD:.0%} in {steps} steps"
    )


def outcome(tables: dict, task: str, name: str) -> str:
    """'96.9% (95% in 85 steps)': one activation's accuracy and speed on one task."""
    row = tables[task][name]
    return f"{name} {row['accuracy']:.1%} ({fmt_steps(row['steps_to_threshold'])})"


def steps(tables: dict, task: str, name: str) -> float:
    """Steps to the threshold; never reaching it counts as infinitely many."""
    reached = tables[task][name]["steps_to_threshold"]
    return math.inf if reached is None else reached


def by_speed(table: dict) -> list[str]:
    """Activations from fastest to slowest to the threshold, ties by final accuracy."""
    never = math.inf
    return sorted(
        table, key=lambda n: (table[n]["steps_to_threshold"] or never, -table[n]["accuracy"])
    )


def by_accuracy(table: dict) -> list[str]:
    return sorted(table, key=lambda n: -table[n]["accuracy"])


def best_accuracy(table: dict) -> str:
    """'leaky_relu 97.6%', or '99.3%, reached by 9 of 10' when several tie."""
    best = by_accuracy(table)[0]
    tied = [n for n in table if table[n]["accuracy"] == table[best]["accuracy"]]
    if len(tied) > 2:
        return f"{table[best]['accuracy']:.1%}, reached by {len(tied)} of {len(table)}"
    return " and ".join(f"{n} {table[n]['accuracy']:.1%}" for n in tied)


def note_relu(tables: dict, result: Result) -> None:
    parts, near_best = [], []
    for task, table in tables.items():
        best = by_accuracy(table)[0]
        speed = by_speed(table).index("relu") + 1
        parts.append(
            f"on the {task} {outcome(tables, task, 'relu')}, speed rank {speed} of "
            f"{len(table)}; the best accuracy: {best_accuracy(table)}"
        )
        near_best.append(table[best]["accuracy"] - table["relu"]["accuracy"] <= 0.01)
    verdict = (
        "agrees: ReLU was within 1 point of the best accuracy on every task"
        if all(near_best)
        else "agrees only in part: ReLU was more than 1 point behind the best on a task"
    )
    result.note(f"'Use ReLU' {verdict}. ReLU gave: " + "; ".join(parts) + ".")


def note_dead_units(tables: dict, grids: dict, result: Result) -> None:
    dead_by_lr = {lr: v["dead_fraction"] for lr, v in grids["digits"]["relu"].items()}
    shown = ", ".join(
        f"{'diverged' if d is None else f'{d:.0%}'} at lr {lr}" for lr, d in dead_by_lr.items()
    )
    measured = {lr: d for lr, d in dead_by_lr.items() if d is not None}
    worst = max(measured, key=measured.get, default=None)
    text = (
        "'Be careful with learning rates and monitor the fraction of dead units': on the "
        f"digits the share of ReLU units dead on the whole training set was {shown}; "
        f"{tables['digits']['relu']['dead_fraction']:.0%} at the chosen rate."
    )
    if len(dead_by_lr) > 1 and worst is not None:
        text += (
            f" The largest, {measured[worst]:.0%} at lr {worst}, is to be set beside CS231n's "
            "anecdotal 'as much as 40%' for a learning rate set too high."
        )
    text += (
        " These networks train with SGD and momentum 0.9, gradients unclipped, so a step "
        "can be many times the learning rate; lesson 6 clips gradients to norm 1 without "
        "momentum, so its learning rates (up to 2) and dead fractions are not comparable "
        "with these."
    )
    result.note(text)


def note_other_deaths(grids: dict, result: Result) -> None:
    """Units other than ReLU's whose derivative was exactly 0 on every example, at some rate."""
    deaths = {
        name: (lr, run["dead_fraction"])
        for name, by_lr in grids["digits"].items()
        if name != "relu"
        for lr, run in by_lr.items()
        if run["dead_fraction"]  # neither None (diverged) nor 0
    }
    if deaths:
        shown = " and ".join(f"{d:.0%} of {n}'s units at lr {lr}" for n, (lr, d) in deaths.items())
        result.note(
            f"ReLU is not the only one that can die: on the digits {shown} had a derivative "
            "of exactly 0 on every training example. Far below zero the "
            "derivatives of these smooth functions round to exactly 0 in floating point, which "
            "a network blown up by a high learning rate reaches."
        )


def note_alternatives(tables: dict, names: list[str], result: Result) -> None:
    alternatives = [n for n in ("leaky_relu", "maxout") if n in names]
    parts = [
        f"{outcome(tables, 'digits', n)}, {tables['digits'][n]['dead_fraction']:.0%} dead"
        for n in alternatives + ["relu"]
    ]
    cost = ""
    if "maxout" in alternatives:
        cost = (
            f" Maxout pays with {tables['digits']['maxout']['parameters']:,} parameters "
            f"against ReLU's {tables['digits']['relu']['parameters']:,}."
        )
    result.note(
        "'If dead units concern you, try leaky ReLU or maxout': their local derivative is "
        "never 0, so by this definition their units cannot die. On the digits: "
        + "; ".join(parts)
        + "."
        + cost
    )


def note_sigmoid(tables: dict, result: Result) -> None:
    slowest = [t for t in tables if by_speed(tables[t])[-1] == "sigmoid"]
    least = [t for t in tables if by_accuracy(tables[t])[-1] == "sigmoid"]
    if len(slowest) == len(least) == len(tables):
        verdict = "agrees: sigmoid was the slowest and the least accurate on every task"
    elif slowest or least:
        verdict = (
            f"agrees in part: sigmoid was the slowest on: {', '.join(slowest) or 'none'}, "
            f"the least accurate on: {', '.join(least) or 'none'}"
        )
    else:
        verdict = "is not borne out here"
    parts = "; ".join(f"on the {t} {outcome(tables, t, 'sigmoid')}" for t in tables)
    result.note(
        f"'Never use sigmoid' {verdict}. It gave {parts}, with Xavier init and the best "
        "learning rate of the grid."
    )


def note_tanh(tables: dict, names: list[str], result: Result) -> None:
    rivals = [n for n in ("relu", "maxout") if n in names]
    slower = [
        t for t in tables if all(steps(tables, t, "tanh") > steps(tables, t, r) for r in rivals)
    ]
    verdict = {
        len(tables): f"agrees in speed: tanh was slower than {' and '.join(rivals)} on every task",
        0: f"is not borne out in speed: tanh was not slower than {' and '.join(rivals)}",
    }.get(len(slower), f"agrees in speed on the {', '.join(slower)} only")
    parts = "; ".join(
        f"on the {t} " + ", ".join(outcome(tables, t, n) for n in ["tanh"] + rivals) for t in tables
    )
    result.note(f"'Try tanh, but expect it to work worse than ReLU/maxout' {verdict}: {parts}.")


def note_saturation(result: Result) -> None:
    result.note(
        "How to read 'saturated': the share of (unit, example) pairs where the local "
        "derivative is above 0 but below a tenth of the activation's peak "
        "(mg.diagnostics.SATURATED x peak: sigmoid < 0.025, tanh < 0.1). ReLU is never "
        "saturated: its f' is 1 or 0, on or off (its off share is the dead-units story); "
        "for sigmoid and tanh it is the tails (|x| above about 3.6 and 1.8); leaky "
        "ReLU's whole negative side counts (slope 0.01 passes 1% of the gradient), ELU's "
        "only below about -2.3, and maxout (f' = 1 by minigrad's convention) never."
    )


def note_time(tables: dict, names: list[str], result: Result) -> None:
    ms = {n: tables["digits"][n]["ms_per_step"] for n in names}
    costly = sorted(ms, key=ms.get, reverse=True)[:2]
    cheapest = min(ms, key=ms.get)
    result.note(
        "Time per step is the CPU time of minigrad's implementation on the digits, so it "
        f"ranks implementations as much as functions: the most costly were "
        f"{' and '.join(f'{n} ({ms[n]:.2f} ms)' for n in costly)}, the cheapest {cheapest} "
        f"({ms[cheapest]:.2f} ms)."
        + (" Maxout's linear layers do twice the work." if "maxout" in costly else "")
    )


def write_notes(tables: dict[str, dict], grids: dict[str, dict], result: Result) -> None:
    """The CS231n advice, point by point, beside what was measured."""
    names = list(tables["digits"])
    if "relu" in names:
        note_relu(tables, result)
        note_dead_units(tables, grids, result)
    note_other_deaths(grids, result)
    if "relu" in names and {"leaky_relu", "maxout"} & set(names):
        note_alternatives(tables, names, result)
    if "sigmoid" in names:
        note_sigmoid(tables, result)
    if "tanh" in names and {"relu", "maxout"} & set(names):
        note_tanh(tables, names, result)
    note_saturation(result)
    note_time(tables, names, result)


# -------------------------------------------------------------------- run


def tasks(quick: bool, seed: int) -> list[Task]:
    X, y = mg.data.spiral(100, 3, seed=seed)
    X_train, y_train, X_test, y_test = mg.data.digits(seed=seed)
    steps = 60 if quick else 400
    return [
        Task("digits", X_train, y_train, [64, 64, 64, 64, 10], steps, 64, X_test, y_test),
        Task("spiral", X, y, [2, 64, 64, 64, 3], steps, None),
    ]


def run(
    quick: bool = False,
    seed: int = 0,
    out: Path = Path("demo-output"),
    activations: list[str] | None = None,
) -> Result:
    # Read the registry now, so an activation registered before this call is in the table.
    names = list(mg.activations.names() if activations is None else activations)
    # Diverging runs at the grid's high rates overflow on purpose: silence NumPy's warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return measure(quick, seed, out, names)


def measure(quick: bool, seed: int, out: Path, names: list[str]) -> Result:
    result = Result("which_activation", TITLE, CLAIM, out)
    lrs = [0.03] if quick else [0.01, 0.03, 0.1, 0.3]
    print(f"{TITLE}: {len(names)} activations, learning rates {lrs}")
    all_tasks = tasks(quick, seed)
    outcomes = {task.name: evaluate(task, names, lrs, seed) for task in all_tasks}
    tables = {name: outcome["table"] for name, outcome in outcomes.items()}
    grids = {name: outcome["grid"] for name, outcome in outcomes.items()}

    result.report("activations", names, "activations compared")
    result.report("learning_rates", lrs, "learning-rate grid (SGD, momentum 0.9)")
    result.report("table", tables["digits"], "digits (MLP 64-64-64-64-10)")
    result.report("spiral_table", tables["spiral"], "spiral (MLP 2-64-64-64-3)")
    if "relu" in names:
        result.report(
            "relu_dead_fraction_by_lr",
            {lr: v["dead_fraction"] for lr, v in grids["digits"]["relu"].items()},
            "digits: fraction of ReLU units dead, by learning rate (None: diverged)",
        )
    write_notes(tables, grids, result)

    plot_table(tables, names, {t.name: t.steps for t in all_tasks}, result)
    plot_curves(outcomes, names, result)
    if len(lrs) > 1:
        plot_learning_rates(outcomes["digits"], names, lrs, result)
    draw_graphs(all_tasks[0], outcomes["digits"], result)
    return result


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
