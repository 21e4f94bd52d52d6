"""One playground run: a model trained in minigrad, and the state the page draws.

``Run`` owns a data set, a model and an optimizer built from ``Settings``.
``step()`` takes one optimizer step on a minibatch; ``state()`` measures the
whole data set once (loss, accuracy, decision boundary, each layer's units and
gradient) and returns plain numbers ready for JSON. The unit states are the
diagnostics' vocabulary (``mg.diagnostics.unit_masks``); nothing here sets a
threshold of its own.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import data, diagnostics, nn, optim, render
from ..autograd import no_grad
from ..nn import functional as F
from ..tensor import Tensor
from .settings import Settings

GRID = 48  # the decision boundary is sampled on GRID x GRID points
MARGIN = 0.25  # of the data's extent, around it


def make_data(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The 2-D data set ``name``, centred and scaled to unit standard deviation,
    so one learning rate suits every data set."""
    if name == "xor":
        X, y = data.xor(n=200, noise=0.15, seed=seed)
    elif name == "moons":
        X, y = data.moons(200, noise=0.1, seed=seed)
    elif name == "circles":
        X, y = data.circles(200, noise=0.08, seed=seed)
    elif name == "spiral":
        X, y = data.spiral(100, classes=3, seed=seed)
    else:
        X, y = data.blobs(240, centers=3, std=1.2, seed=seed)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y.astype(np.int64)


def make_optimizer(settings: Settings, params: list[Tensor]) -> optim.Optimizer:
    if settings.optimizer == "adam":
        return optim.Adam(params, lr=settings.lr)
    momentum = 0.9 if settings.optimizer == "momentum" else 0.0
    return optim.SGD(params, lr=settings.lr, momentum=momentum)


def _round(values: Any, digits: int = 4) -> list:
    """Numbers for JSON: a few significant digits, and ``None`` for NaN or infinity."""
    out = []
    for v in np.asarray(values, dtype=float).ravel():
        out.append(float(f"{v:.{digits}g}") if math.isfinite(v) else None)
    return out


def _rms_per_unit(grad: np.ndarray | None, units: int) -> np.ndarray:
    """RMS gradient of each unit over the examples (a maxout unit's pieces summed:
    only its winning piece receives gradient)."""
    if grad is None:
        return np.zeros(units)
    grad = np.abs(grad).reshape(len(grad), units, -1).sum(axis=2)
    return np.sqrt(np.mean(np.square(grad, dtype=np.float64), axis=0))


def _rms(grad: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(grad, dtype=np.float64)))) if grad.size else 0.0


def gradient_class(grad: np.ndarray | None, output_rms: float) -> str:
    """A layer's gradient class relative to the output's, as the renderer's layer view
    classes it (with its thresholds), so a fading gradient is one boundary in both."""
    if grad is None or not np.any(grad):
        return "dead"
    if not np.all(np.isfinite(grad)):
        return "exploding"
    if not (math.isfinite(output_rms) and output_rms > 0):  # nothing to compare with
        return diagnostics.health(grad)
    ratio = _rms(grad) / output_rms
    if ratio > render.EXPLODING_RATIO:
        return "exploding"
    if ratio < render.VANISHING_RATIO:
        return "vanishing"
    return "flowing"


