"""Backprop by hand, one node at a time: the chain rule, watched at every node.

Backpropagation is the chain rule applied one node at a time: a node takes
the gradient arriving from its output (d loss / d output), multiplies it by
its local derivative (d output / d input, from the op's rule) and sends the
product to each input; a value used twice receives the sum of both.

(a) A single tanh neuron ``o = tanh(x1 w1 + x2 w2 + b)`` with the numbers of
    Karpathy's micrograd walkthrough, every step printed: the gradient that
    arrives, the rule, the local derivative's value, what each input gets.
(b) Lesson 1's two-layer net ``s = W2 max(0, W1 x)`` on one 2-D input: the
    ReLU's off units (W1 x < 0) have local derivative 0 and send nothing
    back, so their rows of W1 get no gradient.
(c) A value used more than once (``e = a*a + a``) receives one gradient per
    use, and its gradient is their sum.

Every gradient is checked against finite differences (``mg.gradcheck`` and
``mg.numerical_grad``), and each pass is saved as an explorable page
(``mg.explain_backward``) that replays it node by node.

Run: python -m demos.backprop_by_hand [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, main_for
from minigrad.explain import local_derivative

TITLE = "Backprop by hand, one node at a time"
CLAIM = (
    "Backpropagation is the chain rule applied one node at a time: the gradient arriving "
    "at a node (d loss / d output) times the node's local derivative is what each input "
    "receives, and a value used twice receives the sum of both contributions (micrograd's "
    "+=). Karpathy's micrograd lecture works through o = tanh(x1 w1 + x2 w2 + b) by hand. "
    "CS231n ('Backpropagation, Intuitions'): add distributes the gradient, mul swaps its "
    "inputs' values, and a ReLU whose input was negative sends nothing back."
)

# The neuron of the micrograd walkthrough: b is chosen so that n = 0.8814 and
# o = tanh(n) = 1/sqrt(2), where the local derivative 1 - o^2 is exactly 1/2.
NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
HIDDEN = 4  # ReLU units: few enough that the page lists every value


def neuron_fn(x1, x2, w1, w2, b):
    return (x1 * w1 + x2 * w2 + b).tanh()


def two_layer_fn(W1, W2, x):
    return W2 @ (W1 @ x).relu()  # s = W2 max(0, W1 x)


def _fmt(a: np.ndarray) -> str:
    a = np.asarray(a, dtype=float) + 0.0  # + 0.0 turns -0 into 0
    if a.size == 1:
        return f"{float(a.reshape(())):.4g}"
    return "[" + ", ".join(f"{v:.4g}" for v in a.ravel()) + "]"


def print_steps(steps: list, labels: dict[int, str]) -> None:
    """The pass as a by-hand calculation: one block per node."""
    for step in steps:
        name = labels.get(id(step.node), step.op)
        arrived = " + ".join(_fmt(g) for _, g in step.received) or "1 (the seed)"
        total = f" = {_fmt(step.grad)}" if len(step.received) > 1 else ""
        print(f"  step {step.index}: {name:<14} gradient arriving {arrived}{total}")
        inputs = [(i, p) for i, p in enumerate(step.node.parents) if p.requires_grad]
        for (i, parent), (_, rule, g) in zip(inputs, step.sends, strict=True):
            local = local_derivative(step.node, i)
            how = (
                f"{_fmt(step.grad)} x {_fmt(local)} = "
                if local is not None and local.shape == g.shape and step.grad.size in (1, g.size)
                else ""
            )
            print(f"      -> {labels[id(parent)]}: rule {rule}; receives {how}{_fmt(g)}")


def max_difference(steps: list, leaves: list, numerical: list) -> float:
    """Largest gap between a leaf's recorded gradient and finite differences."""
    grads = {id(s.node): s.grad for s in steps}
    return max(
        float(np.max(np.abs(grads[id(t)] - n))) for t, n in zip(leaves, numerical, strict=True)
    )


def save_page(result: Result, root, stem: str, title: str, caption: str) -> Path | None:
    """The explorable page of ``root``'s pass, shown in the report in a frame."""
    if shutil.which("dot") is None:
        result.note(f"Graphviz's dot program is not installed: no page for {stem}.")
        return None
    explainer = mg.explain_backward(root, title=title)
    path = explainer.save(result.out / f"{stem}.html")
    result.figures.append((path.name, caption))
    print(f"  page: {path}")
    return path


