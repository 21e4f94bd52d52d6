"""Draw a computation graph with the health of every gradient (Graphviz).

One node per tensor (its name, shape, a value summary and, after backward, a
gradient summary), an op node between inputs and output, edges in data-flow
direction. After a backward pass, colours give each gradient's health as
``diagnostics.health`` classifies it, edge widths follow the gradient's
magnitude on a log scale, and an activation's op node says what its local
derivative did on this batch: how much of it was saturated and how many
units were dead.

Colours are the Okabe-Ito palette, readable with every common colour-vision
deficiency; dead gradients are also drawn dashed, so colour is never the only cue.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np

from . import diagnostics
from .diagnostics import EXPLODING, SATURATED, VANISHING

# health -> (border, fill)
COLOURS = {
    "flowing": ("#0072B2", "#cfe6f5"),  # blue
    "vanishing": ("#E69F00", "#fbe6bd"),  # orange
    "dead": ("#000000", "#d9d9d9"),  # black on grey, dashed
    "exploding": ("#D55E00", "#f6cdb0"),  # vermillion
}
NO_GRAD = ("#7f7f7f", "#ffffff")  # before backward, or no gradient wanted
LEGEND = {
    "flowing": "flowing: gradient reaches this tensor",
    "vanishing": f"vanishing: mean |grad| < {VANISHING:g}",
    "dead": "dead: gradient exactly 0",
    "exploding": f"exploding: mean |grad| > {EXPLODING:g} or not finite",
}


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _value_summary(data: np.ndarray) -> str:
    if data.size == 0:
        return "empty"
    if data.size <= 4:
        return np.array2string(data.ravel(), precision=3, separator=", ")
    return f"mean {_fmt(data.mean())} ± {_fmt(data.std())}"


def _grad_summary(grad: np.ndarray) -> str:
    abs_grad = np.abs(grad)
    return (
        f"grad: norm {_fmt(float(np.sqrt(np.sum(grad * grad))))}, "
        f"mean|g| {_fmt(float(abs_grad.mean()))}, {np.mean(grad == 0):.0%} zero"
    )


def _penwidth(grad: np.ndarray | None) -> str:
    """Edge width on a log scale of mean |grad|: 1e-8 -> 0.5, 1 -> 4.5."""
    if grad is None:
        return "1"
    mean_abs = float(np.mean(np.abs(grad))) if grad.size else 0.0
    if not math.isfinite(mean_abs):
        return "6"
    if mean_abs == 0:
        return "0.5"
    return f"{min(6.0, max(0.5, 4.5 + 0.5 * math.log10(mean_abs))):.2f}"


def collect(root: Any, max_nodes: int) -> tuple[list[Any], int]:
    """Tensors of the graph behind ``root``, nearest first, at most ``max_nodes``;
    also how many were left out."""
    nodes, seen, queue = [], {id(root)}, deque([root])
    total = 0
    while queue:
        t = queue.popleft()
        total += 1
        if len(nodes) < max_nodes:
            nodes.append(t)
        for parent in t.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return nodes, total - len(nodes)


def _param_names(model: Any) -> dict[int, str]:
    return {} if model is None else {id(p): name for name, p in model.named_parameters()}


def _label(t: Any, root: Any, names: dict[int, str]) -> str:
    if id(t) in names:
        return names[id(t)]
    if t.name:
        return t.name
    if t is root:
        return "loss" if t.size == 1 else "output"
    if t.is_leaf:
        return "parameter" if t.requires_grad else "input"
    return ""


def draw(
    root: Any,
    model: Any = None,
    *,
    group_by: str | None = None,
    max_nodes: int = 300,
    rankdir: str = "LR",
    vanishing: float = VANISHING,
    exploding: float = EXPLODING,
    saturated: float = SATURATED,
    legend: bool = True,
    title: str | None = None,
) -> Any:
    """A ``graphviz.Digraph`` of the graph that produced ``root``.

    ``model`` (a Module) names parameters by their dotted path;
    ``group_by="module"`` draws each module call's nodes in one cluster (the
    layer view); ``max_nodes`` caps the drawing and says what it left out.
    """
    import graphviz

    if group_by not in (None, "module"):
        raise ValueError(f"draw: group_by must be None or 'module', got {group_by!r}")
    if group_by == "module" and model is None:
        raise ValueError("draw: group_by='module' needs the model")

    dot = graphviz.Digraph("minigrad")
    dot.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11")
    if title:
        dot.attr(label=title, labelloc="t")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", arrowsize="0.6")

    nodes, omitted = collect(root, max_nodes)
    names = _param_names(model)
    groups = _module_groups(root, model) if group_by == "module" else {}
    clusters: dict[str, Any] = {}

    def target(t: Any) -> Any:
        group = groups.get(id(t))
        if group is None:
            return dot
        if group not in clusters:
            clusters[group] = graphviz.Digraph(f"cluster_{len(clusters)}")
            clusters[group].attr(label=group, style="rounded", color="#999999")
        return clusters[group]

    def health_of(grad):
        return diagnostics.health(grad, vanishing, exploding)

    ids = {id(t): f"t{i}" for i, t in enumerate(nodes)}  # stable ids: same graph, same text
    for t in nodes:
        tid = ids[id(t)]
        if t.is_leaf and t.size == 1 and not t.requires_grad and not t.name:
            # constants such as the 2 in `x * 2`: just the number
            target(t).node(tid, f"{t.data.item():.4g}", shape="plaintext")
            continue
        lines = [_label(t, root, names), f"{tuple(t.shape)}", _value_summary(t.data)]
        style = ["filled", "rounded"]
        border, fill = NO_GRAD
        if t.grad is not None:
            state = health_of(t.grad)
            border, fill = COLOURS[state]
            lines.append(_grad_summary(t.grad))
            lines.append(state)
            if state == "dead":
                style.append("dashed")
        label = "\n".join(line for line in lines if line)
        target(t).node(tid, label, shape="box", style=",".join(style), color=border,
                       fillcolor=fill, penwidth="1.5")  # fmt: skip
        if t.is_leaf:
            continue
        oid = "o" + tid[1:]
        op_lines = [t.op]
        stats = diagnostics.activation_stats(
            t.op, [p.data for p in t.parents], t.data, t._params, saturated
        )
        op_border = "#555555"
        if stats is not None:
            op_lines.append(f"saturated {stats.saturated_fraction:.0%}")
            op_lines.append(f"dead {stats.dead_units}/{stats.units} units")
            if stats.dead_units:
                op_border = COLOURS["dead"][0]
        target(t).node(oid, "\n".join(op_lines), shape="ellipse", style="filled",
                       fillcolor="#f2f2f2", color=op_border)  # fmt: skip
        dot.edge(oid, tid, penwidth=_penwidth(t.grad), color=_edge_colour(t.grad, health_of))
        for parent in t.parents:
            if id(parent) in ids:
                dot.edge(
                    ids[id(parent)],
                    oid,
                    penwidth=_penwidth(parent.grad),
                    color=_edge_colour(parent.grad, health_of),
                )
    for cluster in clusters.values():
        dot.subgraph(cluster)
    if omitted:
        dot.node(
            "omitted",
            f"{omitted} more tensors not drawn\n(max_nodes={max_nodes}; raise it to see them)",
            shape="note",
            color="#7f7f7f",
        )
    if legend:
        _add_legend(dot)
    return dot


def _edge_colour(grad: np.ndarray | None, health_of) -> str:
    return NO_GRAD[0] if grad is None else COLOURS[health_of(grad)][0]


def _add_legend(dot: Any) -> None:
    import graphviz

    legend = graphviz.Digraph("cluster_legend")
    legend.attr(label="gradient health", style="rounded", color="#999999", fontsize="10")
    for state, text in LEGEND.items():
        border, fill = COLOURS[state]
        style = "filled,rounded" + (",dashed" if state == "dead" else "")
        legend.node(f"legend_{state}", text, shape="box", style=style, color=border,
                    fillcolor=fill)  # fmt: skip
    legend.node("legend_none", "no gradient (yet)", shape="box", style="rounded",
                color=NO_GRAD[0])  # fmt: skip
    dot.subgraph(legend)


def to_dot(root: Any, model: Any = None, **options: Any) -> str:
    """The same graph as ``draw``, as DOT source text (no Graphviz program needed)."""
    return draw(root, model, **options).source


def _module_groups(root: Any, model: Any) -> dict[int, str]:
    """Tensor id -> dotted name of the innermost module call that produced it."""
    from .nn.module import module_calls

    names = {id(m): f"{name} ({type(m).__name__})" for name, m in model.named_modules() if name}
    return module_calls.assign(root, names)
