"""The neuron as a linear classifier: logistic regression, the binary SVM, L2 as forgetting.

One neuron computes a score ``s = w . x + b`` on 2-D points. Trained three ways:

- sigmoid(s) read as P(class 1) (so 1 - sigmoid(s) is P(class 0)) with binary
  cross-entropy: that is logistic regression, the binary softmax classifier;
- the hinge loss max(0, 1 - y s) on the raw score, labels y in {-1, +1}, with
  a little L2: the binary SVM, which puts the boundary in the middle of the
  widest gap between the classes (its margin is 1 / ||w||);
- with L2 regularisation lam ||w||^2 of growing strength: each gradient step
  first shrinks w by the factor (1 - 2 lr lam), the "gradual forgetting" of
  the CS231n notes, so stronger L2 leaves smaller weights.

The CS231n worked examples of the multiclass SVM loss and of the softmax are
computed as checks.

Run: python -m demos.neuron_classifier [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, main_for, progress
from minigrad.nn import functional as F

TITLE = "The neuron as a classifier: logistic regression, SVM and L2 as forgetting"
CLAIM = (
    "A single neuron is a linear classifier (CS231n, Neural Networks Part 1): with a sigmoid "
    "output read as P(class 1) and trained with cross-entropy it is logistic regression (a "
    "binary softmax classifier); with a max-margin hinge loss on its raw output it is a "
    "binary SVM; and L2 regularisation acts as 'gradual forgetting', pulling every weight "
    "towards zero at each update. The CS231n linear-classification notes work two examples: "
    "the multiclass SVM loss of scores [13, -7, 11] with correct class 0 and margin 10 is 8, "
    "and the softmax of scores [1, -2, 0] is about [0.70, 0.04, 0.26]."
)

# Okabe-Ito colours (safe for colour-blind readers) and a marker per class.
CLASS_COLOURS = ["#E69F00", "#0072B2"]  # class 0 orange, class 1 blue
CLASS_MARKERS = ["o", "s"]
SVM_COLOUR, BOUNDARY_COLOUR = "#009E73", "#CC79A7"

SVM_L2 = 1e-3  # small enough that the SVM's soft margin equals the hard margin here
STRENGTHS = [0.0, 1e-3, 1e-2, 1e-1, 1.0]  # L2 strengths lam for the forgetting sweep


def datasets(seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two Gaussian blobs: far apart (separable by a line) and close (overlapping)."""
    return {
        "separable": mg.data.blobs(100, centers=[[-2.0, -1.5], [2.0, 1.5]], std=0.8, seed=seed),
        "overlapping": mg.data.blobs(200, centers=[[-1.0, -0.5], [1.0, 0.5]], std=1.0, seed=seed),
    }


# ------------------------------------------------------------------- training


def new_neuron(seed: int) -> mg.nn.Linear:
    """One neuron with two inputs: s = w . x + b (He-initialised w, b = 0)."""
    return mg.nn.Linear(2, 1, rng=np.random.default_rng(seed))


def train(neuron: mg.nn.Linear, X, y, loss_name: str, lam: float, steps: int, desc: str):
    """Full-batch training of the neuron in place; returns ||w|| before and after each step.

    loss_name "logistic": binary cross-entropy of sigmoid(s) against y in {0, 1},
    plain gradient descent, so L2's shrink factor (1 - 2 lr lam) is exactly
    what each step applies to w before the data's gradient moves it.
    loss_name "svm": hinge loss on s against y in {-1, +1}; Adam with a
    learning rate decaying to 0 settles the non-smooth hinge near its optimum.
    The L2 term lam ||w||^2 leaves the bias alone, as usual: it only shifts the line.
    """
    x = mg.Tensor(X, name="x")
    if loss_name == "logistic":
        lr = 0.2
        opt = mg.optim.SGD(neuron.parameters(), lr=lr)
        target = y.astype(float)
    else:
        lr = 0.1
        opt = mg.optim.Adam(neuron.parameters(), lr=lr)
        target = 2.0 * y - 1.0  # the SVM's labels are -1 and +1
    norms = [float(np.linalg.norm(neuron.weight.data))]
    for step in progress(range(steps), desc=desc):
        if loss_name == "svm":  # decay linearly to 0; the optimizer reads opt.lr every step
            opt.lr = lr * (1 - step / steps)
        s = neuron(x).reshape(-1)  # (N, 1) -> (N,), the shape of the labels
        if loss_name == "logistic":
            data_loss = F.binary_cross_entropy_with_logits(s, target)
        else:
            data_loss = F.hinge_loss(s, target)
        loss = (data_loss + lam * F.l2_penalty([neuron.weight])) if lam else data_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        norms.append(float(np.linalg.norm(neuron.weight.data)))
    return norms


