"""Layers: ``Linear``, ``Sequential``, ``MLP`` and the activation modules.

Every activation module is an ``Activation``: ``ReLU``, ``Sigmoid``, ``Tanh``
and ``LeakyReLU`` fix the registered activation's name and parameters,
``PReLU`` adds its learnable slope and ``Maxout`` its own linear layer. So the
diagnostics find all of them with ``isinstance(m, Activation)``, and read the
registry record in ``m.activation`` (its ``derivative`` says where a unit is
dead; it is ``None`` for prelu and maxout, which are not elementwise).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .. import activations, ops, validation
from ..tensor import ArrayLike, Tensor, apply, get_default_dtype, zeros
from .init import Init, initial_weight
from .module import Module


def _check_count(layer: str, name: str, value: Any) -> int:
    # bool is an int to Python, but Linear(True, 3) is surely a mistake: TypeError.
    return validation.integer(value, layer, name, low=1)


class Linear(Module):
    """``y = x W^T + b``, on the last axis of ``x``; any leading axes are batch axes.

    ``weight`` has shape ``(out_features, in_features)`` as in PyTorch, drawn by
    ``init`` (see ``nn.init``); ``bias`` has shape ``(out_features,)`` and
    starts at 0.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: Init = "he",
        rng: np.random.Generator | None = None,
    ) -> None:
        self.in_features = _check_count("Linear", "in_features", in_features)
        self.out_features = _check_count("Linear", "out_features", out_features)
        shape = (self.out_features, self.in_features)
        self.weight = Tensor(initial_weight(init, shape, rng), requires_grad=True)
        self.bias = zeros(self.out_features, requires_grad=True) if bias else None

    def forward(self, x: ArrayLike) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weight.dtype)
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            got = f"size {shape[-1]}" if shape else "no axes"
            raise ValueError(
                f"Linear: expected inputs whose last axis has size {self.in_features} "
                f"(in_features), got shape {shape} whose last axis has {got}"
            )
        # x W^T as one matmul that reads W as stored: W's gradient comes out in W's
        # own layout, with no transpose node whose gradient a copy must separate.
        y = apply(ops.matmul, x, self.weight, transpose_b=True)
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Sequential(Module):
    """Modules applied one after the other; their names are ``0``, ``1``, ..."""

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                hint = " (pass the modules themselves: Sequential(*layers))"
                raise TypeError(
                    f"Sequential: argument {i} is a {type(module).__name__}, not a Module"
                    + (hint if isinstance(module, (list, tuple)) else "")
                )
        self._layers = list(modules)

    def _members(self) -> Iterator[tuple[str, Any]]:
        return ((str(i), module) for i, module in enumerate(self._layers))

    def forward(self, x: Any) -> Any:
        for layer in self._layers:
            x = layer(x)
        return x

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return Sequential(*self._layers[index])
        return self._layers[index]

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)


# ------------------------------------------------------------ activations


class Activation(Module):
    """A registered activation (``mg.activations.names()``) as a module.

    ``Activation("elu", alpha=0.5)`` applies ``mg.activations.get("elu")`` with
    those parameters. Names are matched case-insensitively (``Activation("ReLU")``
    is ``Activation("relu")``); an unknown name raises the registry's ``KeyError``.
    ``ReLU``, ``Sigmoid``, ``Tanh``, ``LeakyReLU``, ``PReLU`` and ``Maxout``
    are subclasses, so ``isinstance(m, Activation)`` finds every activation
    module of a model.
    """

    def __init__(self, name: str, **params: Any) -> None:
        # Any spelling a model prints (Activation("ReLU")) names the registered
        # activation, when exactly one registered name matches it case-insensitively.
        if isinstance(name, str) and name not in activations.names():
            same = [n for n in activations.names() if n.lower() == name.lower()]
            name = same[0] if len(same) == 1 else name
        self.activation = activations.get(name)  # the registry record
        if name == "prelu" and not isinstance(self, PReLU):
            raise ValueError("Activation('prelu'): the slope is a parameter; use nn.PReLU()")
        self.name = name
        self.params = params

    def forward(self, x: ArrayLike) -> Tensor:
        return self.activation(x, **self.params)

    def extra_repr(self) -> str:
        # A subclass's own name already says which activation it is.
        shown = [repr(self.name)] if type(self) is Activation else []
        return ", ".join(shown + [f"{key}={value!r}" for key, value in self.params.items()])


