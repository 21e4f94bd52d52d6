"""Backprop, one node at a time: the recorded steps are the real backward pass."""

from __future__ import annotations

import html
import json
import re
import shutil

import numpy as np
import pytest

import minigrad as mg
from minigrad import explain
from minigrad.gradcheck import numerical_grad


def _mlp(seed: int = 0):
    """s = W2 relu(W1 x + b1): a small net whose ReLU has some units off."""
    rng = np.random.default_rng(seed)
    x = mg.Tensor(rng.standard_normal(3), name="x")
    W1 = mg.Tensor(0.1 * rng.standard_normal((4, 3)), requires_grad=True, name="W1")
    b1 = mg.Tensor([1.0, -1.0, 1.0, -1.0], requires_grad=True, name="b1")  # units 1, 3 off
    W2 = mg.Tensor(rng.standard_normal((1, 4)), requires_grad=True, name="W2")
    s = (W2 @ (W1 @ x + b1).relu()).sum()
    return s, (W1, b1, W2)


def _diamond():
    """x feeds two branches that meet again: x is used twice."""
    x = mg.Tensor([0.5, -1.0], requires_grad=True, name="x")
    top, bottom = x.exp(), x * 3
    top.name, bottom.name = "top", "bottom"
    return (top * bottom).sum(), x


def _index(steps):
    return {id(step.node): step.index for step in steps}


def test_steps_visit_each_node_after_every_node_that_uses_it():
    loss, _ = _mlp()
    steps = mg.backprop_steps(loss)
    order = _index(steps)
    assert steps[0].node is loss and [s.index for s in steps] == list(range(len(steps)))
    assert len(order) == len(steps)  # each node once
    for step in steps:
        for parent in step.node.parents:
            if parent.requires_grad:
                assert order[id(parent)] > step.index


def test_each_step_grad_is_the_grad_the_node_holds_after_the_pass():
    loss, params = _mlp()
    steps = mg.backprop_steps(loss)
    for step in steps:
        np.testing.assert_array_equal(step.grad, step.node.grad)
    assert {id(p) for p in params} <= {id(s.node) for s in steps}


def test_steps_fill_grad_exactly_as_backward_does():
    loss, params = _mlp(seed=1)
    mg.backprop_steps(loss)
    recorded = [p.grad.copy() for p in params]
    for p in params:
        p.grad = None
    loss.backward()
    for got, want in zip(recorded, (p.grad for p in params), strict=True):
        np.testing.assert_array_equal(got, want)


def test_received_contributions_sum_to_the_grad():
    loss, _ = _mlp()
    steps = mg.backprop_steps(loss)
    assert steps[0].received == [] and steps[0].grad == 1
    for step in steps[1:]:
        total = sum(g for _, g in step.received)
        np.testing.assert_allclose(total, step.grad)


def test_a_node_used_twice_shows_both_contributions():
    loss, x = _diamond()
    steps = mg.backprop_steps(loss)
    step = next(s for s in steps if s.node is x)
    assert sorted(child.name for child, _ in step.received) == ["bottom", "top"]
    by_child = {child.name: g for child, g in step.received}
    xv = x.data
    np.testing.assert_allclose(by_child["top"], 3 * xv * np.exp(xv))  # d(e^x)/dx * bottom
    np.testing.assert_allclose(by_child["bottom"], 3 * np.exp(xv))  # 3 * top


def test_x_times_x_sends_twice_to_the_same_parent():
    x = mg.Tensor(3.0, requires_grad=True)
    steps = mg.backprop_steps(x * x)
    assert [float(g) for _, _, g in steps[0].sends] == [3.0, 3.0]
    assert len(steps[1].received) == 2 and steps[1].grad == 6.0


def test_each_send_arrives_at_its_parent_under_the_ops_rule():
    loss, _ = _mlp()
    steps = mg.backprop_steps(loss)
    order = _index(steps)
    for step in steps:
        if step.op is None:
            assert step.sends == []
            continue
        wanted = [(i, p) for i, p in enumerate(step.node.parents) if p.requires_grad]
        assert [p for p, _, _ in step.sends] == [p for _, p in wanted]
        for (i, parent), (_, rule, g) in zip(wanted, step.sends, strict=True):
            op = mg.ops.get(step.op)
            assert rule == op.rules[0 if op.arity is None else i]
            arrived = steps[order[id(parent)]].received
            assert any(child is step.node and a is g for child, a in arrived)