def weights(neuron: mg.nn.Linear) -> tuple[np.ndarray, float]:
    return neuron.weight.data.reshape(-1), float(neuron.bias.data[0])


def accuracy(neuron: mg.nn.Linear, X, y) -> float:
    with mg.no_grad():
        return mg.data.accuracy(neuron(mg.Tensor(X)).reshape(-1), y)


def distances(neuron: mg.nn.Linear, X, y) -> np.ndarray:
    """Signed distance of each point to the line w . x + b = 0, positive on its own side."""
    w, b = weights(neuron)
    return (2 * y - 1) * (X @ w + b) / np.linalg.norm(w)


def widest_margin(X, y, directions: int = 7200) -> float:
    """The largest margin any line achieves, by trying every direction u:
    half the gap between the class-1 points' smallest projection on u and the
    class-0 points' largest. A brute-force reference for the SVM (2-D only)."""
    angle = np.linspace(0, 2 * np.pi, directions, endpoint=False)
    u = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    proj = X @ u.T
    gap = proj[y == 1].min(axis=0) - proj[y == 0].max(axis=0)
    return float(gap.max() / 2)


# ---------------------------------------------------------- worked examples


def worked_examples(result: Result) -> None:
    """The CS231n linear-classification notes' two worked examples, computed."""
    loss = F.multiclass_hinge_loss(mg.Tensor([[13.0, -7.0, 11.0]]), [0], margin=10.0)
    # max(0, -7 - 13 + 10) + max(0, 11 - 13 + 10) = 0 + 8
    result.report("svm_worked_example_loss", loss.item(), "SVM loss of [13, -7, 11], class 0")
    probs = mg.softmax(mg.Tensor([1.0, -2.0, 0.0])).data
    result.report("softmax_worked_example", [float(p) for p in probs], "softmax of [1, -2, 0]")


# ------------------------------------------------------------------- figures


