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

    ``model`` (a Module) names parameters by their dotted path. Large graphs
    stay readable with a layer view: ``group_by="module"`` draws each module
    call's nodes inside one cluster; ``group_by="layer"`` draws each module
    call as one box that summarises it (its output, its parameters' gradients,
    what its activation did). ``max_nodes`` caps the drawing and says what it
    left out. Thresholds of the health classes are parameters.
    """
    import graphviz

    if group_by not in (None, "module", "layer"):
        raise ValueError(f"draw: group_by must be None, 'module' or 'layer', got {group_by!r}")
    if group_by is not None and model is None:
        raise ValueError(f"draw: group_by={group_by!r} needs the model, to find its modules")

    dot = _digraph_class()("minigrad")
    dot.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11")
    if title:
        dot.attr(label=title, labelloc="t")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", arrowsize="0.6")

    def health_of(grad: np.ndarray) -> str:
        return diagnostics.health(grad, vanishing, exploding)

    nodes, omitted = collect(root, max_nodes)
    names = _param_names(model)
    groups = _module_groups(root, model) if group_by else {}
    ids = {id(t): f"t{i}" for i, t in enumerate(nodes)}  # stable ids: same graph, same text
    if group_by == "layer":
        boxes = _draw_layer_boxes(dot, nodes, groups, names, health_of, saturated)
        # every tensor of a module call is drawn as that call's box
        ids.update({id(t): boxes[groups[id(t)]] for t in nodes if id(t) in groups})
    clusters: dict[str, Any] = {}

    def target(t: Any) -> Any:
        group = groups.get(id(t)) if group_by == "module" else None
        if group is None:
            return dot
        if group not in clusters:
            clusters[group] = graphviz.Digraph(f"cluster_{len(clusters)}")
            clusters[group].attr(label=group, style="rounded", color="#999999")
        return clusters[group]

    edges = set()
    for i, t in enumerate(nodes):
        in_box = group_by == "layer" and id(t) in groups
        if not in_box:
            _draw_tensor(target(t), ids[id(t)], t, _label(t, root, names), health_of)
        if t.is_leaf:
            continue
        oid = ids[id(t)] if in_box else f"o{i}"
        if not in_box:
            _draw_op(target(t), oid, t, saturated)
            dot.edge(
                oid, ids[id(t)], penwidth=_penwidth(t.grad), color=_edge_colour(t.grad, health_of)
            )
        for parent in t.parents:
            source = ids.get(id(parent))
            if source is None or source == oid or (source, oid) in edges:
                continue  # not drawn, inside the same box, or already drawn
            edges.add((source, oid))
            dot.edge(
                source,
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


def _draw_tensor(graph: Any, node_id: str, t: Any, label: str, health_of: Any) -> None:
    if t.is_leaf and t.size == 1 and not t.requires_grad and not t.name:
        # constants such as the 2 in `x * 2`: just the number
        graph.node(node_id, f"{t.data.item():.4g}", shape="plaintext")
        return
    lines = [label, f"{tuple(t.shape)}", _value_summary(t.data)]
    style = ["filled", "rounded"]
    border, fill = NO_GRAD
    if t.grad is not None:
        state = health_of(t.grad)
        border, fill = COLOURS[state]
        lines += [_grad_summary(t.grad), state]
        if state == "dead":
            style.append("dashed")
    graph.node(
        node_id,
        "\n".join(line for line in lines if line),
        shape="box",
        style=",".join(style),
        color=border,
        fillcolor=fill,
        penwidth="1.5",
    )


def _activation_lines(t: Any, saturated: float) -> tuple[list[str], int]:
    """What an activation's local derivative did on this batch, and its number of
    dead units (nothing for other ops)."""
    stats = diagnostics.activation_stats(
        t.op, [p.data for p in t.parents], t.data, t._params, saturated
    )
    if stats is None:
        return [], 0
    lines = [
        f"saturated (f' < {saturated:g}) {stats.saturated_fraction:.0%}",
        f"dead {stats.dead_units}/{stats.units} units",
    ]
    return lines, stats.dead_units


def _draw_op(graph: Any, node_id: str, t: Any, saturated: float) -> None:
    lines, dead = _activation_lines(t, saturated)
    graph.node(
        node_id,
        "\n".join([t.op, *lines]),
        shape="ellipse",
        style="filled",
        fillcolor="#f2f2f2",
        color=COLOURS["dead"][0] if dead else "#555555",
    )


def _draw_layer_boxes(dot, nodes, groups, names, health_of, saturated) -> dict[str, str]:
    """One box per module call: its output, its parameters' gradient health and
    what its activation did. Coloured by the worst health among its parameters'
    gradients, or, for a module without parameters, the gradient at its input."""
    members: dict[str, list[Any]] = {}
    for t in nodes:
        if id(t) in groups:
            members.setdefault(groups[id(t)], []).append(t)
    order = ["dead", "exploding", "vanishing", "flowing"]
    boxes = {}
    for k, (group, tensors) in enumerate(members.items()):
        output = tensors[0]  # collect() lists nearest to the root first
        lines = [group, f"out {tuple(output.shape)}: {_value_summary(output.data)}"]
        states = []
        for t in tensors:
            if id(t) in names and t.grad is not None:
                state = health_of(t.grad)
                states.append(state)
                mean_abs = float(np.mean(np.abs(t.grad)))
                lines.append(f"{names[id(t)]}: mean|g| {_fmt(mean_abs)} {state}")
            if not t.is_leaf:
                lines += _activation_lines(t, saturated)[0]
        if not states:  # no parameters: the gradient its input receives
            inside = {id(t) for t in tensors}
            inputs = [p for t in tensors for p in t.parents if id(p) not in inside]
            grads = [p.grad for p in inputs if p.grad is not None]
            if grads:
                states.append(health_of(grads[0]))
                lines.append(f"grad at input: mean|g| {_fmt(float(np.mean(np.abs(grads[0]))))}")
        state = min(states, key=order.index) if states else None
        border, fill = COLOURS[state] if state else NO_GRAD
        if state:
            lines.append(state)
        style = "filled,rounded" + (",dashed" if state == "dead" else "")
        box = f"m{k}"
        dot.node(
            box,
            "\n".join(lines),
            shape="box",
            style=style,
            color=border,
            fillcolor=fill,
            penwidth="2",
        )
        boxes[group] = box
    return boxes


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


INSTALL_GRAPHVIZ = (
    "Graphviz's `dot` program, which turns the graph into a picture, is not installed "
    "(or not on PATH). Install it with one of: `sudo apt install graphviz` (Debian, "
    "Ubuntu), `brew install graphviz` (macOS), `conda install -c conda-forge graphviz`, "
    "`winget install graphviz` (Windows; then open a new terminal). Without it, "
    "mg.to_dot(...) still gives the graph as DOT text."
)
_DIGRAPH: list[type] = []


def _digraph_class() -> type:
    """``graphviz.Digraph`` whose ``render`` and ``pipe`` (behind Jupyter's inline
    display) say how to install Graphviz when its ``dot`` program is missing."""
    if not _DIGRAPH:
        import graphviz

        class DotNotInstalled(graphviz.ExecutableNotFound):
            def __str__(self) -> str:
                return INSTALL_GRAPHVIZ

        class Digraph(graphviz.Digraph):
            def render(self, *args: Any, **kwargs: Any) -> Any:
                try:
                    return super().render(*args, **kwargs)
                except graphviz.ExecutableNotFound as error:
                    raise DotNotInstalled(error.args) from None

            def pipe(self, *args: Any, **kwargs: Any) -> Any:
                try:
                    return super().pipe(*args, **kwargs)
                except graphviz.ExecutableNotFound as error:
                    raise DotNotInstalled(error.args) from None

        DotNotInstalled.__qualname__ = "DotNotInstalled"
        Digraph.__qualname__ = "Digraph"
        _DIGRAPH.append(Digraph)
    return _DIGRAPH[0]


def to_dot(root: Any, model: Any = None, **options: Any) -> str:
    """The same graph as ``draw``, as DOT source text (no Graphviz program needed)."""
    return draw(root, model, **options).source


def _module_groups(root: Any, model: Any) -> dict[int, str]:
    """Tensor id -> dotted name of the innermost module call that produced it."""
    from .nn.module import module_calls

    names = {id(m): f"{name} ({type(m).__name__})" for name, m in model.named_modules() if name}
    return module_calls.assign(root, names)
