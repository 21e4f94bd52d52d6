"""Draw the README's two example graphs: a healthy ReLU net and a saturated deep sigmoid net.

Run: python -m demos.readme_renders [--out docs]  (needs Graphviz's dot program for PNG)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import minigrad as mg
from minigrad.nn import functional as F


def healthy_relu() -> tuple[mg.nn.Module, mg.Tensor]:
    """A 2-16-16-2 ReLU net with He init on two moons, after one backward pass."""
    mg.manual_seed(0)
    X, y = mg.data.moons(64, 0.1, seed=0)
    model = mg.nn.MLP([2, 16, 16, 2], activation="relu", init="he")
    loss = F.cross_entropy(model(mg.Tensor(X, name="x")), y)
    loss.backward()
    return model, loss


def saturated_sigmoid() -> tuple[mg.nn.Module, mg.Tensor]:
    """An 8-hidden-layer sigmoid net with the naive 'standard' init of Glorot &
    Bengio (2010): the gradient shrinks layer by layer on its way back."""
    mg.manual_seed(0)
    X, y = mg.data.moons(64, 0.1, seed=0)
    model = mg.nn.MLP([2] + [16] * 8 + [2], activation="sigmoid", init="standard")
    loss = F.cross_entropy(model(mg.Tensor(X, name="x")), y)
    loss.backward()
    return model, loss


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for stem, build, title in [
        ("healthy_relu", healthy_relu, "ReLU net, He init: gradients flow to every layer"),
        ("saturated_sigmoid", saturated_sigmoid, "8-layer sigmoid net, standard init"),
    ]:
        model, loss = build()
        graph = mg.draw(loss, model=model, title=title)
        for record in mg.diagnostics.gradient_flow(model):
            print(
                f"{stem}: {record.name:18s} mean|grad| {record.mean_abs_grad:.2e} {record.health}"
            )
        if shutil.which("dot"):
            print("wrote", graph.render(args.out / stem, format="png", cleanup=True))
        else:
            (args.out / f"{stem}.dot").write_text(graph.source)
            print("wrote", args.out / f"{stem}.dot", "(install Graphviz for PNG)")


if __name__ == "__main__":
    main()