def grid(X: np.ndarray, steps: int = 200):
    pad = 0.15 * (X.max(0) - X.min(0)) + 0.3
    lo, hi = X.min(0) - pad, X.max(0) + pad
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def scatter(ax, X, y) -> None:
    for k in (0, 1):
        ax.scatter(
            *X[y == k].T,
            s=16,
            c=CLASS_COLOURS[k],
            marker=CLASS_MARKERS[k],
            edgecolors="k",
            linewidths=0.4,
            label=f"class {k}",
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal", adjustable="box")


def draw_probability(ax, neuron, X, y, of_class: int, title: str):
    """P(class 1) = sigmoid(s), or P(class 0) = 1 - sigmoid(s), shaded over the plane."""
    xx, yy, points = grid(X)
    with mg.no_grad():
        p1 = mg.sigmoid(neuron(mg.Tensor(points))).data.reshape(xx.shape)
    p = p1 if of_class == 1 else 1 - p1
    levels = np.linspace(0, 1, 11)
    image = ax.contourf(xx, yy, p, levels=levels, cmap="Greys", vmin=0, vmax=2)
    ax.contour(xx, yy, p, levels=[0.5], colors=BOUNDARY_COLOUR, linewidths=2)
    scatter(ax, X, y)
    ax.set_title(title, fontsize=10)
    return image


def draw_svm(ax, svm, logistic, X, y, title: str) -> None:
    """The SVM's boundary s = 0 and margins s = +-1, the points on or inside the
    margins, and logistic regression's boundary for comparison."""
    xx, yy, points = grid(X)
    with mg.no_grad():
        s = svm(mg.Tensor(points)).data.reshape(xx.shape)
        s_logistic = logistic(mg.Tensor(points)).data.reshape(xx.shape)
        functional_margin = (2 * y - 1) * svm(mg.Tensor(X)).data.reshape(-1)
    scatter(ax, X, y)
    ax.contour(
        xx,
        yy,
        s,
        levels=[-1, 0, 1],
        colors=SVM_COLOUR,
        linestyles=["--", "-", "--"],
        linewidths=[1, 2, 1],
    )
    ax.contour(xx, yy, s_logistic, levels=[0], colors=BOUNDARY_COLOUR, linestyles=":", linewidths=2)
    # y s = 1 on the margin lines; 1% slack because training stops near, not at, the optimum
    support = functional_margin <= 1.01
    ax.scatter(
        *X[support].T,
        s=90,
        facecolors="none",
        edgecolors=SVM_COLOUR,
        linewidths=1.5,
        label="on or inside the margin",
    )
    # proxy artists, so the legend names the lines too
    ax.plot([], [], color=SVM_COLOUR, linewidth=2, label="SVM boundary, s = 0")
    ax.plot([], [], color=SVM_COLOUR, linestyle="--", label="SVM margins, s = -1, +1")
    ax.plot([], [], color=BOUNDARY_COLOUR, linestyle=":", linewidth=2, label="logistic boundary")
    ax.set_title(title, fontsize=10)


def figure_classifiers(fits: dict, result: Result) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(fits), 3, figsize=(15, 4.6 * len(fits)), layout="constrained")
    for row, (name, fit) in enumerate(fits.items()):
        X, y = fit["data"]
        logistic, svm = fit["logistic"], fit["svm"]
        title = f"{name}: P(class 1) = sigmoid(w.x + b)\n"
        title += f"logistic regression, accuracy {accuracy(logistic, X, y):.1%}"
        draw_probability(axes[row, 0], logistic, X, y, 1, title)
        title = f"{name}: P(class 0) = 1 - sigmoid(w.x + b)\nthe same neuron"
        image = draw_probability(axes[row, 1], logistic, X, y, 0, title)
        fig.colorbar(image, ax=axes[row, 1], shrink=0.8, label="probability")
        title = f"{name}: binary SVM (hinge loss), accuracy {accuracy(svm, X, y):.1%}\n"
        title += f"margin 1/||w|| = {1 / np.linalg.norm(weights(svm)[0]):.2f}"
        draw_svm(axes[row, 2], svm, logistic, X, y, title)
        axes[row, 2].legend(fontsize=7, loc="lower right", framealpha=0.9)
    result.figure(
        fig,
        "neuron_classifier_logistic_svm.png",
        "One neuron as a classifier. Left and middle: logistic regression's sigmoid output "
        "read as P(class 1), and 1 minus it as P(class 0) (darker is more probable); the "
        "purple line is where both are 0.5. Right: the binary SVM's boundary (solid) and "
        "margins (dashed), at distance 1/||w|| from it; circled points lie on or inside the "
        "margin; the dotted line is logistic regression's boundary. Top: separable blobs; "
        "bottom: overlapping blobs.",
    )


def figure_forgetting(sweep: dict, X, y, result: Result) -> None:
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(3.2 * len(sweep), 7.4), layout="constrained")
    panels = fig.subfigures(2, 1, height_ratios=[1, 1.1])
    top = panels[0].subplots(1, len(sweep), sharey=True)
    for ax, (lam, fit) in zip(top, sweep.items(), strict=True):
        title = f"P(class 1), L2 strength λ = {lam:g}\n||w|| = {fit['norms'][-1]:.2f}"
        image = draw_probability(ax, fit["neuron"], X, y, 1, title)
    for ax in top[1:]:
        ax.set_ylabel("")
    panels[0].colorbar(image, ax=top, shrink=0.8, label="P(class 1)")
    left, right = panels[1].subplots(1, 2)
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(sweep)))
    for colour, (lam, fit) in zip(colours, sweep.items(), strict=True):
        left.semilogx(
            np.arange(1, len(fit["norms"]) + 1), fit["norms"], color=colour, label=f"λ = {lam:g}"
        )
    left.set_xlabel("gradient-descent step + 1 (log scale)")
    left.set_ylabel("||w||")
    left.set_title(
        "forgetting: from the unpenalised weights, each strength\n"
        "shrinks ||w|| until the data's pull balances it",
        fontsize=10,
    )
    left.legend(fontsize=8)
    lams = [lam for lam in sweep if lam > 0]
    right.semilogx(
        lams, [sweep[lam]["norms"][-1] for lam in lams], "o-", color=SVM_COLOUR, label="with L2"
    )
    right.axhline(sweep[0.0]["norms"][-1], color="k", linestyle=":", label="λ = 0")
    right.set_ylim(0, 1.1 * max(fit["norms"][-1] for fit in sweep.values()))
    right.set_xlabel("L2 strength λ")
    right.set_ylabel("final ||w||")
    right.set_title("stronger L2, smaller weights", fontsize=10)
    right.legend(fontsize=8)
    result.figure(
        fig,
        "neuron_classifier_l2.png",
        "L2 regularisation as gradual forgetting, on the overlapping blobs. Each strength "
        "continues training from the same unpenalised neuron. Top: P(class 1); the boundary "
        "barely moves but the weights shrink, so the probabilities fade towards 0.5. Bottom: "
        "||w|| over the steps and at the end, per strength.",
    )


