"""The README's examples run as written, and its two commands stay its first lines."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_starts_with_the_two_commands():
    commands = re.findall(r"```bash\n(.*?)\n```", README.read_text(encoding="utf-8"), re.S)
    assert commands[:2] == [
        'pip install -e ".[demos]" && python -m demos',
        'pip install -e ".[test]" && python -m pytest',
    ]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_readme_examples_run(tmp_path, monkeypatch):
    import minigrad as mg

    monkeypatch.chdir(tmp_path)  # the tour writes graph.png here
    namespace: dict = {}
    try:
        for block in _python_blocks():
            exec(compile(block, str(README), "exec"), namespace)
    finally:
        if "softsign" in mg.activations.names():
            mg.activations.unregister("softsign")
    assert (tmp_path / "graph.png").exists()
    assert namespace["layer"].name == "softsign"