def build_neuron() -> tuple[dict[str, mg.Tensor], mg.Tensor, mg.Tensor]:
    """The neuron's graph, every tensor named as a learner would write it."""
    leaves = {k: mg.Tensor(v, requires_grad=True, name=k) for k, v in NEURON.items()}
    x1, x2, w1, w2, b = leaves.values()
    products = x1 * w1, x2 * w2
    products[0].name, products[1].name = "x1*w1", "x2*w2"
    total = products[0] + products[1]
    total.name = "x1*w1 + x2*w2"
    n = total + b
    n.name = "n"
    o = n.tanh()
    o.name = "o"
    return leaves, n, o


def run_neuron(result: Result) -> None:
    leaves, n, o = build_neuron()
    x1, x2, w1, w2, b = leaves.values()
    steps = mg.backprop_steps(o)
    labels = {id(s.node): s.node.name for s in steps}
    print("  (a) the neuron o = tanh(x1 w1 + x2 w2 + b), one node at a time:")
    print_steps(steps, labels)

    numerical = mg.numerical_grad(neuron_fn, list(leaves.values()))
    result.report("neuron_output", o.item(), "o = tanh(n)")
    result.report("neuron_n", n.item(), "n = x1 w1 + x2 w2 + b")
    result.report("neuron_tanh_local_derivative", 1 - o.item() ** 2, "local derivative 1 - o^2")
    result.report(
        "neuron_grads",
        {k: float(t.grad) for k, t in leaves.items()},
        "gradients (backward)",
    )
    result.report(
        "neuron_numerical_grads",
        {k: float(g) for k, g in zip(leaves, numerical, strict=True)},
        "gradients (finite differences)",
    )
    result.report(
        "neuron_max_difference",
        max_difference(steps, list(leaves.values()), numerical),
        "largest gap, backward vs finite differences",
    )
    result.report(
        "neuron_gradcheck", mg.gradcheck(neuron_fn, list(leaves.values())), "mg.gradcheck passes"
    )
    result.report("neuron_steps", len(steps), "steps of the pass")
    # What each multiply sends: the *other* input's value (mul swaps its inputs).
    muls = [s for s in steps if s.op == "mul"]
    swapped = all(
        np.allclose(g, s.grad * other.data)
        for s in muls
        for (parent, _, g), other in zip(s.sends, reversed(s.node.parents), strict=True)
    )
    result.report("neuron_mul_swaps", swapped, "each mul sends grad times the other input")
    adds = [s for s in steps if s.op == "add"]
    result.report(
        "neuron_add_distributes",
        all(np.array_equal(g, s.grad) for s in adds for _, _, g in s.sends),
        "each add passes its gradient unchanged to both inputs",
    )
    o_value, local = o.item(), 1 - o.item() ** 2
    result.note(
        f"The neuron: n = {n.item():.4f}, o = tanh(n) = {o_value:.4f}. Backward starts at o "
        f"with do/do = 1; tanh's rule 1 - o^2 gives the local derivative {local:.4f}, so n "
        f"receives {float(n.grad):.4f}. The two adds pass that on unchanged to x1 w1, x2 w2 "
        f"and b; each mul sends its gradient times the other input's value: dw1 = "
        f"{float(w1.grad):.4f} (times x1 = 2), dx1 = {float(x1.grad):.4f} (times w1 = -3), "
        f"dw2 = {float(w2.grad):.4f} (times x2 = 0: w2 does not matter at this input), "
        f"dx2 = {float(x2.grad):.4f}. Finite differences agree within "
        f"{result.numbers['neuron_max_difference']:.1e}."
    )
    # explain_backward runs its own pass: on a fresh graph, so no .grad adds up twice
    save_page(
        result,
        build_neuron()[2],
        "backprop_neuron",
        "Backprop, one node at a time: o = tanh(x1 w1 + x2 w2 + b)",
        "The neuron o = tanh(x1 w1 + x2 w2 + b), replayed one node at a time: step with the "
        "buttons, the slider or the arrow keys.",
    )


