"""Backprop, one node at a time: the steps of a backward pass, and a page that replays them.

``backprop_steps(root)`` runs the real backward pass (``autograd.backward``,
with a recorder listening) and returns what it did at each node, in the
order it visited them: the gradients the node received, their sum (its
complete gradient), and what it sent to each parent under which rule.

``explain_backward(root)`` turns those steps into one self-contained HTML
page: the graph, laid out once by Graphviz in the renderer's colours, and a
player that walks through the steps. The page's HTML, CSS and JavaScript
live beside this file, in ``backprop_page/``.
"""

from __future__ import annotations

import html
import json
import math
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import activations, autograd, diagnostics
from .ops import Op, unbroadcast
from .render import (
    COLOURS,
    NO_GRAD,
    _grad_details,
    _label,
    _param_names,
    _value_summary,
    collect,
)
from .tensor import Tensor

# The one colour of the page that is not a gradient's health: "here, now".
# Okabe-Ito's reddish purple, distinct from all four health colours.
CURRENT = "#CC79A7"
PAGE_DIR = Path(__file__).with_name("backprop_page")
# Up to this many elements a tensor is shown in full, beyond it as a summary.
SHOW_ALL = 4


@dataclass(eq=False)
class Step:
    """What the backward pass did at one node.

    ``grad`` is the node's complete gradient in this pass (after any hook);
    ``received`` the ``(child, array)`` contributions that summed to it,
    before hooks (empty for the root, which gets the seed); ``sends`` one
    ``(parent, rule, array)`` per parent that requires grad.
    """

    index: int
    node: Any
    op: str | None
    grad: np.ndarray
    received: list[tuple[Any, np.ndarray]] = field(default_factory=list)
    sends: list[tuple[Any, str, np.ndarray]] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"Step({self.index}, op={self.op!r}, shape={self.grad.shape}, "
            f"received={len(self.received)}, sends={len(self.sends)})"
        )


def rule_of(op: Op, i: int) -> str:
    """The rule of input ``i``'s local derivative, as the op's registry entry gives it."""
    rules = op.rules
    if not rules:
        return f"(op {op.name!r} gives no rule)"
    return rules[0] if op.arity is None else rules[i]


