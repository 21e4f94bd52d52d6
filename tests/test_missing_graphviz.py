"""Without Graphviz's dot program: a message that says what to install, and a
report that says which pictures are missing instead of hiding it."""

from __future__ import annotations

import graphviz
import pytest

import minigrad as mg
from demos.common import Result
from demos.report import write_report


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no program at all, dot included


def _graph() -> graphviz.Digraph:
    x = mg.Tensor([1.0, -2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    return mg.draw(loss)


@pytest.mark.parametrize("how", ["render", "pipe"])
def test_rendering_without_dot_says_how_to_install_graphviz(no_dot, tmp_path, how):
    graph = _graph()
    with pytest.raises(graphviz.ExecutableNotFound) as error:
        if how == "render":
            graph.render(tmp_path / "graph", format="png", cleanup=True)
        else:
            graph.pipe(format="svg")  # what Jupyter's inline display calls
    message = str(error.value)
    for line in ("apt install graphviz", "brew install graphviz", "conda install", "winget"):
        assert line in message
    assert "mg.to_dot" in message


def test_to_dot_needs_no_dot_program(no_dot):
    assert _graph().source.startswith("digraph")


def test_report_shows_a_note_in_place_of_a_missing_graph_picture(tmp_path):
    result = Result("example", "An example", "A claim.", tmp_path)
    result.graphs.append(("example_graph.dot", "The graph"))
    write_report([result], tmp_path, 1.0, quick=True)
    page = (tmp_path / "index.html").read_text()
    assert "Picture not drawn" in page
    assert "not installed" in page
    assert "href='example_graph.dot'" in page
