"""The playground's settings: what a learner may choose, each with its bounds.

Everything the page sends passes through ``validate`` before it reaches a
model, so a bad value becomes a clear message on the page and never an
exception in the server. The presets set up one lesson each.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

from .. import activations

DATASETS = ("xor", "moons", "circles", "spiral", "blobs")
INITS = ("he", "xavier", "lecun", "standard")
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD with momentum 0.9", "adam": "Adam"}

MAX_LAYERS = 10
MAX_WIDTH = 256
MAX_LR = 10.0
MAX_BATCH = 512
MAX_SEED = 2**32 - 1


class SettingsError(ValueError):
    """A setting out of bounds; ``field`` names it, so the page can point at it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Settings:
    """One run of the playground: the data, the network and how it is trained."""

    dataset: str = "moons"
    activation: str = "relu"
    layers: int = 2  # hidden layers
    width: int = 16  # units per hidden layer
    init: str = "he"
    optimizer: str = "sgd"
    lr: float = 0.1
    batch: int = 32
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _integer(field: str, label: str, value: Any, low: int, high: int) -> int:
    # The page sends what is in its inputs: numbers or their text.
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise SettingsError(field, f"{label} must be a whole number, got {value!r}") from None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        is_whole = isinstance(value, float) and value.is_integer()
        if not is_whole:
            raise SettingsError(field, f"{label} must be a whole number, got {value!r}")
        value = int(value)
    if not low <= value <= high:
        raise SettingsError(field, f"{label} must be between {low} and {high}, got {value}")
    return int(value)


def _learning_rate(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise SettingsError("lr", f"learning rate must be a number, got {value!r}") from None
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise SettingsError("lr", f"learning rate must be a number, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and 0 < value <= MAX_LR):
        raise SettingsError(
            "lr", f"learning rate must be greater than 0 and at most {MAX_LR:g}, got {value:g}"
        )
    return value


def _name(field: str, label: str, value: Any, known: tuple[str, ...] | list[str]) -> str:
    if not isinstance(value, str) or value not in known:
        raise SettingsError(field, f"unknown {label} {value!r}; choose one of {', '.join(known)}")
    return value


def activation_names() -> list[str]:
    """Every registered activation, the user's own included, read when asked."""
    return activations.names()


def validate(raw: Any) -> Settings:
    """Check every field of ``raw`` (a dict from the page) and return the settings.

    Missing fields take their defaults; an unknown field, a value of the wrong
    type or out of bounds raises ``SettingsError`` naming the field.
    """
    if not isinstance(raw, dict):
        raise SettingsError("settings", f"settings must be an object, got {type(raw).__name__}")
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SettingsError(unknown[0], f"unknown setting {unknown[0]!r}")
    values = {**Settings().to_dict(), **raw}
    return Settings(
        dataset=_name("dataset", "data set", values["dataset"], DATASETS),
        activation=_name("activation", "activation", values["activation"], activation_names()),
        layers=_integer("layers", "hidden layers", values["layers"], 1, MAX_LAYERS),
        width=_integer("width", "width", values["width"], 1, MAX_WIDTH),
        init=_name("init", "initialisation", values["init"], INITS),
        optimizer=_name("optimizer", "optimizer", values["optimizer"], tuple(OPTIMIZERS)),
        lr=_learning_rate(values["lr"]),
        batch=_integer("batch", "batch size", values["batch"], 1, MAX_BATCH),
        seed=_integer("seed", "seed", values["seed"], 0, MAX_SEED),
    )


@dataclass(frozen=True)
class Preset:
    """One lesson: the settings that set it up and what to look for."""

    title: str
    caption: str
    settings: Settings


PRESETS: dict[str, Preset] = {
    "sigmoid": Preset(
        "sigmoid saturates",
        "Eight sigmoid layers with the standard init, as in Glorot and Bengio (2010). Within "
        "a few hundred steps the last hidden layer's outputs sink towards 0 and its units turn "
        "orange (saturated); the gradient bars shrink layer by layer, the first layers get "
        "about a billionth of the output's gradient, and the loss stays near chance (0.69).",
        Settings(
            activation="sigmoid", layers=8, width=16, init="standard", optimizer="momentum", lr=0.5
        ),
    ),
    "dying": Preset(
        "ReLUs die",
        "ReLUs with a learning rate of 1. A few large steps push units' inputs below 0 for "
        "every example: those units turn grey and crossed (dead). A dead unit gets no "
        "gradient, so it never comes back: the share of dead units climbs and stays, and the "
        "boundary stops improving.",
        Settings(activation="relu", layers=4, width=16, lr=1.0, seed=2),
    ),
    "alive": Preset(
        "leaky ReLU / PReLU / maxout keep them alive",
        "The same network and learning rate with leaky ReLU. Its negative side still passes "
        "1% of the gradient, so no unit dies: a unit pushed below 0 shows as saturated and "
        "can recover. PReLU and maxout (in the activation list) have no dead units either; "
        "they diverge at this learning rate, so try them at 0.1.",
        Settings(activation="leaky_relu", layers=4, width=16, lr=1.0, seed=2),
    ),
    "he": Preset(
        "He init fixes deep ReLU",
        "Eight ReLU layers with He init: every layer's gradient bar stays close to the "
        "output's and the loss falls. Switch the init to standard to watch the gradient "
        "shrink layer by layer instead.",
        Settings(activation="relu", layers=8, width=16, init="he", lr=0.05),
    ),
}