def test_relu_off_units_send_nothing_back():
    loss, _ = _mlp()
    steps = mg.backprop_steps(loss)
    relu = next(s for s in steps if s.op == "relu")
    ((_, rule, sent),) = relu.sends
    off = relu.node.data == 0
    assert off.any() and (~off).any(), "the example should have units on and off"
    assert rule == mg.activations.get("relu").rule
    assert np.all(sent[off] == 0) and np.all(sent[~off] == relu.grad[~off])


def test_hooks_change_the_grad_but_not_what_was_received():
    x = mg.Tensor(2.0, requires_grad=True, name="x")
    h = x * 3
    h.register_hook(lambda g: g * 10)
    steps = mg.backprop_steps(h * 5)
    step = steps[1]
    assert step.node is h
    assert float(step.received[0][1]) == 5.0  # before the hook
    assert float(step.grad) == 50.0 and float(h.grad) == 50.0  # after it
    assert float(steps[1].sends[0][2]) == 150.0 and float(x.grad) == 150.0


def test_a_seed_gradient_starts_the_pass():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    steps = mg.backprop_steps(y, grad=np.array([1.0, -1.0]))
    np.testing.assert_array_equal(steps[0].grad, [1.0, -1.0])
    np.testing.assert_array_equal(x.grad, [2.0, -4.0])


def test_recorded_arrays_do_not_change_when_grad_is_changed_in_place():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    steps = mg.backprop_steps((x + 1).sum())
    x.grad *= 0  # what an optimizer's zero_grad or clipping may do
    np.testing.assert_array_equal(steps[-1].grad, [1.0, 1.0])


def test_a_failing_hook_leaves_every_grad_unchanged():
    x = mg.Tensor(2.0, requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        mg.backprop_steps(h * 5)
    assert x.grad is None and h.grad is None


# ----------------------------------------------------------- local derivatives


@pytest.mark.parametrize(
    "make",
    [
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a.tanh() + b,
        lambda a, b: mg.maximum(a, b),
        lambda a, b: a @ b.T,
        lambda a, b: mg.stack([a, b]),
    ],
    ids=["mul", "div", "tanh", "maximum", "matmul", "stack"],
)
def test_local_derivative_is_the_jacobian(make):
    a = mg.Tensor([0.3, -0.7], requires_grad=True)
    b = mg.Tensor([1.5, 0.4], requires_grad=True)
    y = make(a, b)
    node = y.parents[0] if y.op == "add" else y  # tanh(a) + b: look at tanh
    for i, x in enumerate(node.parents):
        local = explain.local_derivative(node, i)
        columns = []
        for j in range(node.size):

            def f(*inputs, j=j, i=i):
                args = [inputs[0] if k == i else p for k, p in enumerate(node.parents)]
                out = node._op.forward(*[t.data for t in args], **node._params)
                return mg.Tensor(np.ravel(out)[j])

            args = [x if k == i else p for k, p in enumerate(node.parents)]
            columns.append(numerical_grad(lambda t: f(t), [args[i]])[0].ravel())
        jacobian = np.array(columns)
        if local.ndim == 2 and local.shape != x.shape:
            np.testing.assert_allclose(local, jacobian, atol=1e-6)
        elif node.size == 1:
            np.testing.assert_allclose(local.ravel(), jacobian.ravel(), atol=1e-6)
        else:  # elementwise: the diagonal
            np.testing.assert_allclose(jacobian, np.diag(local.ravel()), atol=1e-6)


# ------------------------------------------------------------------ the page

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)


def _page_data(page: str) -> dict:
    text = re.search(r'id="backprop-data">(.*?)</script>', page, flags=re.S).group(1)
    return json.loads(text.replace("<\\/", "</"))


