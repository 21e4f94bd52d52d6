"""The demo runner and the report page, as a learner meets them.

One quick run of a few cheap demos in two processes (module fixture) serves
both: the console keeps each demo's lines under its own header, and the report
reads well (numbered, navigable, tables in words, a figure in every section).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from demos import DEMOS
from demos.common import Result
from demos.report import measured_table, write_report

ROOT = Path(__file__).resolve().parent.parent
# Cheap in quick mode, and out of lesson order on purpose: the runner sorts them.
CHEAP = ["digits_mlp", "zigzag", "spiral_from_scratch"]
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("demos")
    command = [sys.executable, "-m", "demos", "--quick", "--jobs", "2", "--out", str(out)]
    completed = subprocess.run(
        [*command, "--only", *CHEAP], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    return completed, out


def _blocks(stdout: str) -> list[tuple[str, list[str]]]:
    """The console output as (header, lines under it) pairs."""
    blocks: list[tuple[str, list[str]]] = []
    for line in stdout.split("\nTime per demo")[0].splitlines():
        if line.startswith("== "):
            blocks.append((line[3:], []))
        elif blocks and line.strip():
            blocks[-1][1].append(line)
    return blocks


def test_each_demos_lines_appear_together_under_its_own_header(run):
    completed, out = run
    blocks = _blocks(completed.stdout)
    names = [n for n in DEMOS if n in CHEAP]
    records = [json.loads((out / f"{n}.json").read_text()) for n in names]
    assert [header for header, _ in blocks] == [r["title"] for r in records]  # lesson order
    for (_, lines), record in zip(blocks, records, strict=True):
        # everything the demo printed is in its own block, and nothing of another's
        assert lines[0].startswith(record["title"])
        for note in record["notes"]:
            assert f"  note: {note}" in lines
        for filename, _ in record["figures"]:
            assert any(line.endswith(filename) for line in lines)
        assert re.fullmatch(rf"\({record['name']}: \d+\.\d s, CPU \d+\.\d s\)", lines[-1].strip())
        others = [r for r in records if r is not record]
        for other in others:
            assert not any(line.startswith(other["title"]) for line in lines)


def test_the_runner_prints_each_demos_time_and_a_total(run):
    completed, _ = run
    summary = completed.stdout.split("\nTime per demo")[1]
    for name in CHEAP:
        assert re.search(rf"^\s+{name}\s+\d+\.\d s\s+CPU\s+\d+\.\d s$", summary, re.M), name
    assert re.search(r"total\s+\d+\.\d s\s+CPU\s+\d+\.\d s, 2 process", summary)


def test_progress_bars_stay_off_when_output_is_not_a_terminal(run):
    completed, _ = run
    assert "\r" not in completed.stderr
    assert "it/s" not in completed.stderr


class _Page(HTMLParser):
    """Collects the report's sections: heading, figures, and the text of each
    cell of its "Measured here" table."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[dict] = []
        self.toc: list[str] = []
        self.tags: list[str] = []
        self.meta: list[dict] = []
        self._in = {"h2": False, "nav-a": False, "numbers": 0}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.meta.append(attrs)
        if tag == "section":
            self.sections.append({"heading": "", "images": 0, "cells": [], "top": False})
        if tag == "h2":
            self._in["h2"] = True
        if tag == "a" and "nav" in self.tags:
            self._in["nav-a"] = True
            self.toc.append("")
        if tag == "a" and attrs.get("href") == "#top" and self.sections:
            self.sections[-1]["top"] = True
        if tag == "img" and self.sections:
            self.sections[-1]["images"] += 1
        if tag == "table" and ("numbers" in attrs.get("class", "") or self._in["numbers"]):
            self._in["numbers"] += 1
        if tag in ("th", "td") and self._in["numbers"]:
            self.sections[-1]["cells"].append("")
        self.tags.append(tag)

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in["h2"] = False
        if tag == "a":
            self._in["nav-a"] = False
        if tag == "table" and self._in["numbers"]:
            self._in["numbers"] -= 1
        while self.tags and self.tags.pop() != tag:
            pass

    def handle_data(self, data):
        if self._in["h2"]:
            self.sections[-1]["heading"] += data
        if self._in["nav-a"]:
            self.toc[-1] += data
        if self._in["numbers"] and self.sections and self.sections[-1]["cells"]:
            self.sections[-1]["cells"][-1] += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_report_reads_well_on_any_screen(run):
    _, out = run
    page = _parse(out / "index.html")
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in page.meta
    headings = [s["heading"] for s in page.sections]
    assert headings == page.toc  # numbered headings match the numbered contents
    *lessons, appendix = headings
    assert [h.split(".")[0] for h in lessons] == [str(i + 1) for i in range(len(CHEAP))]
    assert appendix == "Appendix: the table of derivatives"
    assert all(s["top"] for s in page.sections)  # a way back to the top
    assert "id='top'" in (out / "index.html").read_text()


def test_report_tables_are_in_words_and_every_section_has_a_figure(run):
    _, out = run
    page = _parse(out / "index.html")
    lessons = [s for s in page.sections if s["heading"][:1].isdigit()]  # not the appendix
    assert len(lessons) == len(CHEAP)
    for section in lessons:
        assert section["images"] >= 1, section["heading"]
        assert section["cells"], section["heading"]
        for cell in section["cells"]:
            assert not SNAKE_CASE.search(cell), (section["heading"], cell)


def test_nested_results_become_small_tables_with_rounded_numbers(tmp_path):
    result = Result("example", "An example", "A claim.", tmp_path)
    result.report("test_accuracy", 0.97777777, "test accuracy")
    result.report("by_activation", {"leaky_relu": 0.5, "relu": 0.123456}, "dead units")
    result.report("grid", {"width=2,depth=5": 0.25, "width=4,depth=5": 0.5}, "P(dead)")
    result.report("table", {"relu": {"train_accuracy": 1.0, "ms_per_step": 0.51234}})
    result.report("tiny_difference", 6.2e-15, "max |difference|")
    html = measured_table(result)
    assert "97.8%" in html and "12.3%" in html and "0.512" in html
    assert "6.2 × 10<sup>-15</sup>" in html
    assert html.count("<table") == 4  # the outer table and three small ones
    assert "width 2" in html and "depth 5" in html  # a two-way table
    assert "leaky ReLU" in html and "training accuracy" in html
    assert not SNAKE_CASE.search(re.sub(r"<[^>]+>", " ", html))
    write_report([result], tmp_path, 1.0, quick=True)
    page = _parse(tmp_path / "index.html")
    assert page.sections[0]["heading"] == "1. An example"
