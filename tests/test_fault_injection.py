"""Random training steps with random faults injected: a refused change moves nothing.

Two identical models train side by side. Before some steps a fault is put
into the first one (a gradient of the wrong shape, a complex or non-array
gradient, a read-only parameter, a bad state dict, a bad clipping call);
the call must raise and leave every parameter, gradient and optimizer state
as it was. The fault is then undone and the step taken: at the end both
runs must be identical, to the last bit.
"""

from __future__ import annotations

import copy

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn

FAULTS = [
    "none",
    "grad shape",
    "grad complex",
    "grad list",
    "read-only parameter",
    "state dict shape",
    "state dict None",
    "optimizer state dict",
    "clip with bad grad",
]

OPTIMIZERS = {
    "sgd": lambda ps: mg.optim.SGD(ps, lr=0.05),
    "momentum": lambda ps: mg.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "adam": lambda ps: mg.optim.Adam(ps, lr=0.01, weight_decay=1e-3),
}

X = np.random.default_rng(0).standard_normal((8, 3))
Y = np.array([0, 1, 1, 0, 1, 0, 0, 1])


def _snapshot(model: nn.Module, opt: mg.optim.Optimizer) -> list:
    shot: list = []
    for p in model.parameters():
        shot += [p.data.copy(), None if p.grad is None else p.grad.copy()]
    return shot + sorted(opt.state_dict().items())


def _equal(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, tuple):
            if x[0] != y[0] or not np.array_equal(x[1], y[1]):
                return False
        elif (x is None) != (y is None) or (x is not None and not np.array_equal(x, y)):
            return False
    return True


def _gradients(model: nn.Module, opt: mg.optim.Optimizer) -> None:
    opt.zero_grad()
    nn.F.cross_entropy(model(mg.Tensor(X)), Y).backward()


def _inject(fault: str, k: int, model: nn.Module, opt: mg.optim.Optimizer):
    """Put the fault in; return the call that must refuse it and the undo."""
    params = model.parameters()
    p = params[k % len(params)]
    grad = p.grad
    if fault.startswith("grad"):
        p.grad = {
            "grad shape": np.ones(p.shape + (2,)),
            "grad complex": grad.astype(complex),
            "grad list": grad.tolist(),
        }[fault]
        return opt.step, lambda: setattr(p, "grad", grad)
    if fault == "read-only parameter":
        p.data.flags.writeable = False
        return opt.step, lambda: setattr(p.data.flags, "writeable", True)
    if fault.startswith("state dict"):
        state = {k: v + 1.0 for k, v in model.state_dict().items()}
        name = list(state)[k % len(state)]
        state[name] = None if fault.endswith("None") else np.ones((7,))
        return (lambda: model.load_state_dict(state)), lambda: None
    if fault == "optimizer state dict":
        state = opt.state_dict()
        state["lr"] = np.array(-1.0)
        return (lambda: opt.load_state_dict(state)), lambda: None
    if fault == "clip with bad grad":
        p.grad = np.ones(p.shape + (2,))

        def clip() -> None:
            nn.utils.clip_grad_norm_(params, 1e-3)

        return clip, lambda: setattr(p, "grad", grad)
    raise AssertionError(fault)


@settings(max_examples=25, deadline=None)
@given(
    steps=st.lists(st.tuples(st.sampled_from(FAULTS), st.integers(0, 20)), min_size=1, max_size=6),
    optimizer=st.sampled_from(sorted(OPTIMIZERS)),
)
def test_random_faults_leave_training_exactly_as_without_them(steps, optimizer) -> None:
    model = nn.MLP([3, 4, 2], rng=np.random.default_rng(1))
    twin = copy.deepcopy(model)
    opt, twin_opt = (
        OPTIMIZERS[optimizer](model.parameters()),
        OPTIMIZERS[optimizer](twin.parameters()),
    )
    for fault, k in steps:
        _gradients(model, opt)
        _gradients(twin, twin_opt)
        if fault != "none":
            before = _snapshot(model, opt)
            call, undo = _inject(fault, k, model, opt)
            try:
                call()
            except (TypeError, ValueError):
                pass
            else:
                raise AssertionError(f"{fault}: accepted")
            undo()
            assert _equal(_snapshot(model, opt), before), f"{fault} moved something"
        opt.step()
        twin_opt.step()
    assert _equal(_snapshot(model, opt), _snapshot(twin, twin_opt))
