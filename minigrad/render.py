"""Draw a computation graph so that a learner sees where gradients flow, fade and die.

Two views of the same graph (Graphviz, laid out top to bottom):

- the **op view** (``group_by="op"``): one node per tensor, an op node between
  inputs and output, edges in data-flow direction. Each tensor is coloured by
  ``diagnostics.health`` of its gradient (absolute thresholds);
- the **layer view** (``group_by="layer"``, the default with a ``model``): one
  box per module call, classed by the gradient reaching its output *relative
  to the gradient at the model's output*, so a fading gradient reads as one
  boundary down the network.

Every activation (its op node, or its layer box) carries a **unit strip**: one
small cell per unit, dead (grey, with a cross), saturated (orange) or flowing
(blue, deeper where it passes gradient on more of the batch), in the
vocabulary of ``mg.diagnostics``: the dead and saturated cells are the units
``unit_masks`` calls dead and saturated. Labels keep to three lines of text;
every other number is in a tooltip (on hover, in the SVG).

Colours are the Okabe-Ito palette, readable with every common colour-vision
deficiency; dead gradients are also drawn dashed and dead cells crossed, so
colour is never the only cue.
"""

from __future__ import annotations

import inspect
import math
from collections import deque
from dataclasses import dataclass
from html import escape as _escape
from typing import Any

import numpy as np

from . import activations, diagnostics
from .diagnostics import EXPLODING, SATURATED, VANISHING

VANISHING_RATIO = 1e-3  # layer view: gradient below this x the output's is vanishing
EXPLODING_RATIO = 1e3

# gradient class -> (border, fill)
COLOURS = {
    "flowing": ("#0072B2", "#cfe6f5"),  # blue
    "vanishing": ("#E69F00", "#fbe6bd"),  # orange
    "dead": ("#000000", "#d9d9d9"),  # black on grey, dashed
    "exploding": ("#D55E00", "#f6cdb0"),  # vermillion
}
NO_GRAD = ("#7f7f7f", "#ffffff")  # before backward, or no gradient wanted
# unit cells: dead grey with a cross, saturated orange, flowing from pale to deep blue
DEAD_CELL = "#bdbdbd"
SATURATED_CELL = "#E69F00"
FLOWING_PALE, FLOWING_DEEP = (0xDC, 0xEB, 0xF7), (0x00, 0x72, 0xB2)
CELL_WIDTH, CELL_HEIGHT = 8, 12
BAR_WIDTH = 60  # px of the log-scale bar: 1e-8 x output .. 1e2 x output
BAR_DECADES = (-8, 2)
WORST_FIRST = ("dead", "exploding", "vanishing", "flowing")
RANKDIRS = ("TB", "LR", "BT", "RL")


def escape(text: str) -> str:
    """Text for an HTML-like label or attribute: &, <, > and " escaped, f' kept."""
    return _escape(text, quote=False).replace('"', "&quot;")


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _value_summary(data: np.ndarray) -> str:
    if data.size == 0:
        return "empty"
    if data.size <= 4:
        return np.array2string(data.ravel(), precision=3, separator=", ")
    return f"mean {_fmt(data.mean())} ± {_fmt(data.std())}"


def _rms(grad: np.ndarray) -> float:
    if grad.size == 0:
        return 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        return float(np.sqrt(np.mean(np.square(grad, dtype=np.float64))))


def _grad_details(grad: np.ndarray) -> str:
    if grad.size == 0:
        return "grad: empty"
    abs_grad = np.abs(grad)
    return (
        f"grad: rms {_fmt(_rms(grad))}, mean |g| {_fmt(float(abs_grad.mean()))}, "
        f"max |g| {_fmt(float(abs_grad.max()))}, {np.mean(grad == 0):.0%} exactly 0"
    )


def _value_details(t: Any) -> str:
    data = t.data
    if data.size == 0:
        return f"shape {tuple(t.shape)}, {t.dtype}, empty"
    return (
        f"shape {tuple(t.shape)}, {t.dtype}; values: mean {_fmt(data.mean())}, "
        f"std {_fmt(data.std())}, min {_fmt(data.min())}, max {_fmt(data.max())}"
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


# ---------------------------------------------------------------- arguments


def _check_bool(where: str, name: str, value: Any) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {value!r}")


def _check_count(where: str, name: str, value: Any) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value}")


