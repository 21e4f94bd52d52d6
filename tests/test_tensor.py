"""The Tensor itself: construction, dtypes, factories, attributes, operators, methods.

Gradients appear here only where a Tensor feature decides them (indexing,
dtype casts, Python numbers); the backward walk is tested in test_autograd.py
and every op's derivative in test_ops.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

# ------------------------------------------------------------ construction


def test_default_dtype_is_float64():
    assert mg.get_default_dtype() is np.float64


@pytest.mark.parametrize(
    "data",
    [3, 2.5, True, [1, 2, 3], [[1.0, 2.0]], np.arange(3), np.array([True, False])],
    ids=["int", "float", "bool", "int-list", "float-list", "int-array", "bool-array"],
)
def test_numbers_lists_ints_and_bools_become_the_default_float(data):
    t = mg.Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


def test_float32_arrays_stay_float32():
    assert mg.Tensor(np.ones(3, np.float32)).dtype == np.float32
    assert mg.Tensor(np.float32(1.5)).dtype == np.float32


def test_a_float_array_is_wrapped_without_a_copy():
    a = np.arange(3.0)
    assert np.shares_memory(mg.Tensor(a).data, a)


def test_an_explicit_dtype_converts_the_data():
    t = mg.Tensor([1, 2], dtype=np.float32)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


def test_tensor_is_an_alias_of_the_constructor():
    t = mg.tensor([1, 2], requires_grad=True, name="w")
    assert isinstance(t, mg.Tensor)
    assert t.requires_grad and t.name == "w" and t.dtype == np.float64


def test_after_set_default_dtype_float32_lists_and_numbers_become_float32(float32_default):
    assert mg.get_default_dtype() is np.float32
    assert mg.Tensor([1, 2, 3]).dtype == np.float32
    assert mg.Tensor(2.5).dtype == np.float32
    assert mg.zeros(2).dtype == np.float32


def test_after_set_default_dtype_float32_float64_arrays_stay_float64(float32_default):
    assert mg.Tensor(np.ones(2)).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.int32, np.int64, bool, np.complex128])
def test_a_non_float_dtype_is_refused(dtype):
    with pytest.raises(TypeError, match="floating-point"):
        mg.Tensor([1, 2], dtype=dtype)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "complex128"])
def test_set_default_dtype_accepts_only_float32_and_float64(dtype):
    with pytest.raises(ValueError, match="float32 or np.float64"):
        mg.set_default_dtype(dtype)
    assert mg.get_default_dtype() is np.float64


@pytest.mark.parametrize("factory", [mg.zeros, mg.ones, mg.randn, mg.arange])
def test_factories_refuse_a_non_float_dtype(factory):
    with pytest.raises(TypeError, match="floating-point"):
        factory(3, dtype=np.int64)


# --------------------------------------------------------------- factories


@pytest.mark.parametrize("factory, value", [(mg.zeros, 0.0), (mg.ones, 1.0)])
def test_zeros_and_ones_take_the_shape_as_ints_or_one_tuple(factory, value):
    a, b = factory(2, 3), factory((2, 3))
    assert a.shape == b.shape == (2, 3)
    assert a.dtype == np.float64
    assert np.all(a.data == value) and np.all(b.data == value)


def test_factories_without_a_shape_give_a_scalar():
    assert mg.zeros().shape == ()
    assert mg.ones().item() == 1.0


def test_factories_pass_requires_grad_name_and_dtype():
    t = mg.ones(2, dtype=np.float32, requires_grad=True, name="b")
    assert t.dtype == np.float32 and t.requires_grad and t.name == "b" and t.is_leaf


def test_randn_draws_from_the_given_generator():
    t = mg.randn(2, 3, rng=np.random.default_rng(7))
    expected = np.random.default_rng(7).standard_normal((2, 3))
    np.testing.assert_array_equal(t.data, expected)
    assert mg.randn((2, 3), rng=np.random.default_rng(7)).shape == (2, 3)


def test_randn_is_repeatable_after_manual_seed():
    mg.manual_seed(123)
    first = mg.randn(4).data
    mg.manual_seed(123)
    second = mg.randn(4).data
    third = mg.randn(4).data
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(second, third)


def test_randn_keeps_the_requested_float_dtype():
    assert mg.randn(3, rng=np.random.default_rng(0), dtype=np.float32).dtype == np.float32


def test_arange_gives_floats_like_numpy_arange():
    np.testing.assert_array_equal(mg.arange(4).data, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(mg.arange(1, 3, 0.5).data, [1.0, 1.5, 2.0, 2.5])
    assert mg.arange(3).dtype == np.float64


# -------------------------------------------------------------- attributes


def test_shape_ndim_and_dtype_describe_the_data():
    t = mg.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4)
    assert t.ndim == 3
    assert t.dtype == np.dtype(np.float64)


def test_size_is_the_element_count_as_a_python_int():
    t = mg.zeros(2, 3)
    assert t.size == 6
    assert type(t.size) is int


def test_a_leaf_has_no_op_and_no_parents():
    t = mg.tensor([1.0], requires_grad=True)
    assert t.is_leaf
    assert t.op is None
    assert t.parents == ()


def test_an_op_result_records_its_op_name_and_parents():
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([2.0])
    c = a * b
    assert not c.is_leaf
    assert c.op == "mul"
    assert len(c.parents) == 2
    assert c.parents[0] is a and c.parents[1] is b


def test_name_is_a_settable_label():
    t = mg.tensor([1.0], name="x")
    assert t.name == "x"
    t.name = "y"
    assert t.name == "y"
    assert mg.tensor([1.0]).name is None


def test_data_is_the_numpy_array_and_grad_starts_as_none():
    t = mg.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(t.data, np.ndarray)
    assert t.grad is None


def test_zero_grad_sets_grad_to_none():
    t = mg.tensor([1.0, 2.0], requires_grad=True)
    (t * t).sum().backward()
    assert t.grad is not None
    t.zero_grad()
    assert t.grad is None


# -------------------------------------------------------------------- repr


def test_repr_shows_the_values_and_hides_the_default_dtype():
    assert repr(mg.tensor([1.0, 2.5])) == "tensor([1. , 2.5])"


def test_repr_shows_a_dtype_that_is_not_the_default():
    assert "dtype=float32" in repr(mg.tensor(np.ones(2, np.float32)))


def test_repr_hides_float32_when_it_is_the_default(float32_default):
    assert "dtype" not in repr(mg.tensor([1.0]))
    assert "dtype=float64" in repr(mg.tensor(np.ones(1)))


def test_repr_shows_op_name_and_requires_grad_when_set():
    x = mg.tensor([1.0], requires_grad=True, name="x")
    assert repr(x) == "tensor([1.], name='x', requires_grad=True)"
    assert repr(x * 2) == "tensor([2.], op='mul', requires_grad=True)"


def test_repr_summarises_a_large_tensor():
    text = repr(mg.arange(1000))
    assert "..." in text
    assert "999." in text  # the last values are shown, the middle ones are not
    assert "500." not in text
    assert len(text) < 200


# --------------------------------------------------- identity and comparison


def test_tensors_hash_by_identity_as_dict_keys():
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0])
    d = {a: "a", b: "b"}
    assert len(d) == 2
    assert d[a] == "a" and d[b] == "b"


def test_tensors_hash_by_identity_as_set_members():
    a, b = mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0])
    s = {a, b, a}
    assert len(s) == 2
    assert a in s and mg.tensor([1.0, 2.0]) not in s


def test_equality_compares_values_elementwise():
    eq = mg.tensor([1.0, 2.0]) == mg.tensor([1.0, 3.0])
    assert isinstance(eq, np.ndarray)
    np.testing.assert_array_equal(eq, [True, False])


@pytest.mark.parametrize(
    "compare, expected",
    [
        (lambda t: t < 2, [True, False, False]),
        (lambda t: t <= 2, [True, True, False]),
        (lambda t: t > 2, [False, False, True]),
        (lambda t: t >= 2, [False, True, True]),
        (lambda t: t != 2, [True, False, True]),
        (lambda t: t < mg.tensor([2.0, 2.0, 4.0]), [True, False, True]),
        (lambda t: np.full(3, 2.0) < t, [False, False, True]),
    ],
    ids=["lt", "le", "gt", "ge", "ne", "tensor", "array-on-the-left"],
)
def test_comparisons_return_plain_boolean_arrays(compare, expected):
    result = compare(mg.tensor([1.0, 2.0, 3.0], requires_grad=True))
    assert type(result) is np.ndarray
    assert result.dtype == bool
    np.testing.assert_array_equal(result, expected)


# ------------------------------------------------------ conversion methods


def test_detach_shares_the_data_in_a_new_leaf():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert d.is_leaf and not d.requires_grad and d.op is None
    np.testing.assert_array_equal(d.data, [2.0, 4.0])
    assert x.detach().data is x.data


def test_numpy_returns_the_data_array():
    t = mg.tensor([1.0, 2.0])
    assert t.numpy() is t.data


def test_item_returns_a_python_float():
    value = mg.tensor([[2.5]]).item()
    assert type(value) is float and value == 2.5
    assert float(mg.tensor(3.0)) == 3.0


def test_item_of_more_than_one_element_raises_and_names_the_shape():
    with pytest.raises(ValueError, match=r"one element.*\(2, 2\)"):
        mg.zeros(2, 2).item()


def test_np_asarray_gives_the_data():
    t = mg.tensor([1.0, 2.0])
    a = np.asarray(t)
    assert isinstance(a, np.ndarray)
    np.testing.assert_array_equal(a, [1.0, 2.0])
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


def test_astype_float32_to_float64_returns_the_gradient_as_float32():
    x = mg.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.op == "astype"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [2.0, 4.0])


def test_astype_to_an_integer_dtype_raises():
    with pytest.raises(TypeError, match="floats"):
        mg.tensor([1.0]).astype(np.int32)


# --------------------------------------------------------------- operators


@pytest.mark.parametrize(
    "combine, value, grad",
    [
        (lambda a, t: a + t, [3.0, 4.0], [1.0, 1.0]),
        (lambda a, t: a - t, [1.0, 0.0], [-1.0, -1.0]),
        (lambda a, t: a * t, [2.0, 4.0], [2.0, 2.0]),
        (lambda a, t: a / t, [2.0, 1.0], [-2.0, -0.5]),
        (lambda a, t: a**t, [2.0, 4.0], [2 * np.log(2), 4 * np.log(2)]),
    ],
    ids=["add", "sub", "mul", "div", "pow"],
)
def test_a_numpy_array_on_the_left_gives_a_tensor(combine, value, grad):
    t = mg.tensor([1.0, 2.0], requires_grad=True)
    out = combine(np.full(2, 2.0), t)
    assert isinstance(out, mg.Tensor)
    np.testing.assert_allclose(out.data, value)
    out.sum().backward()
    np.testing.assert_allclose(t.grad, grad)


def test_a_numpy_matrix_on_the_left_of_matmul_gives_a_tensor():
    t = mg.tensor([1.0, 2.0], requires_grad=True)
    out = np.array([[1.0, 0.0], [3.0, 4.0]]) @ t
    assert isinstance(out, mg.Tensor)
    np.testing.assert_array_equal(out.data, [1.0, 11.0])
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [4.0, 4.0])


@pytest.mark.parametrize(
    "combine, value, grad",
    [
        (lambda t: 3 + t, 5.0, 1.0),
        (lambda t: 3 - t, 1.0, -1.0),
        (lambda t: 3 * t, 6.0, 3.0),
        (lambda t: 3 / t, 1.5, -0.75),
        (lambda t: 3**t, 9.0, 9 * np.log(3)),
        (lambda t: -t, -2.0, -1.0),
    ],
    ids=["radd", "rsub", "rmul", "rtruediv", "rpow", "neg"],
)
def test_reflected_operators_with_python_numbers(combine, value, grad):
    t = mg.tensor(2.0, requires_grad=True)
    out = combine(t)
    assert isinstance(out, mg.Tensor)
    assert out.item() == pytest.approx(value)
    out.backward()
    assert t.grad == pytest.approx(grad)


@pytest.mark.parametrize(
    "combine",
    [
        lambda t: t * 2.5,
        lambda t: 2.5 * t,
        lambda t: t + 1,
        lambda t: 1.5 - t,
        lambda t: t / 3.0,
        lambda t: 2.0 / t,
        lambda t: t**2,
        lambda t: 2.0**t,
        lambda t: mg.maximum(t, 0.5),
        lambda t: mg.where(t.data > 1, t, 0.0),
    ],
    ids=["mul", "rmul", "add-int", "rsub", "div", "rdiv", "pow", "rpow", "maximum", "where"],
)
def test_python_numbers_never_upcast_float32(combine):
    t = mg.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    out = combine(t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32


# ----------------------------------------------------------------- methods


def test_var_is_the_population_variance():
    t = mg.tensor([1.0, 2.0, 3.0, 4.0])
    assert t.var().item() == pytest.approx(1.25)
    np.testing.assert_allclose(mg.tensor([[1.0, 3.0], [2.0, 2.0]]).var(axis=1).data, [1.0, 0.0])


def test_max_and_min_reduce_over_all_axes_or_one():
    t = mg.tensor([[1.0, 5.0], [7.0, -2.0]])
    assert t.max().item() == 7.0
    assert t.min().item() == -2.0
    np.testing.assert_array_equal(t.max(axis=0).data, [7.0, 5.0])
    np.testing.assert_array_equal(t.min(axis=1, keepdims=True).data, [[1.0], [-2.0]])


def test_reductions_take_a_tuple_of_axes():
    t = mg.ones(2, 3, 4)
    assert t.sum(axis=(0, 2)).shape == (3,)
    np.testing.assert_array_equal(t.sum(axis=(0, 2)).data, [8.0, 8.0, 8.0])


def test_reshape_takes_sizes_or_one_tuple():
    t = mg.arange(6)
    assert t.reshape(2, 3).shape == (2, 3)
    assert t.reshape((3, 2)).shape == (3, 2)
    assert t.reshape(-1, 2).shape == (3, 2)


def test_flatten_gives_one_axis_in_row_major_order():
    t = mg.arange(6).reshape(2, 3)
    flat = t.flatten()
    assert flat.shape == (6,)
    np.testing.assert_array_equal(flat.data, np.arange(6.0))


def test_squeeze_without_axis_drops_every_axis_of_size_one():
    assert mg.zeros(1, 3, 1).squeeze().shape == (3,)


def test_squeeze_with_an_axis_drops_only_that_axis():
    t = mg.zeros(1, 3, 1)
    assert t.squeeze(0).shape == (3, 1)
    assert t.squeeze(-1).shape == (1, 3)
    assert t.squeeze((0, 2)).shape == (3,)


def test_transpose_without_arguments_reverses_the_axes():
    t = mg.arange(24).reshape(2, 3, 4)
    assert t.transpose().shape == (4, 3, 2)
    np.testing.assert_array_equal(t.transpose().data, t.data.transpose())


def test_transpose_with_a_permutation_follows_numpy():
    t = mg.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(t.transpose(1, 2, 0).data, t.data.transpose(1, 2, 0))
    np.testing.assert_array_equal(t.transpose((2, 0, 1)).data, t.data.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.transpose(-1, 0, 1).data, t.data.transpose(2, 0, 1))


def test_dot_T_is_the_reversed_transpose():
    t = mg.arange(6).reshape(2, 3)
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.data, t.data.T)


def test_argmax_and_argmin_return_numpy_indices_not_tensors():
    t = mg.tensor([[1.0, 5.0, 0.0], [7.0, -2.0, 3.0]])
    by_row = t.argmax(axis=1)
    assert type(by_row) is np.ndarray
    np.testing.assert_array_equal(by_row, [1, 0])
    np.testing.assert_array_equal(t.argmin(axis=0), [0, 1, 0])
    assert not isinstance(t.argmax(), mg.Tensor)
    assert int(t.argmax()) == 3 and int(t.argmin()) == 4


# ---------------------------------------------------------------- indexing


def test_boolean_mask_indexing_selects_and_routes_the_gradient():
    x = mg.tensor([1.0, -2.0, 3.0, -4.0], requires_grad=True)
    picked = x[x > 0]
    np.testing.assert_array_equal(picked.data, [1.0, 3.0])
    (picked * mg.tensor([10.0, 20.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [10.0, 0.0, 20.0, 0.0])


def test_integer_array_indexing_accumulates_gradients_of_repeated_indices():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    picked = x[np.array([0, 2, 0, 0])]
    np.testing.assert_array_equal(picked.data, [1.0, 3.0, 1.0, 1.0])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_a_list_index_means_integer_indices():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x[[1, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0], [2.0, 2.0]])


def test_slices_ints_and_none_index_like_numpy():
    x = mg.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(x[1:, ::2].data, x.data[1:, ::2])
    np.testing.assert_array_equal(x[None, :, 2].data, x.data[None, :, 2])
    assert x[1, 2].item() == 6.0


# --------------------------------------------------- mg.NAME(t) function aliases

ALIASES = [
    ("sum", (), {"axis": 1}),
    ("mean", (), {"axis": 0, "keepdims": True}),
    ("var", (), {}),
    ("max", (), {"axis": 1}),
    ("min", (), {}),
    ("reshape", (3, 2), {}),
    ("flatten", (), {}),
    ("squeeze", (), {}),
    ("transpose", (), {}),
    ("exp", (), {}),
    ("log", (), {}),
    ("sqrt", (), {}),
    ("abs", (), {}),
    ("clip", (0.5, 2.0), {}),
    ("relu", (), {}),
    ("sigmoid", (), {}),
    ("tanh", (), {}),
    ("leaky_relu", (), {"slope": 0.2}),
    ("argmax", (), {"axis": 1}),
    ("argmin", (), {}),
]


@pytest.mark.parametrize("name, args, kwargs", ALIASES, ids=[a[0] for a in ALIASES])
def test_function_alias_equals_the_method(name, args, kwargs):
    t = mg.tensor([[0.5, 1.5, 3.0], [2.0, 0.25, 1.0]], requires_grad=True)
    by_function = getattr(mg, name)(t, *args, **kwargs)
    by_method = getattr(t, name)(*args, **kwargs)
    if isinstance(by_method, mg.Tensor):
        assert by_function.op == by_method.op
        by_function = by_function.data
        by_method = by_method.data
    np.testing.assert_array_equal(by_function, by_method)
