"""Neural-network building blocks: modules, layers, initialisations and losses.

``Module`` (module.py) finds parameters by walking attributes; layers.py holds
``Linear``, ``Sequential``, ``MLP`` and the activation modules; init.py the
weight initialisations; functional.py (also ``nn.F``) the losses; utils.py
gradient clipping.
"""

from . import functional, init, utils
from . import functional as F
from .layers import (
    MLP,
    Activation,
    LeakyReLU,
    Linear,
    Maxout,
    PReLU,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from .module import Module

__all__ = [
    "MLP",
    "Activation",
    "F",
    "LeakyReLU",
    "Linear",
    "Maxout",
    "Module",
    "PReLU",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "functional",
    "init",
    "utils",
]