class _Recorder:
    """Listens to ``autograd.backward``: one ``visit`` per node, then one ``send``
    per gradient that node passes to a parent. Copies every array, so that a
    later in-place change to a ``.grad`` (an optimizer step) leaves the record."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self._received: dict[int, list[tuple[Any, np.ndarray]]] = {}

    def visit(self, node: Any, grad: np.ndarray) -> None:
        received = self._received.pop(id(node), [])
        self.steps.append(Step(len(self.steps), node, node.op, np.array(grad), received))

    def send(self, node: Any, i: int, parent: Any, grad: np.ndarray) -> None:
        grad = np.array(grad)
        self.steps[-1].sends.append((parent, rule_of(node._op, i), grad))
        self._received.setdefault(id(parent), []).append((node, grad))


def backprop_steps(root: Any, grad: Any = None) -> list[Step]:
    """Run ``root.backward(grad)`` and return its steps in the order it visited the nodes.

    This is the same pass (``.grad`` is filled as usual, leaves accumulate):
    the engine's walk reports each visit and each gradient it sends. Step 0 is
    ``root`` with its seed gradient; a step's ``grad`` equals the ``.grad`` its
    node holds afterwards (for a leaf, this pass's share of it).
    """
    recorder = _Recorder()
    autograd.backward(root, grad, recorder=recorder)
    return recorder.steps


# ------------------------------------------------------------ local derivatives


def local_derivative(node: Any, i: int) -> np.ndarray | None:
    """The local derivative of ``node`` with respect to its input ``i`` at this point.

    For an elementwise activation, ``f'(x)`` (shaped like ``x``). For a small
    op (output size times input size at most 16), the Jacobian dy/dx_i found
    by one VJP per output element: shaped like ``x`` when it is diagonal
    (elementwise) or when the output is one number, ``(y.size, x.size)``
    otherwise. ``None`` when neither applies (a large matrix product).
    """
    op, parents, params = node._op, node.parents, node._params
    inputs = tuple(p.data for p in parents)
    x, y = inputs[i], node.data
    if op.name in activations.names():
        derivative = activations.get(op.name).derivative
        if derivative is not None:
            return np.broadcast_to(derivative(x, y, **params), x.shape)
    if y.size * x.size > SHOW_ALL * SHOW_ALL or y.size == 0:
        return None
    vjp = op.vjp(i)
    extra = {"i": i} if op.arity is None else {}
    rows = []
    for j in range(y.size):
        unit = np.zeros(y.size, dtype=y.dtype)
        unit[j] = 1
        row = np.asarray(vjp(unit.reshape(y.shape), y, *inputs, **extra, **params))
        if row.shape != x.shape:  # as the engine does: undo broadcasting
            row = np.broadcast_to(row, np.broadcast_shapes(row.shape, x.shape))
            row = unbroadcast(row, x.shape)
        rows.append(row.ravel())
    jacobian = np.array(rows, dtype=float)
    if y.size == 1:
        return jacobian.reshape(x.shape)
    if y.shape == x.shape and np.count_nonzero(jacobian - np.diag(np.diag(jacobian))) == 0:
        return np.diag(jacobian).reshape(x.shape)
    return jacobian


# ------------------------------------------------------------------ the page


def _number(v: float) -> str:
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    return f"{v:.4g}"


def _array(a: np.ndarray) -> str:
    """All values of a small array, a summary of a large one."""
    a = np.asarray(a, dtype=float)
    if a.size == 1:
        return _number(float(a.reshape(())))
    if a.size <= SHOW_ALL:
        if a.ndim == 2 and a.shape[0] > 1:
            return "[" + ", ".join(_array(row) for row in a) + "]"
        return "[" + ", ".join(_number(v) for v in a.ravel()) + "]"
    finite = a[np.isfinite(a)]
    zero = np.mean(a == 0)
    if finite.size == 0:
        return f"shape {a.shape}: no finite values"
    return (
        f"shape {a.shape}: mean {_number(finite.mean())}, "
        f"min {_number(finite.min())}, max {_number(finite.max())}, {zero:.0%} zero"
    )


def _values(a: np.ndarray) -> list[float] | None:
    """The values themselves, for the page's own formatting (small arrays only)."""
    a = np.asarray(a, dtype=float)
    return [float(v) for v in a.ravel()] if a.size <= SHOW_ALL else None


# How a node is named when nobody named it: the formula that made it, while short.
SYMBOLS = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "matmul": " @ "}
FORMULA_CHARS = 24


def _names(root: Any, nodes: list[Any], names: dict[int, str]) -> dict[int, str]:
    """A readable name for every drawn tensor: a parameter's dotted name, the
    tensor's own ``name``, a short formula (``x1*w1 + x2*w2``), or its op."""
    found: dict[int, str] = {}
    used: set[str] = set()

    def name_of(t: Any) -> str:
        if id(t) in found:
            return found[id(t)]
        label = _label(t, root, names)
        if t.is_leaf and not t.requires_grad and not t.name and t.size == 1:
            label = f"{t.data.item():.4g}"  # a constant, such as the 2 in x * 2
        if not label:
            args = [name_of(p) for p in t.parents]
            if t.op in SYMBOLS and len(args) == 2:
                args = [f"({a})" if " " in a else a for a in args]
                label = SYMBOLS[t.op].join(args)
            elif len(args) == 1:
                label = f"{t.op}({args[0]})"
            if not label or len(label) > FORMULA_CHARS:
                label = f"{t.op} output"
        if label in used and not (t.is_leaf and not t.requires_grad):
            label = f"{label} ({len(used)})"  # two tensors, one name: tell them apart
        used.add(label)
        found[id(t)] = label
        return label

    for t in reversed(nodes):  # inputs first, so formulas build up from them
        name_of(t)
    return found


def _node_text(t: Any, grad: np.ndarray | None) -> str:
    """A tensor's box: its data and, once visited, its gradient (the page shows
    that last line only from the step that visits the node)."""
    shape = "" if t.ndim == 0 else f"shape {tuple(t.shape)}\n"
    data = _array(t.data) if t.size <= SHOW_ALL else _value_summary(t.data)
    text = f"{shape}data {data}"
    if grad is not None:
        text += "\n" + (f"grad {_array(grad)}" if grad.size <= SHOW_ALL else _grad_details(grad))
    return text


