"""The README's examples run as written, and its two commands stay its first lines.

Every ```python block runs on its own, in a fresh interpreter, in an empty
temporary folder: a reader copies one block, not the whole page. A block may
be marked by an HTML comment on the line before it:
``<!-- readme-test: skip, REASON -->`` for a block that starts a server or
needs a browser (its own tests run it), ``<!-- readme-test: needs torch -->``
for one that needs PyTorch.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(
    r"(?:<!-- readme-test: (?P<mark>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S
)


def _python_blocks() -> list[tuple[str, str]]:
    """(mark, code) of every Python block, mark '' when there is none."""
    text = README.read_text(encoding="utf-8")
    return [(m["mark"] or "", m["code"]) for m in BLOCK.finditer(text)]


def _block_id(block: tuple[str, str]) -> str:
    first = next(line for line in block[1].splitlines() if line and not line.startswith("#"))
    return first[:40]


def test_readme_starts_with_the_two_commands():
    commands = re.findall(r"```bash\n(.*?)\n```", README.read_text(encoding="utf-8"), re.S)
    assert commands[:2] == [
        'pip install -e ".[demos]" && python -m demos',
        'pip install -e ".[test]" && python -m pytest',
    ]


def test_every_python_block_is_run_or_marked_with_a_known_reason():
    blocks = _python_blocks()
    assert len(blocks) == README.read_text(encoding="utf-8").count("```python")
    for mark, _ in blocks:
        assert mark in ("", "needs torch") or mark.startswith("skip, "), mark


@pytest.mark.parametrize("block", _python_blocks(), ids=_block_id)
def test_readme_block_runs_on_its_own(block, tmp_path):
    mark, code = block
    if mark.startswith("skip"):
        pytest.skip(f"README block not run here: {mark}")
    if mark == "needs torch":
        pytest.importorskip("torch")
    if ".render(" in code and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    if ".render(" in code:
        # the tour's picture, and no DOT source left beside it (cleanup=True)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.png"]
