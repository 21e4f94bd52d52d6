"""The report: every lesson's claim beside what was measured, with figures and graphs."""

from __future__ import annotations

import html
import re
from pathlib import Path

from demos.common import Result, format_value

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 62em; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #222 }
h2 { border-bottom: 2px solid #0072B2; padding-bottom: .2em; margin-top: 2.5em }
.claim { border-left: 4px solid #E69F00; background: #fdf6e9; padding: .5em 1em }
.measured { border-left: 4px solid #0072B2; background: #eef5fb; padding: .5em 1em }
table { border-collapse: collapse; margin: .5em 0 }
td, th { border: 1px solid #ccc; padding: .2em .6em; text-align: left; vertical-align: top }
figure { margin: 1em 0 } figcaption { font-size: .9em; color: #555 }
img { max-width: 100% } pre { overflow: auto; background: #f6f6f6; padding: .5em }
nav li { margin: .2em 0 }
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


def _number_row(key: str, value: object) -> str:
    return f"<tr><th>{html.escape(key)}</th><td>{html.escape(format_value(value))}</td></tr>"


def _section(result: Result) -> str:
    parts = [f"<h2 id='{result.name}'>{html.escape(result.title)}</h2>"]
    parts.append(f"<div class='claim'><b>The claim.</b> {html.escape(result.claim)}</div>")
    parts.append("<div class='measured'><b>Measured here.</b>")
    parts += [f"<p>{html.escape(note)}</p>" for note in result.notes]
    parts.append("<table>")
    parts += [_number_row(k, v) for k, v in result.numbers.items()]
    parts.append("</table>")
    parts.append(f"<small>{result.seconds:.1f} s; <code>python -m demos.{result.name}</code>")
    parts.append("</small></div>")
    graphs = {filename for filename, _ in result.graphs}
    for filename, caption in result.figures + result.graphs:
        cap = html.escape(caption)
        if filename in graphs and filename.endswith(".svg"):
            parts.append(_graph_figure(result.out, filename, cap))
        elif filename.endswith(".dot"):
            # Without Graphviz's dot program the graph is kept as DOT text.
            link = f"<a href='{html.escape(filename)}'>{html.escape(filename)}</a>"
            parts.append(f"<figure><p>Graph (DOT text): {link}</p><figcaption>{cap}</figcaption>")
            parts.append("</figure>")
        else:
            src = html.escape(filename)
            parts.append(f"<figure><img src='{src}' alt='{cap}'><figcaption>{cap}</figcaption>")
            parts.append("</figure>")
    return "\n".join(parts)


def write_report(results: list[Result], out: Path, seconds: float, quick: bool) -> Path:
    mode = " (quick mode: small sizes)" if quick else ""
    toc = "".join(f"<li><a href='#{r.name}'>{html.escape(r.title)}</a></li>" for r in results)
    page = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>",
        "<title>minigrad: activation functions, measured</title>",
        f"<style>{STYLE}</style>",
        "<h1>minigrad: activation functions, measured</h1>",
        "<p>Each section states a lesson as the literature gives it, then what minigrad "
        f"measured when it ran the experiment here{mode}. {len(results)} demos ran in "
        f"{seconds:.0f} s. Numbers that disagree with a paper are reported as measured.</p>",
        f"<nav><ol>{toc}</ol></nav>",
        *(_section(r) for r in results),
        "</html>",
    ]
    path = out / "index.html"
    path.write_text("\n".join(page), encoding="utf-8")
    return path