class Run:
    """A model learning one data set: ``step()`` trains, ``state()`` measures."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.X, self.y = make_data(settings.dataset, settings.seed)
        self.classes = int(self.y.max()) + 1
        rng = np.random.default_rng(settings.seed)
        sizes = [2] + [settings.width] * settings.layers + [self.classes]
        self.model = nn.MLP(sizes, activation=settings.activation, init=settings.init, rng=rng)
        self.optimizer = make_optimizer(settings, self.model.parameters())
        self._batch_rng = np.random.default_rng(settings.seed + 1)
        self._batches: Any = iter(())
        self.steps = 0
        self.diverged: str | None = None
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        pad = MARGIN * (hi - lo)
        self.extent = (lo - pad, hi + pad)  # ((xmin, ymin), (xmax, ymax))
        xs = np.linspace(self.extent[0][0], self.extent[1][0], GRID)
        ys = np.linspace(self.extent[0][1], self.extent[1][1], GRID)
        gx, gy = np.meshgrid(xs, ys)  # row r is y = ys[r]
        self.grid = np.stack([gx.ravel(), gy.ravel()], axis=1)

    # ------------------------------------------------------------ training

    def _next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        batch = next(self._batches, None)
        if batch is None:  # a new epoch, freshly shuffled
            b = self.settings.batch
            self._batches = data.batches(self.X, self.y, b, shuffle=True, rng=self._batch_rng)
            batch = next(self._batches)
        return batch

    def step(self) -> float:
        """One optimizer step on the next minibatch; returns its loss. A loss that is
        not finite ends the run: ``diverged`` says at which step, and the weights
        are left as they were before the step."""
        if self.diverged:
            return float("nan")
        x, y = self._next_batch()
        with np.errstate(all="ignore"):  # a diverging run is reported, not warned about
            loss = F.cross_entropy(self.model(x), y)
            value = float(loss.item())
            if not math.isfinite(value):
                kind = "NaN" if math.isnan(value) else "infinite"
                self.diverged = f"the loss became {kind} at step {self.steps + 1}"
                return value
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        self.steps += 1
        return value

    # ----------------------------------------------------------- measuring

    def network(self) -> list[dict[str, Any]]:
        """The shape of the network: one entry per hidden layer."""
        return [
            {"name": name, "activation": module.name, "units": int(self.settings.width)}
            for name, module in diagnostics.activation_modules(self.model)
        ]

    def state(self) -> dict[str, Any]:
        """Everything the page draws, measured on the whole data set now."""
        with np.errstate(all="ignore"):
            layers, loss, accuracy = self._layers()
            boundary = self._boundary()
        units = sum(layer["units"] for layer in layers)
        dead = sum(layer["dead"] for layer in layers)
        return {
            "step": self.steps,
            "loss": _round([loss])[0],
            "accuracy": _round([accuracy])[0],
            "dead_share": dead / units if units else 0.0,
            "diverged": self.diverged,
            "layers": layers,
            "boundary": boundary,
        }

    def _layers(self) -> tuple[list[dict[str, Any]], float, float]:
        """One forward and backward pass over the data set, layer by layer, keeping
        each activation's output so its input's gradient can be read afterwards."""
        model = self.model
        acts = diagnostics.activation_modules(model)
        outputs: dict[str, Tensor] = {}
        h: Any = self.X
        names = {id(m): name for name, m in acts}
        for module in model.layers:
            h = module(h)
            if id(module) in names:
                outputs[names[id(module)]] = h
        logits = h
        loss = F.cross_entropy(logits, self.y)
        model.zero_grad()
        loss.backward()
        model.zero_grad()  # the next training step starts from clean gradients anyway
        accuracy = data.accuracy(logits.data, self.y)
        # The renderer's reference: the RMS of the gradient at the model's output.
        output_rms = _rms(logits.grad) if logits.grad is not None else 0.0

        # The units' states are the diagnostics' own: one vocabulary everywhere.
        dead = diagnostics.unit_masks(model, self.X, which="dead")
        saturated = diagnostics.unit_masks(model, self.X, which="saturated")
        compared = math.isfinite(output_rms) and output_rms > 0
        scale = output_rms if compared else 1.0
        layers = []
        for name, module in acts:
            out = outputs[name]
            n_units = out.shape[-1]
            params = {"pieces": module.pieces} if module.name == "maxout" else module.params
            inputs = [p.data for p in out.parents]
            elements = diagnostics.element_states(out.op, inputs, out.data, params)
            grad = out.parents[0].grad  # what reaches the layer's weights
            unit_grad = _rms_per_unit(grad, n_units)
            state = np.full(n_units, "f")
            state[saturated[name]] = "s"
            state[dead[name]] = "d"
            layers.append(
                {
                    "name": name,
                    "activation": module.name,
                    "units": n_units,
                    "dead": int(dead[name].sum()),
                    "saturated": int(saturated[name].sum()),
                    # RMS over RMS, the renderer's "grad 3e-5 x output", and its class
                    "grad_rel": _round([_rms(grad) / scale])[0]
                    if compared and grad is not None
                    else None,
                    "grad_class": gradient_class(grad, output_rms),
                    "states": "".join(state),
                    "unit_grad_rel": _round(unit_grad / scale, 3),
                    "unit_derivative": _round(
                        np.abs(elements.derivative).mean(axis=0) / elements.peak, 3
                    ),
                    # the share of the data on which each unit passes gradient: the
                    # depth of a flowing cell's blue, as in the renderer's unit strips
                    "unit_passing": _round(elements.passing.mean(axis=0), 3),
                    "unit_output": _round(out.data.mean(axis=0), 3),
                }
            )
        return layers, float(loss.item()), accuracy

    def _boundary(self) -> dict[str, Any]:
        """The predicted class and its probability at each grid point, row by row
        from the bottom (y = ymin) up."""
        with no_grad():
            logits = self.model(self.grid).data
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        cls = np.argmax(p, axis=1)
        confidence = np.nan_to_num(p.max(axis=1), nan=0.0)
        return {
            "size": GRID,
            "classes": cls.astype(int).tolist(),
            "confidence": np.round(confidence * 100).astype(int).tolist(),
        }

    def description(self) -> dict[str, Any]:
        """What the page needs once per run: the settings, the data and the network."""
        return {
            "settings": self.settings.to_dict(),
            "classes": self.classes,
            "extent": _round(np.concatenate(self.extent)),
            "points": _round(self.X, 4),
            "labels": self.y.tolist(),
            "network": self.network(),
        }
