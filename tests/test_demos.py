"""Each demo runs in quick mode and its lesson holds in the numbers it returns."""

import demos.__main__ as demos_main
from demos import digits_convnet, digits_mlp, spiral_from_scratch


def test_spiral_needs_the_hidden_relu_layer(tmp_path):
    result = spiral_from_scratch.run(quick=True, seed=0, out=tmp_path)
    assert result.numbers["linear_accuracy"] < 0.65
    assert result.numbers["relu_accuracy"] >= 0.95


def test_running_the_demos_writes_the_report(tmp_path, monkeypatch):
    # every demo's own test runs it; here one demo is enough to check the report
    monkeypatch.setattr(demos_main, "DEMOS", ["spiral_from_scratch"])
    results = demos_main.main(["--quick", "--jobs", "1", "--out", str(tmp_path)])
    assert len(results) == 1
    report = (tmp_path / "index.html").read_text()
    for result in results:
        assert result.title in report
        assert (tmp_path / f"{result.name}.json").exists()


def test_digits_mlp_learns_the_digits(tmp_path):
    result = digits_mlp.run(quick=True, seed=0, out=tmp_path)
    assert result.numbers["test_accuracy"] >= 0.95
    assert result.numbers["train_accuracy"] >= result.numbers["test_accuracy"] - 0.02


def test_digits_convnet_learns_the_digits(tmp_path):
    result = digits_convnet.run(quick=True, seed=0, out=tmp_path)
    assert result.numbers["test_accuracy"] >= 0.9