def _check_positive(where: str, name: str, value: Any) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{where}: {name} must be a positive number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{where}: {name} must be a positive finite number, got {value}")


@dataclass
class _Options:
    """The drawing's settings, checked once."""

    view: str  # "op", "module" or "layer"
    units: bool
    max_units: int
    vanishing: float
    exploding: float
    vanishing_ratio: float
    exploding_ratio: float
    saturated: float


def _options(where: str, model: Any, group_by: Any, **kw: Any) -> _Options:
    if group_by not in ("auto", "op", None, "module", "layer"):
        raise ValueError(
            f"{where}: group_by must be 'auto', 'op' (or None), 'layer' or 'module', "
            f"got {group_by!r}"
        )
    view = {"auto": "layer" if model is not None else "op", None: "op"}.get(group_by, group_by)
    if view in ("layer", "module") and model is None:
        raise ValueError(f"{where}: group_by={group_by!r} needs the model, to find its modules")
    _check_bool(where, "units", kw["units"])
    _check_bool(where, "legend", kw["legend"])
    _check_count(where, "max_units", kw["max_units"])
    _check_count(where, "max_nodes", kw["max_nodes"])
    if kw["rankdir"] not in RANKDIRS:
        raise ValueError(f"{where}: rankdir must be one of {RANKDIRS}, got {kw['rankdir']!r}")
    if kw["title"] is not None and not isinstance(kw["title"], str):
        raise TypeError(f"{where}: title must be a str or None, got {kw['title']!r}")
    for name in ("vanishing", "exploding", "vanishing_ratio", "exploding_ratio", "saturated"):
        _check_positive(where, name, kw[name])
    for low, high in (("vanishing", "exploding"), ("vanishing_ratio", "exploding_ratio")):
        if kw[low] >= kw[high]:
            raise ValueError(f"{where}: {low}={kw[low]} must be below {high}={kw[high]}")
    if kw["saturated"] > 1:
        raise ValueError(
            f"{where}: saturated is a fraction of the activation's peak derivative, at most 1 "
            f"(default {SATURATED}); got {kw['saturated']}"
        )
    thresholds = ("vanishing", "exploding", "vanishing_ratio", "exploding_ratio", "saturated")
    return _Options(
        view, bool(kw["units"]), int(kw["max_units"]), *(float(kw[n]) for n in thresholds)
    )


# ---------------------------------------------------------------- drawing


def draw(
    root: Any,
    model: Any = None,
    group_by: str | None = "auto",
    units: bool = True,
    max_units: int = 64,
    rankdir: str = "TB",
    max_nodes: int = 300,
    legend: bool = True,
    title: str | None = None,
    vanishing: float = VANISHING,
    exploding: float = EXPLODING,
    vanishing_ratio: float = VANISHING_RATIO,
    exploding_ratio: float = EXPLODING_RATIO,
    saturated: float = SATURATED,
) -> Any:
    """A ``graphviz.Digraph`` of the graph that produced ``root``.

    ``group_by="op"`` (or ``None``) draws one node per tensor and op;
    ``"layer"`` one box per module call of ``model``, classed by its gradient
    relative to the model's output (below ``vanishing_ratio``: vanishing);
    ``"module"`` the op view with each module call's nodes in a cluster.
    ``"auto"``: the layer view with a ``model``, else the op view. ``units``
    draws each activation's unit strip (at most ``max_units`` cells; past
    that, a cell stands for a group of consecutive units). ``saturated`` is
    the fraction of an activation's peak derivative below which it counts as
    saturated. ``max_nodes`` caps the drawing and says what it left out.
    """
    return _draw(
        "draw", root, model, group_by, units, max_units, rankdir, max_nodes, legend, title,
        vanishing, exploding, vanishing_ratio, exploding_ratio, saturated,
    )  # fmt: skip


def to_dot(root: Any, model: Any = None, *args: Any, **kwargs: Any) -> str:
    """The same graph as ``draw`` (same arguments), as DOT source text: no Graphviz
    ``dot`` program needed."""
    try:
        bound = inspect.signature(draw).bind(root, model, *args, **kwargs)
    except TypeError as error:
        raise TypeError(f"to_dot: {error}; it takes the arguments of draw") from None
    bound.apply_defaults()
    return _draw("to_dot", *bound.arguments.values()).source


