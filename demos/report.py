"""The report: every lesson's claim beside what was measured, with figures and graphs.

Run ``python -m demos.report [DIR]`` to rebuild ``DIR/index.html`` from the
JSON records the demos left there, without running them again.

The "Measured here" tables are written for a reader: each number under the
words its demo printed it with (units included), rounded to what the
measurement supports, and a nested result as a small table of its own. The
raw numbers stay in each lesson's JSON file.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
from pathlib import Path
from typing import Any

from demos.common import DEFAULT_OUT, Result

STYLE = """
html { -webkit-text-size-adjust: 100% }
body { font-family: system-ui, sans-serif; max-width: 62em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #222 }
h1 { font-size: 1.6em; line-height: 1.2 }
h2 { border-bottom: 2px solid #0072B2; padding-bottom: .2em; margin-top: 2.5em;
     font-size: 1.3em; line-height: 1.25 }
.claim { border-left: 4px solid #E69F00; background: #fdf6e9; padding: .5em 1em }
.measured { border-left: 4px solid #0072B2; background: #eef5fb; padding: .5em 1em }
.scroll { overflow-x: auto; max-width: 100%; -webkit-overflow-scrolling: touch }
table { border-collapse: collapse; margin: .5em 0; background: #fff }
td, th { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top }
th { font-weight: 600 } td.num { text-align: right; font-variant-numeric: tabular-nums;
     white-space: nowrap }
table.numbers { width: 100%; table-layout: fixed }
table.numbers > tbody > tr > th { width: 17em }
table.numbers > tbody > tr > td.num, table.numbers > tbody > tr > td.list { text-align: left }
table table { margin: 0; font-size: .92em } table table th { font-weight: 500; background: #f6f6f6 }
figure { margin: 1em 0 } figcaption { font-size: .9em; color: #555 }
img { max-width: 100%; height: auto } pre { overflow: auto; background: #f6f6f6; padding: .5em }
.missing { border: 2px dashed #D55E00; background: #fff4ee; padding: .6em 1em }
nav li { margin: .2em 0 } .top { font-size: .9em }
@media (max-width: 600px) {
  body { margin: 1em auto; padding: 0 .6em } td, th { padding: .15em .35em }
  /* on a phone each measurement's words sit above its value, full width */
  table.numbers, table.numbers > tbody, table.numbers > tbody > tr { display: block }
  table.numbers > tbody > tr > th, table.numbers > tbody > tr > td { display: block;
    width: auto; border-width: 0 0 1px 0 }
  table.numbers > tbody > tr > th { border: 0; padding-top: .5em }
}
figure.graph img { height: auto }
figure.graph figcaption a { white-space: nowrap }
iframe.page { width: 100%; height: 860px; border: 1px solid #ccc; border-radius: 4px }
"""
# Graph renders: the report's column is 62em (992 px); the smallest text in a render is
# 9 pt (12 px). A render is shown at a scale that keeps that text at least 9 px high,
# or, when it cannot fit so, as an overview that opens the full-size SVG on click.
COLUMN_PX = 992
TALLEST_PX = 1400  # taller renders are scaled down, as long as their text stays legible
SMALLEST_TEXT_PX = 12
LEGIBLE_PX = 9


def _svg_size(text: str) -> tuple[float, float] | None:
    """Width and height of an SVG in CSS pixels (Graphviz writes them in pt)."""
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', text[:2000])
    if match is None:
        return None
    return float(match.group(1)) * 4 / 3, float(match.group(2)) * 4 / 3


def _graph_figure(out: Path, filename: str, cap: str) -> str:
    """A graph render, legible or as an overview; either way a click opens it full size."""
    src = html.escape(filename)
    try:
        text = (out / filename).read_text(encoding="utf-8")
    except OSError:
        text = ""
    size = _svg_size(text)
    if size is None:
        return f"<figure><img src='{src}' alt='{cap}'><figcaption>{cap}</figcaption></figure>"
    width, height = size
    legible = LEGIBLE_PX / SMALLEST_TEXT_PX
    scale = min(1.0, COLUMN_PX / width, max(TALLEST_PX / height, legible))
    shown = f"{width * scale:.0f} px wide"
    if scale < legible:
        note = f"overview ({shown}); click it to open the full-size picture, {width:.0f} px wide"
    else:
        hover = "a unit cell" if re.search(r'id="a_\w+_u0"', text) else "a node"
        note = f"click to open it on its own; hover {hover} there for its numbers"
    return (
        f"<figure class='graph'><a href='{src}' target='_blank'>"
        f"<img src='{src}' alt='{cap}' width='{width * scale:.0f}' "
        f"height='{height * scale:.0f}' style='height: auto'>"
        f"</a><figcaption>{cap} <a href='{src}' target='_blank'>({note})</a></figcaption>"
        "</figure>"
    )


# How the activation names used as keys read in prose.
NAMES = {
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "prelu": "PReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "maxout_as_leaky": "maxout as leaky ReLU",
    "maxout_as_relu": "maxout as ReLU",
}
# The keys of nested results (columns of the small tables), in words.
WORDS = {
    "accuracy": "test accuracy",
    "train_accuracy": "training accuracy",
    "steps_to_threshold": "steps to threshold",
    "ms_per_step": "ms per step",
    "dead_fraction": "dead units",
    "saturated_fraction": "saturated",
    "lr": "learning rate",
    "init": "init",
    "final_loss": "final loss",
    "died_at_step": "died at step",
}
_PERCENT_WORDS = re.compile(r"accuracy|fraction|share|dead|saturated|inactive", re.I)


def words(key: object) -> str:
    """A key as a reader reads it: activation names spelled as in prose, other
    underscores as spaces (``mlp/leaky_relu`` -> ``mlp/leaky ReLU``)."""
    text = str(key)
    if text in WORDS:
        return WORDS[text]
    parts = re.split(r"([/ ,=])", text)
    return "".join(NAMES.get(p, p.replace("_", " ")) for p in parts).replace(",", ", ")


def _key(key: object) -> str:
    """A key as table-header HTML; it may wrap after a slash (``sigmoid/standard``)."""
    return html.escape(words(key)).replace("/", "/<wbr>")


def number(value: object, percent: bool = False) -> str:
    """A measured value rounded to what it supports: fractions in percent where
    they are shares, three significant digits, tiny values in powers of ten."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if percent and 0.0 <= value <= 1.0:
            pct = 100 * value
            if pct in (0.0, 100.0):
                return f"{pct:.0f}%"
            return f"{pct:.2g}%" if pct < 1 else f"{pct:.1f}%"
        magnitude = abs(value)
        if magnitude == 0:
            return "0"
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude < 1e-3:
            mantissa, exponent = f"{value:.1e}".split("e")
            return f"{mantissa} × 10<sup>{int(exponent)}</sup>"
        return f"{value:.3g}"
    if isinstance(value, str):
        return html.escape(words(value) if value in NAMES else value)
    return html.escape(str(value))


def _is_scalar(value: object) -> bool:
    return not isinstance(value, (dict, list, tuple))


def _cell(value: Any, percent: bool) -> str:
    """One table cell: a number, a list of numbers, or a nested small table."""
    if isinstance(value, str) and len(value) > 16:
        return f"<td class='list'>{number(value, percent)}</td>"  # a text: let it wrap
    if _is_scalar(value):
        return f"<td class='num'>{number(value, percent)}</td>"
    if isinstance(value, (list, tuple)) and all(_is_scalar(v) for v in value):
        return f"<td class='list'>{', '.join(number(v, percent) for v in value)}</td>"
    return f"<td><div class='scroll'>{_table(value, percent)}</div></td>"


def _table(value: Any, percent: bool) -> str:
    """A nested result as a small table: a dict of dicts with rows and columns,
    a dict of values as one header row over one row of values (one row per
    entry when the values are long texts)."""
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        columns = list(dict.fromkeys(c for row in value.values() for c in row))
        head = "".join(f"<th>{_key(c)}</th>" for c in columns)
        rows = []
        for key, row in value.items():
            cells = "".join(
                _cell(row.get(c), percent or bool(_PERCENT_WORDS.search(str(c)))) for c in columns
            )
            rows.append(f"<tr><th>{_key(key)}</th>{cells}</tr>")
        return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
    grid = _grid(value) if isinstance(value, dict) else None
    if grid is not None:
        return _table(grid, percent)
    if isinstance(value, dict) and any(isinstance(v, str) and len(v) > 16 for v in value.values()):
        # long texts read down a column, one row each
        rows = "".join(f"<tr><th>{_key(k)}</th>{_cell(v, percent)}</tr>" for k, v in value.items())
        return f"<table>{rows}</table>"
    if isinstance(value, dict):
        head = "".join(f"<th>{_key(k)}</th>" for k in value)
        cells = "".join(_cell(v, percent) for v in value.values())
        return f"<table><tr>{head}</tr><tr>{cells}</tr></table>"
    rows = "".join(f"<tr>{_cell(v, percent)}</tr>" for v in value)
    return f"<table>{rows}</table>"


_PAIR = re.compile(r"^(\w+)=([^,]+),(\w+)=([^,]+)$")


def _grid(value: dict) -> dict | None:
    """Keys like ``width=2,depth=5`` as a two-way table: one row per width, one
    column per depth (``None`` when the keys are not of that form)."""
    matches = [_PAIR.match(str(k)) for k in value]
    if not value or not all(matches) or len({(m[1], m[3]) for m in matches}) != 1:
        return None
    rows: dict[str, dict[str, Any]] = {}
    for m, v in zip(matches, value.values(), strict=True):
        rows.setdefault(f"{m[1]} {m[2]}", {})[f"{m[3]} {m[4]}"] = v
    return rows


def measured_table(result: Result) -> str:
    """The "Measured here" table of one lesson."""
    rows = []
    for key, value in result.numbers.items():
        label = result.labels.get(key) or words(key)
        percent = bool(_PERCENT_WORDS.search(label) or _PERCENT_WORDS.search(key))
        rows.append(f"<tr><th>{html.escape(label)}</th>{_cell(value, percent)}</tr>")
    return f"<div class='scroll'><table class='numbers'>{''.join(rows)}</table></div>"


def _section(number_: int, result: Result) -> str:
    title = f"{number_}. {result.title}"
    parts = [f"<section><h2 id='{result.name}'>{html.escape(title)}</h2>"]
    parts.append(f"<div class='claim'><b>The claim.</b> {html.escape(result.claim)}</div>")
    parts.append("<div class='measured'><b>Measured here.</b>")
    parts += [f"<p>{html.escape(note)}</p>" for note in result.notes]
    parts.append(measured_table(result))
    parts.append(
        f"<small>{result.seconds:.1f} s; <code>python -m demos.{result.name}</code>; "
        f"every number unrounded: <a href='{result.name}.json'>{result.name}.json</a>"
    )
    parts.append("</small></div>")
    graphs = {filename for filename, _ in result.graphs}
    for filename, caption in result.figures + result.graphs:
        cap = html.escape(caption)
        if filename in graphs and filename.endswith(".svg"):
            parts.append(_graph_figure(result.out, filename, cap))
        elif filename.endswith(".dot"):
            # Without Graphviz's dot program the graph is kept as DOT text.
            link = f"<a href='{html.escape(filename)}'>{html.escape(filename)}</a>"
            parts.append(
                "<figure><p class='missing'><b>Picture not drawn:</b> Graphviz's "
                "<code>dot</code> program is not installed (the README says how to "
                "install it, one line per platform; then run the demos again). "
                f"The graph is saved as DOT text: {link}</p><figcaption>{cap}</figcaption>"
            )
            parts.append("</figure>")
        elif filename.endswith(".html"):
            # An explorable page (its own script and styles), kept apart in a frame.
            src = html.escape(filename)
            parts.append(f"<figure><iframe src='{src}' title='{cap}' class='page'></iframe>")
            parts.append(f"<figcaption>{cap} <a href='{src}'>Open it on its own.</a>")
            parts.append("</figcaption></figure>")
        else:
            src = html.escape(filename)
            parts.append(f"<figure><img src='{src}' alt='{cap}'><figcaption>{cap}</figcaption>")
            parts.append("</figure>")
    parts.append("<p class='top'><a href='#top'>↑ Back to the contents</a></p></section>")
    return "\n".join(parts)


def _first_number(results: list[Result]) -> int:
    """Lessons are numbered from 0 when the report opens with lesson 0."""
    return 0 if results and results[0].name == "backprop_by_hand" else 1


def write_report(results: list[Result], out: Path, seconds: float | None, quick: bool) -> Path:
    """Write ``out/index.html``; ``seconds`` is the wall-clock time of the whole
    run (``None`` when the report is rebuilt from the records)."""
    mode = " (quick mode: small sizes)" if quick else ""
    took = "" if seconds is None else f" {len(results)} demos ran in {seconds:.0f} s."
    numbered = list(enumerate(results, start=_first_number(results)))
    toc = "".join(
        f"<li><a href='#{r.name}'>{n}. {html.escape(r.title)}</a></li>" for n, r in numbered
    )
    page = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>minigrad: activation functions, measured</title>",
        f"<style>{STYLE}</style>",
        "<h1 id='top'>minigrad: activation functions, measured</h1>",
        "<p>Each section states a lesson as the literature gives it, then what minigrad "
        f"measured when it ran the experiment here{mode}.{took} Numbers that disagree "
        "with a paper are reported as measured.</p>",
        f"<nav><b>Contents</b><ol style='list-style: none; padding-left: 0'>{toc}</ol>",
        "<p><a href='#derivatives'>Appendix: the table of derivatives</a></p></nav>",
        *(_section(n, r) for n, r in numbered),
        _derivatives_appendix(),
        "</html>",
    ]
    path = out / "index.html"
    path.write_text("\n".join(page), encoding="utf-8")
    return path


def _forward_text(doc: str, name: str, forward: object) -> str:
    """An op's forward in words: its doc's first line (NumPy's own functions, such
    as np.tanh, carry NumPy's documentation, which says nothing here)."""
    module = getattr(forward, "__module__", None) or ""
    if doc and module.startswith("minigrad"):
        return doc.splitlines()[0]
    return f"{name}(x)"


def _derivatives_appendix() -> str:
    """Every registered op and activation with its forward and its local derivatives,
    read from the registries: the one table of derivatives to print."""
    from minigrad import activations, ops

    def table(rows: list[tuple[str, str, tuple[str, ...]]]) -> str:
        body = [
            f"<tr><th><code>{html.escape(name)}</code></th><td>{html.escape(forward)}</td>"
            f"<td>{'<br>'.join(f'<code>{html.escape(r)}</code>' for r in rules)}</td></tr>"
            for name, forward, rules in rows
        ]
        head = "<tr><th>name</th><th>forward</th><th>local derivative, per input</th></tr>"
        return f"<table class='derivatives'>{head}{''.join(body)}</table>"

    acts = set(activations.names())
    op_rows = [
        (n, _forward_text(ops.get(n).doc, n, ops.get(n).forward), ops.get(n).rules)
        for n in ops.names()
        if n not in acts
    ]
    act_rows = [
        (n, _forward_text(activations.get(n).doc, n, activations.get(n).forward),
         (activations.get(n).rule,))
        for n in activations.names()
    ]  # fmt: skip
    return "\n".join(
        [
            "<section><h2 id='derivatives'>Appendix: the table of derivatives</h2>",
            "<p>Every op and activation minigrad knows, with its forward and the rule of "
            "its local derivative for each input, generated from the registries "
            "(<code>mg.ops.get(name).rules</code>, <code>mg.activations.get(name).rule</code>) "
            "as PyTorch's <code>derivatives.yaml</code> lists its own. In a rule, "
            "<code>y</code> is the op's output; backward multiplies the gradient arriving "
            "at the output by this derivative and sends the product to the input.</p>",
            f"<h3>Ops ({len(op_rows)})</h3>",
            table(op_rows),
            f"<h3>Activations ({len(act_rows)})</h3>",
            table(act_rows),
            "<p class='top'><a href='#top'>↑ Back to the contents</a></p></section>",
        ]
    )


def load_result(path: Path) -> Result:
    """A demo's ``Result`` read back from the JSON record it saved."""
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    record["out"] = Path(record["out"])
    for key in ("figures", "graphs"):
        record[key] = [tuple(item) for item in record.get(key, [])]
    known = Result.__dataclass_fields__
    return Result(**{k: v for k, v in record.items() if k in known})


def main(argv: list[str] | None = None) -> Path:
    from demos import DEMOS

    parser = argparse.ArgumentParser(
        prog="python -m demos.report", description="Rebuild the report from the demos' JSON."
    )
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    names = [n for n in DEMOS if (args.out / f"{n}.json").exists()]
    results = [load_result(args.out / f"{n}.json") for n in names]
    path = write_report(results, args.out, None, quick=False)
    print(f"{len(results)} lessons. Open the report: {path.resolve()}")
    return path


if __name__ == "__main__":
    main()
