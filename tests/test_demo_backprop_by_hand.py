"""Lesson 0, in quick mode: every number of the by-hand pass is the chain rule's,
and the report opens with the lesson, its explorable page working inside it."""

from __future__ import annotations

import math
import re
import shutil

import pytest

from demos import backprop_by_hand
from demos.report import write_report


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("backprop_by_hand")
    return backprop_by_hand.run(quick=True, seed=0, out=out)


def test_the_neuron_follows_the_chain_rule(result):
    v = backprop_by_hand.NEURON
    n = v["x1"] * v["w1"] + v["x2"] * v["w2"] + v["b"]
    local = 1 - math.tanh(n) ** 2  # tanh's local derivative
    numbers = result.numbers
    assert numbers["neuron_output"] == pytest.approx(math.tanh(n))
    assert numbers["neuron_tanh_local_derivative"] == pytest.approx(local)
    # each mul sends the gradient times the other input's value
    want = {"w1": v["x1"], "x1": v["w1"], "w2": v["x2"], "x2": v["w2"], "b": 1.0}
    for name, other in want.items():
        assert numbers["neuron_grads"][name] == pytest.approx(local * other)
    assert numbers["neuron_mul_swaps"] and numbers["neuron_add_distributes"]
    assert numbers["neuron_steps"] == 10  # o, n, x1*w1 + x2*w2, the two products, five leaves
    assert numbers["neuron_gradcheck"] is True
    assert numbers["neuron_max_difference"] < 1e-6


def test_off_relu_units_send_nothing_back(result):
    numbers = result.numbers
    off = [h == 0 for h in numbers["net_hidden"]]
    assert numbers["net_off_units"] == sum(off) >= 1 and not all(off)
    assert all(s == 0 for s, o in zip(numbers["net_relu_sent"], off, strict=True) if o)
    assert any(s != 0 for s, o in zip(numbers["net_relu_sent"], off, strict=True) if not o)
    assert numbers["net_off_units_send_zero"] and numbers["net_W1_rows_of_off_units_zero"]
    assert numbers["net_gradcheck"] is True and numbers["net_max_difference"] < 1e-6


def test_a_value_used_three_times_adds_its_three_gradients(result):
    numbers = result.numbers
    assert sorted(numbers["reuse_contributions"]) == [1.0, 3.0, 3.0]  # a, and a*a's two a's
    assert numbers["reuse_grad"] == sum(numbers["reuse_contributions"])
    assert numbers["reuse_grad"] == numbers["reuse_expected"]


def test_the_report_opens_with_lesson_0_and_its_page_works_there(result, open_page):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed, so the lesson has no page")
    report = write_report([result], result.out, 0.0, quick=True)
    text = report.read_text()
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", text)[0] == f"0. {backprop_by_hand.TITLE}"
    assert f">0. {backprop_by_hand.TITLE}</a></li>" in text  # first in the contents
    assert "Appendix: the table of derivatives" in text

    page = open_page(report.as_uri())
    frame = page.frame_locator("iframe.page").first
    frame.locator("#panel").wait_for()
    pages = [f for f in page.frames if f.url.endswith("backprop_neuron.html")]
    assert len(pages) == 1
    neuron = pages[0]
    assert neuron.evaluate("window.backprop.steps") == result.numbers["neuron_steps"]
    neuron.evaluate("window.backprop.go(1)")
    assert neuron.eval_on_selector_all("#graph .current", "e => e.length") == 1
    assert "Step 1: n" in neuron.inner_text("#panel")
    assert page.errors == []