def _graph_source(root: Any, nodes: list[Any], labels: dict[int, str], steps: list[Step]) -> str:
    """DOT text of the graph in the renderer's shapes and its no-gradient-yet
    colours; the page colours each node as the replay reaches it. Tensors are
    ``t{k}`` and their op nodes ``o{k}`` (``k`` their place in ``nodes``); an
    edge is named after its two ends, so the page can find it."""
    import graphviz

    grads = {id(step.node): step.grad for step in steps}
    ids = {id(t): k for k, t in enumerate(nodes)}
    g = graphviz.Digraph("backprop")
    g.attr(rankdir="LR", fontname="Helvetica", bgcolor="transparent", nodesep="0.25")
    g.attr("node", fontname="Helvetica", fontsize="13")
    g.attr("edge", arrowsize="0.7", color=NO_GRAD[0])
    for k, t in enumerate(nodes):
        if t.is_leaf and t.size == 1 and not t.requires_grad and not t.name:
            g.node(f"t{k}", labels[id(t)], id=f"t{k}", shape="plaintext")
            continue
        text = f"{labels[id(t)]}\n{_node_text(t, grads.get(id(t)))}"
        g.node(f"t{k}", text, id=f"t{k}", shape="box", style="filled,rounded",
               color=NO_GRAD[0], fillcolor=NO_GRAD[1], penwidth="1.5")  # fmt: skip
        if t.is_leaf:
            continue
        g.node(f"o{k}", t.op, id=f"o{k}", shape="ellipse", style="filled",
               fillcolor="#f2f2f2", color="#555555")  # fmt: skip
        g.edge(f"o{k}", f"t{k}", id=f"o{k}_t{k}")
        for p in dict.fromkeys(ids[id(p)] for p in t.parents):  # x * x: one edge
            g.edge(f"t{p}", f"o{k}", id=f"t{p}_o{k}")
    return g.source