def _draw(
    where, root, model, group_by, units, max_units, rankdir, max_nodes, legend, title,
    vanishing, exploding, vanishing_ratio, exploding_ratio, saturated,
) -> Any:  # fmt: skip
    opts = _options(
        where, model, group_by, units=units, max_units=max_units, rankdir=rankdir,
        max_nodes=max_nodes, legend=legend, title=title, vanishing=vanishing,
        exploding=exploding, vanishing_ratio=vanishing_ratio,
        exploding_ratio=exploding_ratio, saturated=saturated,
    )  # fmt: skip
    import graphviz

    dot = _digraph_class()("minigrad")
    dot.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11")
    if title:
        dot.attr(label=title, labelloc="t")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", arrowsize="0.6")

    nodes, omitted = collect(root, max_nodes)
    names = _param_names(model)
    groups = _module_groups(root, model) if opts.view != "op" else {}
    if opts.view == "layer":
        reference = _model_output(nodes, model, root)
        ref_rms = None if reference.grad is None else _rms(reference.grad)

        def classify(grad: np.ndarray) -> str:
            return _ratio_class(grad, ref_rms, opts)

    else:

        def classify(grad: np.ndarray) -> str:
            return diagnostics.health(grad, opts.vanishing, opts.exploding)

    ids = {id(t): f"t{i}" for i, t in enumerate(nodes)}  # stable ids: same graph, same text
    if opts.view == "layer":
        # the ops after the model's output (a loss) make one box too
        groups.update({id(t): HEAD for t in _head(root, reference, groups)})
        boxes = _draw_layer_boxes(dot, nodes, groups, names, classify, ref_rms, opts)
        # every tensor of a module call is drawn as that call's box
        ids.update({id(t): boxes[groups[id(t)]] for t in nodes if id(t) in groups})
    clusters: dict[str, Any] = {}

    def target(t: Any) -> Any:
        group = groups.get(id(t)) if opts.view == "module" else None
        if group is None:
            return dot
        if group not in clusters:
            clusters[group] = graphviz.Digraph(f"cluster_{len(clusters)}")
            clusters[group].attr(label=group, style="rounded", color="#999999")
        return clusters[group]

    edges = set()
    for i, t in enumerate(nodes):
        in_box = opts.view == "layer" and id(t) in groups
        if not in_box:
            _draw_tensor(target(t), ids[id(t)], t, _label(t, root, names), classify)
        if t.is_leaf:
            continue
        oid = ids[id(t)] if in_box else f"o{i}"
        if not in_box:
            _draw_op(target(t), oid, t, opts)
            dot.edge(oid, ids[id(t)], penwidth=_penwidth(t.grad), color=_edge_colour(t, classify))
        for parent in t.parents:
            source = ids.get(id(parent))
            if source is None or source == oid or (source, oid) in edges:
                continue  # not drawn, inside the same box, or already drawn
            edges.add((source, oid))
            dot.edge(
                source,
                oid,
                penwidth=_penwidth(parent.grad),
                color=_edge_colour(parent, classify),
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
        strips = any('_units"' in line for line in dot.body)
        _add_legend(dot, opts, strips)
    return dot


def _edge_colour(t: Any, classify: Any) -> str:
    return NO_GRAD[0] if t.grad is None else COLOURS[classify(t.grad)][0]


def _draw_tensor(graph: Any, node_id: str, t: Any, label: str, classify: Any) -> None:
    if t.is_leaf and t.size == 1 and not t.requires_grad and not t.name:
        # constants such as the 2 in `x * 2`: just the number
        graph.node(node_id, f"{t.data.item():.4g}", shape="plaintext")
        return
    # three lines: name and shape, values, gradient; the rest in the tooltip
    lines = [f"{label} {tuple(t.shape)}".strip(), _value_summary(t.data)]
    details = [label or (t.op or "tensor"), _value_details(t)]
    style = ["filled", "rounded"]
    border, fill = NO_GRAD
    if t.grad is not None:
        state = classify(t.grad)
        border, fill = COLOURS[state]
        mean_abs = float(np.mean(np.abs(t.grad))) if t.grad.size else 0.0
        lines.append(f"mean|g| {_fmt(mean_abs)} {state}")
        details += [_grad_details(t.grad), f"gradient: {state}"]
        if state == "dead":
            style.append("dashed")
    elif t.requires_grad:
        lines.append("no gradient yet")
    graph.node(
        node_id,
        "\n".join(lines),
        tooltip="\n".join(details),
        shape="box",
        style=",".join(style),
        color=border,
        fillcolor=fill,
        penwidth="1.5",
    )


# ------------------------------------------------------------ unit strips


@dataclass
class _Activation:
    """What one activation call did on this batch, for its label and strip."""

    op: str
    stats: diagnostics.ActivationStats
    units: diagnostics.UnitStates
    peak: float


def _activation(t: Any, saturated: float) -> _Activation | None:
    """The activation behind tensor ``t`` (its output), or ``None``."""
    if t.is_leaf:
        return None
    inputs = [p.data for p in t.parents]
    args = (t.op, inputs, t.data, t._params, saturated)
    stats = diagnostics.activation_stats(*args)
    if stats is None:
        return None
    peak = activations.get(t.op).call_peak(inputs, t._params)
    return _Activation(t.op, stats, diagnostics.unit_states(*args), peak)


def _activation_line(a: _Activation) -> str:
    """One line of what the activation did: a ReLU is off or passing, never saturated."""
    s = a.stats
    parts = []
    if s.off_fraction:
        parts.append(f"off {s.off_fraction:.0%}")
    if s.saturated_fraction:
        parts.append(f"saturated {s.saturated_fraction:.0%}")
    if not parts:
        parts.append("passing 100%")
    if s.dead_units:
        parts.append(f"{s.dead_units}/{s.units} units dead")
    if s.saturated_units:
        parts.append(f"{s.saturated_units}/{s.units} units saturated")
    return ", ".join(parts)


def _activation_details(a: _Activation, saturated: float) -> str:
    s = a.stats
    flowing = s.units - s.dead_units - s.saturated_units
    return (
        f"{a.op}: per element, off (f' = 0) {s.off_fraction:.1%}, saturated "
        f"(0 < |f'| < {saturated:g} x peak {_fmt(a.peak)}) {s.saturated_fraction:.1%}, "
        f"passing {s.passing_fraction:.1%}; mean |f'| {_fmt(s.mean_derivative)}\n"
        f"units: {s.dead_units} dead, {s.saturated_units} saturated, {flowing} flowing "
        f"of {s.units}; {s.inactive_units} inactive (input <= 0 on every example)"
    )


def _blend(share: float) -> str:
    rgb = [round(p + (d - p) * share) for p, d in zip(FLOWING_PALE, FLOWING_DEEP, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _unit_cells(a: _Activation, name: str, max_units: int) -> list[tuple[str, str, str]]:
    """(state, fill, tooltip) per cell, in unit order; past ``max_units`` units, one
    cell per group of consecutive units, coloured by its worst state."""
    u = a.units
    states = u.state
    n = len(states)
    cells = []
    for group in np.array_split(np.arange(n), min(n, max_units)):
        if len(group) == 0:
            continue
        share = float(u.passing_share[group].mean())
        mean_d = float(u.mean_derivative[group].mean())
        dead, sat = int(u.dead[group].sum()), int(u.saturated[group].sum())
        state = "dead" if dead else "saturated" if sat else "flowing"
        if len(group) == 1:
            k = int(group[0])
            text = f"{name} unit {k}: {state}, "
            if state == "dead":
                text += "f' = 0 on every example"
            elif state == "saturated":
                text += f"|f'| below {_fmt(a.peak * 0.1)} (a tenth of its peak) on every example"
            else:
                text += f"passes gradient on {share:.0%} of the batch"
            text += f"; mean |f'| {_fmt(mean_d)}"
            if u.inactive[k]:
                text += "; inactive (input <= 0 on every example)"
        else:
            text = (
                f"{name} units {group[0]}-{group[-1]}: {dead} dead, {sat} saturated; "
                f"passing on {share:.0%} of the batch on average, mean |f'| {_fmt(mean_d)}"
            )
        fill = {"dead": DEAD_CELL, "saturated": SATURATED_CELL}.get(state) or _blend(share)
        cells.append((state, fill, text))
    return cells


def _strip_html(cells: list[tuple[str, str, str]], node_id: str) -> str:
    """A row of small cells, each with a tooltip that survives into the SVG."""
    tds = []
    for k, (state, fill, text) in enumerate(cells):
        mark = '<FONT POINT-SIZE="8">×</FONT>' if state == "dead" else ""
        tds.append(
            f'<TD WIDTH="{CELL_WIDTH}" HEIGHT="{CELL_HEIGHT}" FIXEDSIZE="TRUE" '
            f'BGCOLOR="{fill}" TOOLTIP="{escape(text)}" HREF="#" ID="{node_id}_u{k}">{mark}</TD>'
        )
    return (
        f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0" '
        f'BGCOLOR="#ffffff" FIXEDSIZE="TRUE" WIDTH="{len(cells) * (CELL_WIDTH + 1) + 1}" '
        f'HEIGHT="{CELL_HEIGHT + 2}" ID="{node_id}_units"><TR>{"".join(tds)}</TR></TABLE>'
    )


def _bar_html(ratio: float | None, colour: str) -> str:
    """A small bar for the gradient relative to the output's, on a log scale."""
    lo, hi = BAR_DECADES
    if ratio is None or ratio == 0:
        share = 0.0
    elif not math.isfinite(ratio):
        share = 1.0
    else:
        share = min(1.0, max(0.0, (math.log10(ratio) - lo) / (hi - lo)))
    filled = max(1, round(share * BAR_WIDTH))
    text = escape(f"log scale, from 1e{lo} (left) to 1e{hi} x the output's gradient")
    rest = (
        f'<TD WIDTH="{BAR_WIDTH - filled}" HEIGHT="5" FIXEDSIZE="TRUE" BGCOLOR="#ffffff"></TD>'
        if filled < BAR_WIDTH
        else ""
    )
    return (
        f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0" COLOR="#7f7f7f" '
        f'FIXEDSIZE="TRUE" WIDTH="{BAR_WIDTH + 2}" HEIGHT="7" '
        f'TOOLTIP="{text}" HREF="#"><TR><TD WIDTH="{filled}" HEIGHT="5" FIXEDSIZE="TRUE" '
        f'BGCOLOR="{colour}"></TD>{rest}</TR></TABLE>'
    )


def _html_node(
    graph: Any,
    node_id: str,
    lines: list[str],
    extras: list[str],
    border: str,
    fill: str,
    tooltip: str,
    dashed: bool = False,
    rounded: bool = True,
) -> None:
    """A node drawn as one HTML-like table: its text lines (the first in bold),
    then graphical rows (a bar, a unit strip)."""
    rows = [f"<TR><TD><B>{escape(lines[0])}</B></TD></TR>"]
    rows += [f"<TR><TD>{escape(line)}</TD></TR>" for line in lines[1:]]
    rows += [f"<TR><TD>{extra}</TD></TR>" for extra in extras]
    style = ",".join(s for s, on in (("rounded", rounded), ("dashed", dashed)) if on)
    table = (
        f'<TABLE BORDER="2" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
        f'COLOR="{border}" BGCOLOR="{fill}"' + (f' STYLE="{style}"' if style else "") + ">"
    )
    graph.node(node_id, f"<{table}{''.join(rows)}</TABLE>>", shape="plain", tooltip=tooltip)


def _draw_op(graph: Any, node_id: str, t: Any, opts: _Options) -> None:
    a = _activation(t, opts.saturated)
    params = ", ".join(f"{k}={v}" for k, v in t._params.items())
    tooltip = f"{t.op}({params})" if params else t.op
    if a is None:
        graph.node(
            node_id, t.op, shape="ellipse", style="filled", fillcolor="#f2f2f2",
            color="#555555", tooltip=tooltip,
        )  # fmt: skip
        return
    extras = []
    if t.grad is None:
        line = "no gradient yet"
    else:
        line = _activation_line(a)
        tooltip += "\n" + _activation_details(a, opts.saturated)
        if opts.units:
            extras.append(_strip_html(_unit_cells(a, t.op, opts.max_units), node_id))
    border = COLOURS["dead"][0] if t.grad is not None and a.stats.dead_units else "#555555"
    _html_node(graph, node_id, [t.op, line], extras, border, "#f2f2f2", tooltip)


# -------------------------------------------------------------- layer view


def _model_output(nodes: list[Any], model: Any, root: Any) -> Any:
    """The tensor returned by the model's outermost call: the last such call (the one
    nearest the root) if there are several; the root if the model made none."""
    from .nn.module import module_calls

    for t in nodes:  # nearest the root first
        if any(call.module is model for call in module_calls(t)):
            return t
    return root


def _ratio(grad: np.ndarray, ref_rms: float | None) -> float | None:
    if ref_rms is None or ref_rms == 0 or not math.isfinite(ref_rms):
        return None
    return _rms(grad) / ref_rms


def _ratio_class(grad: np.ndarray, ref_rms: float | None, opts: _Options) -> str:
    """Layer view: the gradient's RMS relative to the model output's gradient."""
    if not np.any(grad):
        return "dead"
    if not np.all(np.isfinite(grad)):
        return "exploding"
    ratio = _ratio(grad, ref_rms)
    if ratio is None:  # the output's gradient is 0 or not finite: compare absolutely
        return diagnostics.health(grad, opts.vanishing, opts.exploding)
    if ratio > opts.exploding_ratio:
        return "exploding"
    if ratio < opts.vanishing_ratio:
        return "vanishing"
    return "flowing"


HEAD = "(head)"  # the group of the ops between the model's output and the root


def _head(root: Any, reference: Any, groups: dict[int, str]) -> list[Any]:
    """The non-leaf tensors between the model's output and ``root`` that no module
    call made (a loss computed from the output), nearest the root first."""
    if reference is root:
        return []
    found, seen, queue = [], {id(root)}, deque([root])
    while queue:
        t = queue.popleft()
        if t is reference or t.is_leaf or id(t) in groups:
            continue
        found.append(t)
        for parent in t.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return found


def _draw_head_box(dot: Any, box: str, tensors: list[Any], label: str, opts: _Options) -> None:
    root = tensors[0]
    ops = " → ".join(t.op for t in reversed(tensors))
    lines = [f"{label} {tuple(root.shape)}", ops, _value_summary(root.data)]
    details = [f"{t.op}: {_value_details(t)}" for t in reversed(tensors)]
    border, fill = NO_GRAD
    if root.grad is not None:
        # the seed of backward is no layer's gradient: health, not a ratio to the output
        state = diagnostics.health(root.grad, opts.vanishing, opts.exploding)
        border, fill = COLOURS[state]
        details += [f"{label}: {_grad_details(root.grad)}"]
    _html_node(dot, box, lines, [], border, fill, "\n".join(details))


def _draw_layer_boxes(dot, nodes, groups, names, classify, ref_rms, opts) -> dict[str, str]:
    """One box per module call: its name, type and output shape; the gradient
    reaching its output relative to the model's output; and what its parameters'
    gradients or its activation did, with the activation's unit strip."""
    members: dict[str, list[Any]] = {}
    for t in nodes:
        if id(t) in groups:
            members.setdefault(groups[id(t)], []).append(t)
    boxes = {}
    for k, (group, tensors) in enumerate(members.items()):
        box = f"m{k}"
        boxes[group] = box
        output = tensors[0]  # collect() lists nearest to the root first
        if group == HEAD:
            _draw_head_box(dot, box, tensors, "loss" if output.size == 1 else "output", opts)
            continue
        name, kind = group[:-1].rsplit(" (", 1)  # "layers.1 (ReLU)"
        lines = [f"{name} {kind} {tuple(output.shape)}"]
        details = [f"{group}: output {_value_details(output)}"]
        extras = []
        state = None
        if output.grad is None:
            lines.append("no gradient yet")
        else:
            state = classify(output.grad)
            ratio = _ratio(output.grad, ref_rms)
            reach = "grad 0" if state == "dead" else f"grad {ratio:.1e} x output"
            if ratio is None and state != "dead":
                reach = f"grad rms {_rms(output.grad):.1e}"
            lines.append(f"{reach} · {state}")
            details.append(f"gradient at its output: {_grad_details(output.grad)}; {state}")
            extras.append(_bar_html(ratio, COLOURS[state][0]))
        order = list(names)
        params = sorted((t for t in tensors if id(t) in names), key=lambda t: order.index(id(t)))
        if params and any(p.grad is not None for p in params):
            summary = []
            for p in params:
                if p.grad is None:
                    continue
                mean_abs = float(np.mean(np.abs(p.grad))) if p.grad.size else 0.0
                summary.append(f"{names[id(p)].rsplit('.', 1)[-1]} {mean_abs:.1e}")
                health = diagnostics.health(p.grad, opts.vanishing, opts.exploding)
                details.append(
                    f"{names[id(p)]} {tuple(p.shape)}: {_grad_details(p.grad)}; {health}"
                )
            lines.append("mean|g| " + ", ".join(summary))
        elif params:
            details += [f"{names[id(p)]} {tuple(p.shape)}" for p in params]
        activation = next((a for t in tensors if (a := _activation(t, opts.saturated))), None)
        if activation is not None and output.grad is not None:
            lines = lines[:2] + [_activation_line(activation)]
            details.append(_activation_details(activation, opts.saturated))
            if opts.units:
                cells = _unit_cells(activation, name, opts.max_units)
                extras.append(_strip_html(cells, box))
        border, fill = COLOURS[state] if state else NO_GRAD
        _html_node(dot, box, lines[:3], extras, border, fill, "\n".join(details), state == "dead")
    return boxes


# ----------------------------------------------------------------- legend


def _legend_row(swatch: str, text: str) -> str:
    return f'<TR><TD>{swatch}</TD><TD ALIGN="LEFT">{escape(text)}</TD></TR>'


def _swatch(border: str, fill: str, mark: str = "", dashed: bool = False) -> str:
    style = ' STYLE="dashed"' if dashed else ""
    return (
        f'<TABLE BORDER="1" CELLBORDER="0" CELLPADDING="0" COLOR="{border}"{style}>'
        f'<TR><TD WIDTH="16" HEIGHT="10" FIXEDSIZE="TRUE" BGCOLOR="{fill}">{mark}</TD></TR>'
        "</TABLE>"
    )


def _add_legend(dot: Any, opts: _Options, strips: bool) -> None:
    """One node that explains every colour and mark of this view (the unit cells' when
    a unit strip is drawn)."""
    if opts.view == "layer":
        texts = {
            "flowing": "flowing: gradient reaches it",
            "vanishing": f"vanishing: grad below {opts.vanishing_ratio:g} x the output's",
            "dead": "dead: gradient exactly 0 (dashed)",
            "exploding": f"exploding: grad above {opts.exploding_ratio:g} x the output's",
        }
    else:
        texts = {
            "flowing": "flowing: gradient reaches it",
            "vanishing": f"vanishing: mean |grad| below {opts.vanishing:g}",
            "dead": "dead: gradient exactly 0 (dashed)",
            "exploding": f"exploding: mean |grad| above {opts.exploding:g} or not finite",
        }
    rows = ['<TR><TD COLSPAN="2"><B>gradient</B></TD></TR>']
    for state, text in texts.items():
        border, fill = COLOURS[state]
        rows.append(_legend_row(_swatch(border, fill, dashed=state == "dead"), text))
    rows.append(_legend_row(_swatch(*NO_GRAD), "no gradient (yet)"))
    if strips:
        cross = '<FONT POINT-SIZE="8">×</FONT>'
        rows += [
            '<TR><TD COLSPAN="2"><B>units: one cell per unit (or group), unit 0 on the left'
            "</B></TD></TR>",
            _legend_row(_swatch(DEAD_CELL, DEAD_CELL, cross), "dead: f' = 0 on every example"),
            _legend_row(
                _swatch(SATURATED_CELL, SATURATED_CELL),
                f"saturated: |f'| < {opts.saturated:g} x its peak on every example",
            ),
            _legend_row(_swatch(_blend(1.0), _blend(1.0)), "flowing: passes on the whole batch"),
            _legend_row(_swatch(_blend(0.2), _blend(0.2)), "flowing: passes on a few examples"),
        ]
    table = (
        '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1" COLOR="#999999" '
        f'STYLE="rounded">{"".join(rows)}</TABLE>'
    )
    dot.node("legend", f"<{table}>", shape="plain", fontsize="9")


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


def _module_groups(root: Any, model: Any) -> dict[int, str]:
    """Tensor id -> "name (Type)" of the innermost module call that produced it."""
    from .nn.module import module_calls

    names = {id(m): f"{name} ({type(m).__name__})" for name, m in model.named_modules() if name}
    return module_calls.assign(root, names)