# ------------------------------------------------------------------------ run


def fit_both(X, y, steps: dict, seed: int, name: str) -> dict:
    """Logistic regression and the SVM on one data set, from the same initial neuron."""
    fit = {"data": (X, y)}
    for loss_name, lam in [("logistic", 0.0), ("svm", SVM_L2)]:
        fit[loss_name] = new_neuron(seed)
        train(fit[loss_name], X, y, loss_name, lam, steps[loss_name], f"{name}, {loss_name}")
    return fit


def report_classifiers(fits: dict, result: Result) -> None:
    X, y = fits["separable"]["data"]
    logistic, svm = fits["separable"]["logistic"], fits["separable"]["svm"]
    report = result.report
    report("logistic_accuracy", accuracy(logistic, X, y), "separable: logistic accuracy")
    report("svm_accuracy", accuracy(svm, X, y), "separable: SVM accuracy")
    margin = float(1 / np.linalg.norm(weights(svm)[0]))
    report("svm_margin", margin, "separable: SVM geometric margin 1/||w||")
    nearest = float(distances(svm, X, y).min())
    report("svm_min_distance", nearest, "separable: distance of the nearest point, SVM")
    report("widest_margin", widest_margin(X, y), "separable: widest margin of any line")
    nearest = float(distances(logistic, X, y).min())
    report("logistic_min_distance", nearest, "separable: distance of the nearest point, logistic")
    X, y = fits["overlapping"]["data"]
    for loss_name in ["logistic", "svm"]:
        acc = accuracy(fits["overlapping"][loss_name], X, y)
        report(f"overlapping_{loss_name}_accuracy", acc, f"overlapping: {loss_name} accuracy")


def forgetting(fit: dict, steps: int, seed: int) -> dict:
    """L2 at each strength, every one continuing from the same neuron trained
    without a penalty: how much of the learned weights does each strength forget?"""
    X, y = fit["data"]
    learned = fit["logistic"].state_dict()
    sweep = {}
    for lam in STRENGTHS:
        neuron = new_neuron(seed)
        neuron.load_state_dict(learned)
        norms = train(neuron, X, y, "logistic", lam, steps, f"L2 {lam:g}")
        sweep[lam] = {"neuron": neuron, "norms": norms}
    return sweep


def report_forgetting(sweep: dict, result: Result) -> None:
    norms = {f"{lam:g}": fit["norms"][-1] for lam, fit in sweep.items()}
    result.report("weight_norms", norms, "overlapping: ||w|| per L2 strength")
    # does the boundary turn, or only soften? the angle of w against the unpenalised w
    w0 = weights(sweep[0.0]["neuron"])[0]
    angles = []
    for fit in sweep.values():
        w = weights(fit["neuron"])[0]
        cos = w @ w0 / (np.linalg.norm(w) * np.linalg.norm(w0))
        angles.append(float(np.degrees(np.arccos(np.clip(cos, -1, 1)))))
    result.report("boundary_rotation_degrees", max(angles), "largest turn of w caused by L2 (deg)")


