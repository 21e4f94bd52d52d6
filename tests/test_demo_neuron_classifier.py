"""The neuron-as-a-classifier demo, in quick mode: its lesson holds in the numbers it returns."""

import pytest

from demos import neuron_classifier


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("neuron_classifier")
    return neuron_classifier.run(quick=True, seed=0, out=out)


def test_logistic_regression_and_the_svm_separate_separable_blobs(result):
    assert result.numbers["logistic_accuracy"] >= 0.95
    assert result.numbers["svm_accuracy"] >= 0.95


def test_stronger_l2_leaves_smaller_weights(result):
    norms = result.numbers["weight_norms"]  # L2 strength -> ||w||, weakest first
    strengths = [float(lam) for lam in norms]
    assert len(strengths) >= 3 and strengths == sorted(strengths)
    values = list(norms.values())
    assert all(weaker > stronger for weaker, stronger in zip(values, values[1:], strict=False))


def test_the_cs231n_worked_examples(result):
    assert result.numbers["svm_worked_example_loss"] == pytest.approx(8.0)
    assert result.numbers["softmax_worked_example"] == pytest.approx([0.70, 0.04, 0.26], abs=0.01)


def test_the_demo_writes_its_figures_and_graph(result):
    assert len(result.figures) == 2 and len(result.graphs) == 1
    for filename, _ in result.figures + result.graphs:
        assert (result.out / filename).exists()
