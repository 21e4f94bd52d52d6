"""The ReLU-vs-tanh demo in quick mode: what it measures, checked from its numbers."""

import statistics

import pytest

from demos import relu_vs_tanh


@pytest.fixture(scope="module")
def numbers(tmp_path_factory):
    # One quick run (a few seconds) serves every test below.
    result = relu_vs_tanh.run(quick=True, seed=0, out=tmp_path_factory.mktemp("relu_vs_tanh"))
    return result.numbers


def per_seed_ratios(steps, a, b):
    return [sa / sb for sa, sb in zip(steps[a], steps[b], strict=True)]


def test_sigmoid_needs_more_steps_than_relu(numbers):
    steps = numbers["mlp_steps"]
    assert statistics.median(steps["sigmoid"]) > statistics.median(steps["relu"])
    assert numbers["sigmoid_vs_relu_mlp"] > 1


@pytest.mark.parametrize("net", ["mlp", "convnet"])
def test_tanh_relu_ratio_is_the_median_of_the_per_seed_ratios(numbers, net):
    ratios = per_seed_ratios(numbers[f"{net}_steps"], "tanh", "relu")
    assert numbers[f"{net}_ratio_tanh_relu"] == pytest.approx(statistics.median(ratios))
    assert numbers[f"{net}_ratio_spread"] == pytest.approx([min(ratios), max(ratios)])


def test_sigmoid_ratio_is_the_median_of_the_per_seed_ratios(numbers):
    ratios = per_seed_ratios(numbers["mlp_steps"], "sigmoid", "relu")
    assert numbers["sigmoid_vs_relu_mlp"] == pytest.approx(statistics.median(ratios))


def test_every_activation_has_its_own_tuned_learning_rate_and_a_run_per_seed(numbers):
    mlp_steps, conv_steps = numbers["mlp_steps"], numbers["convnet_steps"]
    assert set(mlp_steps) >= {"relu", "tanh", "sigmoid", "leaky_relu", "maxout"}
    assert set(conv_steps) >= {"relu", "tanh"}
    for net, steps in (("mlp", mlp_steps), ("convnet", conv_steps)):
        seeds = {len(per_seed) for per_seed in steps.values()}
        assert len(seeds) == 1  # the same seeds for every activation
        for act in steps:
            assert numbers["best_lr"][f"{net}/{act}"] in relu_vs_tanh.LR_GRID
    assert 0 < numbers["threshold"] < 1