def _two_layer_weights(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw W1 and W2 until half the ReLU units are off at x, so both kinds show."""
    rng = np.random.default_rng(seed)
    x = np.array([1.0, -0.5])
    while True:
        W1 = rng.standard_normal((HIDDEN, 2))
        W2 = rng.standard_normal(HIDDEN)
        pre = W1 @ x
        # keep away from the kink at 0, where finite differences would straddle it
        if np.sum(pre < 0) == HIDDEN // 2 and np.min(np.abs(pre)) > 0.05:
            return W1, W2, x


def run_two_layer(result: Result, seed: int) -> None:
    W1_data, W2_data, x_data = _two_layer_weights(seed)

    def build():
        W1 = mg.Tensor(W1_data, requires_grad=True, name="W1")
        W2 = mg.Tensor(W2_data, requires_grad=True, name="W2")
        x = mg.Tensor(x_data, name="x")
        pre = W1 @ x
        pre.name = "W1 x"
        h = pre.relu()
        h.name = "max(0, W1 x)"
        s = W2 @ h
        s.name = "s"
        return s, h, W1, W2, x

    s, h, W1, W2, x = build()
    steps = mg.backprop_steps(s)
    labels = {id(t): t.name for t in (s, h, h.parents[0], W1, W2, x)}
    print("  (b) the two-layer net s = W2 max(0, W1 x), one node at a time:")
    print_steps(steps, labels)

    relu = next(step for step in steps if step.op == "relu")
    ((_, _, sent),) = relu.sends
    off = h.data == 0
    numerical = mg.numerical_grad(lambda W1, W2: two_layer_fn(W1, W2, x), [W1, W2])
    result.report("net_input", x_data.tolist(), "x")
    result.report("net_hidden", h.data.tolist(), "max(0, W1 x)")
    result.report("net_off_units", int(off.sum()), f"ReLU units off (of {HIDDEN})")
    result.report("net_relu_sent", (sent + 0.0).tolist(), "what the ReLU sends back to W1 x")
    result.report("net_off_units_send_zero", bool(np.all(sent[off] == 0)), "off units send 0")
    result.report(
        "net_W1_rows_of_off_units_zero",
        bool(np.all(W1.grad[off] == 0)),
        "rows of dW1 for off units are 0",
    )
    result.report(
        "net_max_difference",
        max_difference(steps, [W1, W2], numerical),
        "largest gap, backward vs finite differences",
    )
    result.report(
        "net_gradcheck",
        mg.gradcheck(lambda W1, W2: two_layer_fn(W1, W2, x), [W1, W2]),
        "mg.gradcheck passes",
    )
    result.note(
        f"The two-layer net on x = {x_data.tolist()}: {int(off.sum())} of {HIDDEN} ReLU units "
        f"are off (W1 x < 0). Their local derivative is 0, so the ReLU sends back "
        f"{_fmt(sent)}: zero exactly where a unit is off, and those units' rows of dW1 are 0. "
        "Those weights learn nothing from this input."
    )
    page_s = build()[0]
    save_page(
        result,
        page_s,
        "backprop_two_layer",
        "Backprop, one node at a time: s = W2 max(0, W1 x)",
        "Lesson 1's net s = W2 max(0, W1 x) on one input, replayed: at the ReLU step the off "
        "units' local derivative is 0 and they send nothing back.",
    )


def run_reuse(result: Result) -> None:
    """A value used twice: its gradient is the sum of what each use sends."""
    a = mg.Tensor(3.0, requires_grad=True, name="a")
    square = a * a
    square.name = "a*a"
    e = square + a
    e.name = "e"
    steps = mg.backprop_steps(e)
    step = next(s for s in steps if s.node is a)
    parts = [float(g) for _, g in step.received]
    print("  (c) e = a*a + a at a = 3: a is used three times")
    print(f"      a receives {' + '.join(f'{p:g}' for p in parts)} = {float(step.grad):g}")
    result.report("reuse_contributions", parts, "what each use of a sends (e = a*a + a, a = 3)")
    result.report("reuse_grad", float(a.grad), "de/da, their sum")
    result.report("reuse_expected", 2 * a.item() + 1, "2a + 1, by hand")
    result.note(
        f"A value used more than once: in e = a*a + a at a = 3, a is an input three times "
        f"and receives {', '.join(f'{p:g}' for p in parts)}; its gradient is their sum, "
        f"{float(a.grad):g} = 2a + 1. Assigning instead of adding would keep only one of them."
    )


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    """Both passes are tiny: quick mode runs exactly the same lesson."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = Result("backprop_by_hand", TITLE, CLAIM, out)
    run_neuron(result)
    run_two_layer(result, seed)
    run_reuse(result)
    return result


def main(argv: list[str] | None = None) -> Result:
    return main_for(run, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