@needs_dot
def test_the_page_is_one_self_contained_file(tmp_path):
    loss, x = _diamond()
    path = mg.explain_backward(loss).save(tmp_path / "page.html")
    page = path.read_text()
    assert "<svg" in page and "window.backprop" in page
    assert not re.search(r"<(script|link|img)[^>]*(src|href)=", page)  # nothing fetched
    data = _page_data(page)
    assert len(data["steps"]) == 5  # the sum, top * bottom, top, bottom, x
    (x_step,) = [s for s in data["steps"] if s["label"] == "x"]
    assert sorted(r["from"] for r in x_step["received"]) == ["bottom", "top"]
    for step in data["steps"]:  # every highlighted element exists in the drawing
        assert f'id="{step["node"]}"' in page
        for send in step["sends"]:
            assert f'id="{send["edge"]}"' in page


@needs_dot
def test_a_model_names_the_parameters(tmp_path):
    mg.manual_seed(0)
    model = mg.nn.Sequential(mg.nn.Linear(2, 2), mg.nn.ReLU(), mg.nn.Linear(2, 1))
    loss = model(mg.tensor([[1.0, -1.0]])).sum()
    page = mg.explain_backward(loss, model=model).html
    labels = {s["label"] for s in _page_data(page)["steps"]}
    assert {name for name, _ in model.named_parameters()} <= labels


@needs_dot
def test_the_scalar_neuron_shows_every_number():
    x1, x2 = mg.tensor(2.0), mg.tensor(0.0)
    w1 = mg.Tensor(-3.0, requires_grad=True, name="w1")
    w2 = mg.Tensor(1.0, requires_grad=True, name="w2")
    b = mg.Tensor(6.8813735870195432, requires_grad=True, name="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    first = _page_data(mg.explain_backward(o).html)["steps"][0]
    (send,) = first["sends"]
    assert send["rule"] == mg.activations.get("tanh").rule
    assert float(send["local"]) == pytest.approx(1 - o.item() ** 2, abs=1e-4)
    assert float(send["grad"]) == pytest.approx(0.5, abs=1e-4)


def test_a_root_without_grad_is_refused():
    with pytest.raises(ValueError, match="does not require grad"):
        mg.explain_backward(mg.tensor([1.0, 2.0]).sum())
    with pytest.raises(TypeError, match="root must be a Tensor"):
        mg.explain_backward(1.0)


def test_a_root_with_more_than_one_element_is_refused():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"reduce it first"):
        mg.explain_backward(x * 2)
    assert x.grad is None


def test_a_large_graph_is_refused_with_the_layer_view_suggested():
    loss, params = _mlp()
    with pytest.raises(
        ValueError, match=r'mg.draw\(root, model=model, group_by="layer"\)'
    ) as error:
        mg.explain_backward(loss, max_nodes=5)
    assert "max_nodes=5" in str(error.value)
    assert all(p.grad is None for p in params)  # nothing ran


def test_missing_graphviz_says_how_to_install_it(monkeypatch):
    loss, params = _mlp()
    monkeypatch.setattr(explain.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Install Graphviz"):
        mg.explain_backward(loss)
    assert all(p.grad is None for p in params) and loss.grad is None


# ------------------------------------------------------------- in a browser


@needs_dot
def test_the_page_steps_through_the_pass_in_a_browser(tmp_path, open_page):
    loss, x = _diamond()
    explainer = mg.explain_backward(loss)
    path = explainer.save(tmp_path / "page.html")
    wanted = [s["node"] for s in _page_data(explainer.html)["steps"]]

    page = open_page(path.as_uri())
    assert page.evaluate("window.backprop.steps") == len(wanted)
    for k in [*range(len(wanted)), 1]:  # forwards, then back
        page.evaluate(f"window.backprop.go({k})")
        current = page.eval_on_selector_all("#graph .current", "e => e.map(n => n.id)")
        assert current == [wanted[k]]
        assert page.evaluate("window.backprop.step") == k
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.backprop.step") == 2
    x_step = next(k for k, s in enumerate(explainer.steps) if s.node is x)
    page.evaluate(f"window.backprop.go({x_step})")
    assert "sum" in page.inner_text("#panel")  # x is used twice: the sum is shown
    assert page.errors == []


@needs_dot
def test_a_notebook_shows_the_page_in_its_own_frame():
    loss, x = _diamond()
    explainer = mg.explain_backward(loss)
    (srcdoc,) = re.findall(r"<iframe srcdoc='([^']*)'", explainer._repr_html_())
    assert html.unescape(srcdoc) == explainer.html
    np.testing.assert_array_equal(x.grad, explainer.steps[-1].grad)  # the pass ran as usual
