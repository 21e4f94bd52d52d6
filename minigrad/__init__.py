"""minigrad: a reverse-mode autograd engine on NumPy, for learning how networks train."""

from . import activations, data, diagnostics, namespace, nn, ops, optim
from .activations import elu, gelu, leaky_relu, maxout, prelu, relu, sigmoid, silu, softplus, tanh
from .autograd import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .conv import avg_pool2d, conv2d, max_pool2d
from .derivatives import grad, hessian, hvp, jacobian
from .explain import backprop_steps, explain_backward
from .functions import (
    abs,
    argmax,
    argmin,
    clip,
    concatenate,
    exp,
    flatten,
    log,
    log_softmax,
    logsumexp,
    max,
    maximum,
    mean,
    min,
    minimum,
    reshape,
    softmax,
    sqrt,
    squeeze,
    stack,
    sum,
    transpose,
    var,
    where,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .ops import array_namespace
from .persistence import load, save
from .render import draw, to_dot
from .rng import manual_seed
from .tensor import (
    Tensor,
    arange,
    get_default_dtype,
    ones,
    randn,
    set_default_dtype,
    tensor,
    zeros,
)

__version__ = "0.1.0"

__all__ = [
    "load",
    "save",
    "AnomalyError",
    "GradcheckError",
    "Tensor",
    "abs",
    "activations",
    "arange",
    "array_namespace",
    "argmax",
    "argmin",
    "avg_pool2d",
    "backprop_steps",
    "clip",
    "concatenate",
    "conv2d",
    "data",
    "detect_anomaly",
    "diagnostics",
    "draw",
    "elu",
    "enable_grad",
    "exp",
    "explain_backward",
    "flatten",
    "gelu",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "leaky_relu",
    "log",
    "log_softmax",
    "logsumexp",
    "manual_seed",
    "max",
    "max_pool2d",
    "maximum",
    "maxout",
    "mean",
    "namespace",
    "min",
    "minimum",
    "nn",
    "no_grad",
    "numerical_grad",
    "ones",
    "ops",
    "optim",
    "prelu",
    "randn",
    "relu",
    "reshape",
    "set_default_dtype",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "sqrt",
    "squeeze",
    "stack",
    "sum",
    "tanh",
    "tensor",
    "to_dot",
    "transpose",
    "var",
    "where",
    "zeros",
]


def __getattr__(name: str):
    # The playground is a web app: ``mg.playground`` imports it when first used,
    # so ``import minigrad`` stays NumPy-only.
    if name == "playground":
        import importlib

        return importlib.import_module(".playground", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