class ReLU(Activation):
    """max(0, x)."""

    def __init__(self) -> None:
        super().__init__("relu")


class Sigmoid(Activation):
    """1 / (1 + e^-x)."""

    def __init__(self) -> None:
        super().__init__("sigmoid")


class Tanh(Activation):
    """tanh(x)."""

    def __init__(self) -> None:
        super().__init__("tanh")


class LeakyReLU(Activation):
    """x for x >= 0, slope * x otherwise."""

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__("leaky_relu", slope=slope)


class PReLU(Activation):
    """Leaky ReLU whose slope is learned (He et al. 2015).

    ``weight`` holds ``num_parameters`` slopes, all starting at ``init``: one
    shared slope, or one per channel (axis 1 of the input, the last axis of a
    2-D input), as in PyTorch. It is an ``Activation`` subclass so that the
    diagnostics treat it as one; its registry record is ``prelu``.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        super().__init__("prelu")
        self.num_parameters = _check_count("PReLU", "num_parameters", num_parameters)
        slopes = np.full(self.num_parameters, init, dtype=get_default_dtype())
        self.weight = Tensor(slopes, requires_grad=True)

    def forward(self, x: ArrayLike) -> Tensor:
        return self.activation(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Maxout(Activation):
    """Maxout units (Goodfellow et al. 2013): the max of ``pieces`` linear functions.

    Holds ``linear = Linear(in_features, out_features * pieces)``; output unit
    ``u`` is the max of that layer's outputs ``u*pieces ... u*pieces + pieces - 1``
    (``mg.maxout``'s grouping). It is an ``Activation`` subclass so that the
    diagnostics find it like any other activation module; unlike the others it
    has weights of its own, in its child module ``linear``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        pieces: int = 2,
        init: Init = "he",
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__("maxout")
        self.in_features = _check_count("Maxout", "in_features", in_features)
        self.out_features = _check_count("Maxout", "out_features", out_features)
        self.pieces = _check_count("Maxout", "pieces", pieces)
        self.linear = Linear(self.in_features, self.out_features * self.pieces, init=init, rng=rng)

    def forward(self, x: ArrayLike) -> Tensor:
        return self.activation(self.linear(x), pieces=self.pieces)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"pieces={self.pieces}"
        )


# The registered activations that have a module class of their own.
_MODULE_CLASSES: dict[str, type[Activation]] = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "leaky_relu": LeakyReLU,
    "prelu": PReLU,
}


def activation_module(name: str) -> Activation:
    """A new module applying the registered activation ``name`` with its defaults."""
    if name in _MODULE_CLASSES:
        return _MODULE_CLASSES[name]()
    return Activation(name)


class MLP(Module):
    """A multilayer perceptron: ``Linear`` layers with an activation between them.

    ``sizes`` lists the widths, input first: ``MLP([2, 16, 3])`` maps 2 inputs
    through 16 hidden units to 3 outputs. No activation follows the last
    layer, so the outputs are logits (or scores). ``activation`` is any name
    in ``mg.activations.names()``; with ``"maxout"`` each hidden layer is a
    ``Maxout`` (2 pieces). ``init=None`` means ``"he"``. The layers are
    ``self.layers``, a ``Sequential``: parameters are named ``layers.0.weight``.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "relu",
        init: Init | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs an input and an output size, got {sizes}")
        sizes = [_check_count("MLP", f"sizes[{i}]", n) for i, n in enumerate(sizes)]
        activations.get(activation)  # an unknown name fails here, before any layer is drawn
        init = "he" if init is None else init
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
            if i == len(sizes) - 2:
                layers.append(Linear(n_in, n_out, init=init, rng=rng))
            elif activation == "maxout":
                layers.append(Maxout(n_in, n_out, init=init, rng=rng))
            else:
                layers += [Linear(n_in, n_out, init=init, rng=rng), activation_module(activation)]
        self.sizes = tuple(sizes)
        self.activation = activation
        self.layers = Sequential(*layers)

    def forward(self, x: ArrayLike) -> Tensor:
        return self.layers(x)