def _layout(dot_source: str) -> str:
    """Graphviz's ``dot`` program: DOT text in, the SVG element out."""
    done = subprocess.run(
        ["dot", "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"explain_backward: Graphviz's dot failed: {done.stderr.strip()}")
    svg = done.stdout
    return svg[svg.index("<svg") :]


def _step_record(step: Step, ids: dict[int, int], labels: dict[int, str]) -> dict[str, Any]:
    """What the page shows at one step, as plain JSON."""
    node = step.node
    k = ids[id(node)]
    record: dict[str, Any] = {
        "node": f"t{k}",
        "label": labels[id(node)],
        "op": step.op,
        "shape": list(node.shape),
        "leaf": node.is_leaf,
        "value": _array(node.data),
        "grad": _array(step.grad),
        "grad_values": _values(step.grad),
        "health": diagnostics.health(step.grad),
        "received": [
            {
                "from": labels[id(child)],
                "op": child.op,
                "edge": f"t{k}_o{ids[id(child)]}",
                "grad": _array(g),
                "values": _values(g),
            }
            for child, g in step.received
        ],  # fmt: skip
        "sends": [],
        "quiet": [],
    }
    if step.received:
        total = step.received[0][1]
        for _, g in step.received[1:]:
            total = total + g
        if not np.array_equal(total, step.grad):  # a hook replaced the gradient
            record["hooked_from"] = _array(total)
    if node.is_leaf:
        return record
    record["op_node"] = f"o{k}"
    sent = iter(step.sends)
    for i, parent in enumerate(node.parents):
        p = ids[id(parent)]
        if not parent.requires_grad:
            record["quiet"].append(labels[id(parent)])
            continue
        _, rule, g = next(sent)
        local = local_derivative(node, i)
        record["sends"].append(
            {
                "to": labels[id(parent)],
                "node": f"t{p}",
                "edge": f"t{p}_o{k}",
                "rule": rule,
                "local": None if local is None else _array(local),
                "local_values": None if local is None else _values(local),
                "local_matrix": local is not None and local.ndim == 2 and local.shape != g.shape,
                "grad": _array(g),
                "values": _values(g),
                "zero": int(np.count_nonzero(g == 0)),
                "size": int(g.size),
            }
        )
    return record


def _page(title: str, svg: str, steps: list[dict[str, Any]]) -> str:
    template = (PAGE_DIR / "page.html").read_text(encoding="utf-8")
    css = (PAGE_DIR / "page.css").read_text(encoding="utf-8")
    js = (PAGE_DIR / "page.js").read_text(encoding="utf-8")
    # The gradient-health colours come from the renderer, so the replay ends on
    # the same picture that mg.draw gives after backward.
    palette = [f"  --current: {CURRENT};", f"  --none-border: {NO_GRAD[0]};"]
    for state, (border, fill) in COLOURS.items():
        palette += [f"  --{state}-border: {border};", f"  --{state}-fill: {fill};"]
    css = ":root {\n" + "\n".join(palette) + "\n}\n" + css
    data = json.dumps({"title": title, "steps": steps}).replace("</", "<\\/")
    legend = "".join(
        f"<span class='swatch {state}'></span>{html.escape(state)} " for state in ["none", *COLOURS]
    )
    return (
        template.replace("{{title}}", html.escape(title))
        .replace("{{css}}", css)
        .replace("{{legend}}", legend)
        .replace("{{svg}}", svg)
        .replace("{{data}}", data)
        .replace("{{js}}", js)
    )


class BackpropExplainer:
    """One backward pass, replayed: ``.save(path)`` writes the page, and a
    notebook shows it inline. ``steps`` are the pass's ``Step`` records."""

    def __init__(self, steps: list[Step], html_page: str) -> None:
        self.steps = steps
        self.html = html_page

    def save(self, path: str | Path) -> Path:
        """Write the page as one HTML file (it needs no network) and return its path."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        # In its own frame, so that its script and styles meet no others on the page.
        return (
            f"<iframe srcdoc='{html.escape(self.html, quote=True)}' "
            "style='width:100%;height:640px;border:1px solid #ccc'></iframe>"
        )

    def __repr__(self) -> str:
        return f"<BackpropExplainer: {len(self.steps)} steps>"


def explain_backward(
    root: Any, model: Any = None, max_nodes: int = 200, title: str | None = None
) -> BackpropExplainer:
    """Run ``root.backward()`` and return a page that replays it one node at a time.

    ``model`` (a Module) names parameters by their dotted path. The graph is
    laid out once by Graphviz's ``dot`` program; every check (root requires
    grad, at most ``max_nodes`` tensors, ``dot`` installed) comes before the
    pass, so a refused call leaves every ``.grad`` as it was.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"explain_backward: root must be a Tensor, got {type(root).__name__}")
    if not root.requires_grad:
        raise ValueError(
            "explain_backward: root does not require grad, so there is no backward pass "
            "to show; create the inputs you want gradients for with requires_grad=True"
        )
    if root.size != 1:
        raise ValueError(
            f"explain_backward: root must have one element (a loss), but it has shape "
            f"{tuple(root.shape)}; reduce it first, e.g. with .sum()"
        )
    if max_nodes < 1:
        raise ValueError(f"explain_backward: max_nodes must be at least 1, got {max_nodes}")
    nodes, omitted = collect(root, max_nodes)
    if omitted:
        raise ValueError(
            f"explain_backward: the graph has {len(nodes) + omitted} tensors, more than "
            f"max_nodes={max_nodes}; a step-by-step replay of that many is hard to follow. "
            f'Draw the layer view instead: mg.draw(root, model=model, group_by="layer") '
            f"(it needs the model), or raise max_nodes"
        )
    if shutil.which("dot") is None:
        raise RuntimeError(
            "explain_backward: Graphviz's dot program is not installed; it lays out the "
            "graph. Install Graphviz (apt install graphviz, brew install graphviz, "
            "conda install graphviz, or https://graphviz.org/download/)"
        )
    labels = _names(root, nodes, _param_names(model))
    steps = backprop_steps(root)
    svg = _layout(_graph_source(root, nodes, labels, steps))
    ids = {id(t): k for k, t in enumerate(nodes)}
    records = [_step_record(step, ids, labels) for step in steps]
    page = _page(title or f"Backprop, one node at a time: {labels[id(root)]}", svg, records)
    return BackpropExplainer(steps, page)
