"""Neural-network building blocks: modules, layers, initialisations and losses.

``Module`` (module.py) finds parameters by walking attributes; layers.py holds
``Linear``, ``Sequential``, ``MLP`` and the activation modules; init.py the
weight initialisations; functional.py (also ``nn.F``) the losses; utils.py
gradient clipping; conv.py the convolution and pooling layers; pytorch.py
``to_torch``, which carries a model over to PyTorch.
"""

from . import functional, init, utils
from . import functional as F
from .conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
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
from .pytorch import to_torch

__all__ = [
    "MLP",
    "Activation",
    "AvgPool2d",
    "Conv2d",
    "F",
    "Flatten",
    "LeakyReLU",
    "Linear",
    "MaxPool2d",
    "Maxout",
    "Module",
    "PReLU",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "functional",
    "init",
    "to_torch",
    "utils",
]
