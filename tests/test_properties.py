"""Properties over random shapes and random graphs, checked by finite differences.

Values are drawn away from kinks and domain edges (positive bases for pow,
denominators away from 0, maximum/minimum inputs that never tie), so that a
finite difference is a fair referee. Shapes stay small: up to 3 axes of size
at most 4. The example count and the absent deadline come from conftest.py.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

import minigrad as mg

SHAPES = dict(max_dims=3, max_side=4)


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def values(shape, lo=-2.0, hi=2.0):
    return arrays(np.float64, shape, elements=floats(lo, hi))


def away_from_zero(shape, lo=0.5, hi=2.0):
    """Values with lo <= |v| <= hi, either sign."""
    signs = arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0]))
    return st.tuples(values(shape, lo, hi), signs).map(lambda p: p[0] * p[1])


def never_tying(shape_a, shape_b):
    """Two arrays whose broadcast elements differ by at least 0.5: integers + 1/4
    against integers - 1/4, so maximum and minimum are never at a kink."""
    a = arrays(np.float64, shape_a, elements=st.integers(-3, 3).map(lambda k: k + 0.25))
    b = arrays(np.float64, shape_b, elements=st.integers(-3, 3).map(lambda k: k - 0.25))
    return st.tuples(a, b)


# Each binary op with the inputs it is smooth on.
BINARY_OPS = {
    "add": (lambda a, b: a + b, lambda sa, sb: st.tuples(values(sa), values(sb))),
    "sub": (lambda a, b: a - b, lambda sa, sb: st.tuples(values(sa), values(sb))),
    "mul": (lambda a, b: a * b, lambda sa, sb: st.tuples(values(sa), values(sb))),
    "div": (lambda a, b: a / b, lambda sa, sb: st.tuples(values(sa), away_from_zero(sb))),
    "pow": (lambda a, b: a**b, lambda sa, sb: st.tuples(values(sa, 0.5, 2.0), values(sb))),
    "maximum": (mg.maximum, never_tying),
    "minimum": (mg.minimum, never_tying),
}


@st.composite
def binary_case(draw):
    name = draw(st.sampled_from(sorted(BINARY_OPS)))
    fn, inputs = BINARY_OPS[name]
    shapes = draw(mutually_broadcastable_shapes(num_shapes=2, **SHAPES))
    a, b = draw(inputs(*shapes.input_shapes))
    weights = draw(values(shapes.result_shape, 0.5, 1.5))
    return name, fn, a, b, weights


def assert_close_to_finite_differences(fn, tensors):
    out = fn(*tensors)
    out.backward()
    numeric = mg.numerical_grad(fn, tensors)
    for t, expected in zip(tensors, numeric, strict=True):
        analytic = np.zeros_like(t.data) if t.grad is None else t.grad
        assert analytic.shape == t.shape
        np.testing.assert_allclose(analytic, expected, rtol=1e-5, atol=1e-6)


@given(binary_case())
def test_binary_ops_broadcast_and_reduce_gradients_to_each_input_shape(case):
    name, fn, a_data, b_data, weights = case
    a = mg.tensor(a_data, requires_grad=True)
    b = mg.tensor(b_data, requires_grad=True)
    out = fn(a, b)
    assert out.shape == np.broadcast_shapes(a.shape, b.shape)
    # A weighted sum makes every output element count differently.
    (out * weights).sum().backward()
    assert a.grad.shape == a.shape
    assert b.grad.shape == b.shape


@given(binary_case())
def test_binary_op_gradients_match_finite_differences(case):
    name, fn, a_data, b_data, weights = case
    a = mg.tensor(a_data, requires_grad=True)
    b = mg.tensor(b_data, requires_grad=True)
    assert_close_to_finite_differences(lambda a, b: (fn(a, b) * weights).sum(), [a, b])


# ------------------------------------------------------------- random graphs

# Ops that are smooth everywhere and keep values moderate, so that any
# composition of them stays away from kinks, domain edges and overflow.
UNARY = {
    "neg": lambda x: -x,
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "softplus": mg.softplus,
    "gaussian": lambda x: (-(x * x)).exp(),
    "log1p_square": lambda x: (x * x + 1).log(),
    "hypot1": lambda x: (x * x + 1).sqrt(),
    "affine": lambda x: x * 0.5 + 1.0,
    "mean_last": lambda x: x.mean(axis=-1, keepdims=True) if x.ndim else x,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "pow": lambda a, b: (a * a + 0.5) ** b.tanh(),
}


@st.composite
def random_graph(draw):
    """1-3 broadcastable inputs and a program of 2-5 ops over them."""
    n_inputs = draw(st.integers(1, 3))
    shapes = draw(mutually_broadcastable_shapes(num_shapes=n_inputs, **SHAPES))
    inputs = [draw(values(shape, -1.5, 1.5)) for shape in shapes.input_shapes]
    program = []
    for step in range(draw(st.integers(2, 5))):
        available = n_inputs + step  # every input and every earlier result
        if draw(st.booleans()):
            name = draw(st.sampled_from(sorted(UNARY)))
            program.append((UNARY[name], (draw(st.integers(0, available - 1)),)))
        else:
            name = draw(st.sampled_from(sorted(BINARY)))
            args = (draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1)))
            program.append((BINARY[name], args))
    return inputs, program


def run(program, inputs):
    nodes = list(inputs)
    for fn, args in program:
        nodes.append(fn(*[nodes[i] for i in args]))
    return nodes[-1].sum()


@given(random_graph())
def test_random_expression_graphs_match_numerical_grad(graph):
    arrays_, program = graph
    tensors = [mg.tensor(a, requires_grad=True) for a in arrays_]
    assert_close_to_finite_differences(lambda *xs: run(program, xs), tensors)