def write_notes(result: Result) -> None:
    n = result.numbers
    probs = ", ".join(f"{p:.3f}" for p in n["softmax_worked_example"])
    result.note(
        f"Worked examples: the multiclass SVM loss came out {n['svm_worked_example_loss']:g} "
        f"(CS231n: 8) and the softmax of [1, -2, 0] [{probs}] (CS231n: about "
        "[0.70, 0.04, 0.26])."
    )
    found = n["svm_margin"] / n["widest_margin"]
    shortfall = "" if found > 0.99 else " (the optimiser stopped short of the non-smooth optimum)"
    result.note(
        f"On separable blobs both readings of the neuron separate the classes: logistic "
        f"regression {n['logistic_accuracy']:.0%}, the SVM {n['svm_accuracy']:.0%}. The SVM's "
        f"margin 1/||w|| is {n['svm_margin']:.4f}; the point nearest to its line is "
        f"{n['svm_min_distance']:.4f} away, and the widest margin any line achieves on these "
        f"points (trying 7,200 directions) is {n['widest_margin']:.4f}: the hinge loss found "
        f"{found:.1%} of the maximum margin{shortfall}. Logistic regression's line is not "
        f"chosen for its margin: it passes {n['logistic_min_distance']:.3f} from the nearest "
        f"point ({n['logistic_min_distance'] / n['widest_margin']:.0%} of the maximum)."
    )
    norms = n["weight_norms"]
    result.note(
        "L2 as gradual forgetting: starting from the weights learned without a penalty on "
        f"the overlapping blobs (||w|| = {norms['0']:.2f}), each strength shrank them to "
        + ", ".join(f"{v:.2f} (λ = {k})" for k, v in norms.items() if k != "0")
        + f". The boundary turned by at most {n['boundary_rotation_degrees']:.1f} degrees: "
        "what L2 takes away is confidence, the probabilities move towards 0.5."
    )


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("neuron_classifier", TITLE, CLAIM, out)
    mg.manual_seed(seed)
    # The hinge is not smooth: its gradient jumps whenever a point crosses the margin,
    # so the SVM needs many more (cheap) steps than logistic regression to settle.
    steps = {"logistic": 300, "svm": 2500} if quick else {"logistic": 1500, "svm": 5000}
    print(f"{TITLE} (full-batch steps per neuron: {steps})")
    start = time.perf_counter()
    worked_examples(result)
    fits = {name: fit_both(X, y, steps, seed, name) for name, (X, y) in datasets(seed).items()}
    report_classifiers(fits, result)
    sweep = forgetting(fits["overlapping"], steps["logistic"], seed)
    report_forgetting(sweep, result)
    result.report("train_seconds", time.perf_counter() - start, "training time (s)")
    write_notes(result)

    figure_classifiers(fits, result)
    figure_forgetting(sweep, *fits["overlapping"]["data"], result)
    draw_graph(fits["overlapping"]["svm"], *fits["overlapping"]["data"], result)
    return result


def draw_graph(svm: mg.nn.Linear, X, y, result: Result) -> None:
    """The graph of the SVM objective, hinge loss plus L2, after backward, on six
    points: three inside the margin and three beyond it."""
    labels = 2.0 * y - 1  # -1 and +1
    with mg.no_grad():
        functional_margin = labels * svm(mg.Tensor(X)).data.reshape(-1)
    batch = np.r_[
        np.flatnonzero(functional_margin < 1)[:3], np.flatnonzero(functional_margin > 1)[:3]
    ]
    s = svm(mg.Tensor(X[batch], name="x")).reshape(-1)
    loss = F.hinge_loss(s, labels[batch]) + SVM_L2 * F.l2_penalty([svm.weight])
    svm.zero_grad()
    loss.backward()
    result.graph(
        mg.draw(loss, model=svm, group_by="op", title="One neuron as a binary SVM, after backward"),
        "neuron_classifier_graph",
        "The computation graph of the SVM objective mean(max(0, 1 - y (w.x + b))) + "
        "λ ||w||^2 on six of the overlapping points, after backward: three inside the margin "
        "and three beyond it. The relu node (the hinge's max) has one cell per point: it "
        "passes gradient only for the three inside (blue cells); the three beyond the margin "
        "are off (grey, crossed cells), so they have no say in where the line goes.",
    )


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
