"""Modules and layers: parameter discovery, state, initialisation, MLPs, activation modules."""

from __future__ import annotations

import gc
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.module import current_module_path, module_calls


def _param(*shape, value=0.0):
    return mg.Tensor(np.full(shape, value), requires_grad=True)


class Affine(nn.Module):
    def __init__(self, n):
        self.scale = _param(n, value=1.0)
        self.shift = _param(n)

    def forward(self, x):
        return x * self.scale + self.shift


# ------------------------------------------------------------ parameter discovery


def test_parameters_are_named_in_assignment_order_through_nested_modules():
    class Block(nn.Module):
        def __init__(self):
            self.first = nn.Linear(2, 3)
            self.gain = _param(3)
            self.second = Affine(3)

    names = [name for name, _ in Block().named_parameters()]
    assert names == ["first.weight", "first.bias", "gain", "second.scale", "second.shift"]


def test_lists_tuples_and_dicts_of_modules_and_tensors_get_dotted_names():
    class Holder(nn.Module):
        def __init__(self):
            self.blocks = [Affine(2), Affine(2)]
            self.pair = (_param(1), Affine(1))
            self.heads = {"left": Affine(3), "right": [_param(2)]}

    names = [name for name, _ in Holder().named_parameters()]
    assert names == [
        "blocks.0.scale",
        "blocks.0.shift",
        "blocks.1.scale",
        "blocks.1.shift",
        "pair.0",
        "pair.1.scale",
        "pair.1.shift",
        "heads.left.scale",
        "heads.left.shift",
        "heads.right.0",
    ]


def test_a_shared_tensor_or_module_is_listed_once_under_its_first_name():
    shared = Affine(2)

    class Tied(nn.Module):
        def __init__(self):
            self.a = shared
            self.b = shared
            self.w = _param(2)
            self.w_again = self.w

    model = Tied()
    assert [name for name, _ in model.named_parameters()] == ["a.scale", "a.shift", "w"]
    assert [name for name, _ in model.named_modules()] == ["", "a"]


def test_tensors_without_grad_and_cached_op_results_are_not_parameters():
    class Cached(nn.Module):
        def __init__(self):
            self.w = _param(2)
            self.constant = mg.Tensor([1.0, 2.0])
            self.last_output = self.w * 2  # requires grad, but is not a leaf
            self.count = 3

    assert [name for name, _ in Cached().named_parameters()] == ["w"]


def test_parameters_returns_the_tensors_of_named_parameters_as_a_list():
    model = nn.MLP([2, 4, 1])
    params = model.parameters()
    assert isinstance(params, list)
    assert [id(p) for p in params] == [id(p) for _, p in model.named_parameters()]


def test_named_modules_starts_with_the_root_then_dotted_names_depth_first():
    model = nn.MLP([2, 3, 3, 1], activation="maxout")
    assert [name for name, _ in model.named_modules()] == [
        "",
        "layers",
        "layers.0",
        "layers.0.linear",
        "layers.1",
        "layers.1.linear",
        "layers.2",
    ]
    assert model.named_modules()[0][1] is model


def test_zero_grad_sets_every_gradient_to_none():
    model = nn.MLP([2, 3, 1])
    model(mg.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_set_the_flag_on_every_submodule():
    model = nn.MLP([2, 3, 1])
    assert model.training
    model.eval()
    assert not any(m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())


def test_calling_a_module_without_forward_says_what_to_define():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty.forward"):
        Empty()(1.0)


# -------------------------------------------------------------------- state


def test_state_dict_holds_copies_by_name_and_loads_back():
    model = nn.MLP([2, 3, 1], rng=np.random.default_rng(0))
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    state["layers.0.weight"][...] = 0  # a copy: the model is untouched
    assert np.any(model.layers[0].weight.data != 0)

    other = nn.MLP([2, 3, 1], rng=np.random.default_rng(1))
    other.load_state_dict(model.state_dict())
    for (name, p), (_, q) in zip(model.named_parameters(), other.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_load_state_dict_keeps_each_parameters_array_and_dtype():
    model = nn.Linear(2, 2)
    weight_array = model.weight.data
    model.load_state_dict({"weight": np.ones((2, 2), np.float32), "bias": [1, 2]})
    assert model.weight.data is weight_array
    assert model.weight.dtype == np.float64
    np.testing.assert_array_equal(model.bias.data, [1.0, 2.0])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s.pop("layers.2.bias"), "missing keys: layers.2.bias"),
        (lambda s: s.update(extra=np.zeros(1)), "unexpected keys: extra"),
        (
            lambda s: s.update({"layers.0.weight": np.zeros((2, 3))}),
            r"layers.0.weight: expected shape \(3, 2\), got \(2, 3\)",
        ),
    ],
    ids=["missing", "unexpected", "shape"],
)
def test_load_state_dict_errors_name_the_problem_and_change_nothing(change, message):
    model = nn.MLP([2, 3, 1])
    before = model.state_dict()
    state = {name: value + 1 for name, value in before.items()}
    change(state)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


# --------------------------------------------------------------------- repr


def test_repr_is_nested_and_shows_sizes():
    assert repr(nn.MLP([2, 3, 1])) == (
        "MLP(\n"
        "  (layers): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (1): ReLU()\n"
        "    (2): Linear(in_features=3, out_features=1, bias=True)\n"
        "  )\n"
        ")"
    )


def test_repr_of_activation_modules_shows_their_parameters():
    assert repr(nn.LeakyReLU(0.1)) == "LeakyReLU(slope=0.1)"
    assert repr(nn.Activation("elu", alpha=0.5)) == "Activation('elu', alpha=0.5)"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"


def test_repr_of_a_users_module_lists_its_own_parameters_shapes():
    assert repr(Affine(3)) == "Affine(scale: (3,), shift: (3,))"


# ------------------------------------------------------------------- Linear


def test_linear_weight_and_bias_have_pytorchs_shapes():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4)
    assert layer.bias.shape == (3,)
    np.testing.assert_array_equal(layer.bias.data, 0)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_linear_without_bias_has_only_a_weight():
    layer = nn.Linear(4, 3, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((2, 4))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T)


def test_linear_treats_every_leading_axis_as_a_batch_axis():
    layer = nn.Linear(4, 3)
    layer.bias.data[...] = [1.0, 2.0, 3.0]
    x = mg.randn(2, 5, 4)
    y = layer(x)
    assert y.shape == (2, 5, 3)
    np.testing.assert_allclose(y.data, x.data @ layer.weight.data.T + layer.bias.data)
    y.sum().backward()
    assert layer.weight.grad.shape == (3, 4)
    np.testing.assert_allclose(layer.bias.grad, [10.0, 10.0, 10.0])


def test_linear_gradients_pass_gradcheck():
    layer = nn.Linear(3, 2)
    x = mg.randn(4, 3, requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: x @ w.T + b, [x, layer.weight, layer.bias])
    assert mg.gradcheck(lambda x: layer(x), [x])


def test_linear_gradients_pass_gradcheck_for_one_example_and_for_batches():
    layer = nn.Linear(3, 2)
    layer.bias.data[...] = [0.5, -0.5]
    for shape in [(3,), (4, 3), (2, 4, 3)]:
        x = mg.randn(*shape, requires_grad=True)
        assert mg.gradcheck(lambda x, w, b: layer(x), [x, layer.weight, layer.bias]), shape


def test_linear_reads_its_weight_as_stored_with_no_transpose_node():
    layer = nn.Linear(3, 2)
    y = layer(mg.randn(4, 3))
    product, bias = y.parents
    assert product.op == "matmul" and product.parents[1] is layer.weight
    assert bias is layer.bias


def test_linear_weight_grad_is_an_array_of_its_own_in_the_weights_layout():
    layer = nn.Linear(3, 2)
    y = layer(mg.randn(4, 3, requires_grad=True))
    y.sum().backward()
    grad = layer.weight.grad
    assert grad.base is None and grad.flags.c_contiguous
    assert not any(np.shares_memory(grad, t.grad) for t in (y, y.parents[0]))


def test_matmul_with_transpose_b_multiplies_by_the_transpose():
    from minigrad import ops
    from minigrad.tensor import apply

    a, b = mg.randn(4, 3, requires_grad=True), mg.randn(2, 3, requires_grad=True)
    y = apply(ops.matmul, a, b, transpose_b=True)
    np.testing.assert_allclose(y.data, a.data @ b.data.T)
    assert mg.gradcheck(lambda a, b: apply(ops.matmul, a, b, transpose_b=True), [a, b])


def test_linear_rejects_a_wrong_input_size_naming_both_sizes():
    with pytest.raises(ValueError, match=r"Linear.*size 4.*\(2, 3\).*size 3"):
        nn.Linear(4, 2)(mg.randn(2, 3))


@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_linear_rejects_sizes_that_are_not_positive_integers(bad, error):
    with pytest.raises(error, match="Linear: in_features must be a positive integer"):
        nn.Linear(bad, 2)


def test_linear_uses_the_default_dtype_and_casts_array_inputs_to_it(float32_default):
    layer = nn.Linear(2, 3)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer(np.ones((4, 2))).dtype == np.float32


# ------------------------------------------------------------ initialisation

FAN_IN, FAN_OUT = 500, 400


@pytest.mark.parametrize(
    "init, std",
    [
        ("he", math.sqrt(2 / FAN_IN)),
        ("lecun", math.sqrt(1 / FAN_IN)),
        ("xavier", math.sqrt(2 / (FAN_IN + FAN_OUT))),  # U[-b, b] has variance b^2 / 3
        ("standard", math.sqrt(1 / (3 * FAN_IN))),
    ],
)
def test_each_named_init_has_its_documented_spread(init, std):
    w = nn.Linear(FAN_IN, FAN_OUT, init=init, rng=np.random.default_rng(0)).weight.data
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)  # five standard errors
    assert w.std() == pytest.approx(std, rel=0.02)


@pytest.mark.parametrize(
    "init, bound",
    [("xavier", math.sqrt(6 / (FAN_IN + FAN_OUT))), ("standard", 1 / math.sqrt(FAN_IN))],
)
def test_uniform_inits_fill_their_bounds(init, bound):
    w = nn.Linear(FAN_IN, FAN_OUT, init=init, rng=np.random.default_rng(0)).weight.data
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound


def test_fans_follow_pytorch_for_convolution_shaped_weights():
    assert nn.init.fans((8, 3)) == (3, 8)
    assert nn.init.fans((16, 3, 5, 5)) == (3 * 25, 16 * 25)


def test_a_callable_init_gets_the_weight_shape_and_the_generator():
    seen = {}

    def constant(shape, rng):
        seen["shape"], seen["rng"] = shape, rng
        return np.full(shape, 0.5)

    rng = np.random.default_rng(0)
    layer = nn.Linear(3, 2, init=constant, rng=rng)
    assert seen == {"shape": (2, 3), "rng": rng}
    np.testing.assert_array_equal(layer.weight.data, 0.5)


def test_a_callable_init_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"returned an array of shape \(3, 2\).*\(2, 3\)"):
        nn.Linear(3, 2, init=lambda shape, rng: np.zeros((3, 2)))


def test_an_unknown_init_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown init 'glorot'.*he, xavier, lecun, standard"):
        nn.Linear(2, 2, init="glorot")


def test_the_same_generator_seed_gives_the_same_weights():
    a = nn.MLP([3, 5, 2], rng=np.random.default_rng(7))
    b = nn.MLP([3, 5, 2], rng=np.random.default_rng(7))
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_manual_seed_makes_default_initialisation_repeatable():
    mg.manual_seed(3)
    a = nn.MLP([3, 5, 2], activation="maxout")
    mg.manual_seed(3)
    b = nn.MLP([3, 5, 2], activation="maxout")
    c = nn.MLP([3, 5, 2], activation="maxout")
    for (name, p), q, r in zip(a.named_parameters(), b.parameters(), c.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
        if name.endswith("weight"):  # a later draw from the same generator differs
            assert not np.array_equal(p.data, r.data), name


# --------------------------------------------------------------- Sequential


def test_sequential_applies_its_modules_in_order_and_names_them_by_index():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    x = mg.randn(4, 2)
    expected = seq[2](seq[1](seq[0](x)))
    np.testing.assert_allclose(seq(x).data, expected.data)
    assert [name for name, _ in seq.named_parameters()] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]


def test_sequential_supports_len_iteration_and_slices():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3
    assert list(seq) == layers
    assert seq[-1] is layers[2]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]


def test_sequential_refuses_a_list_and_says_to_unpack_it():
    with pytest.raises(TypeError, match=r"argument 0 is a list.*Sequential\(\*layers\)"):
        nn.Sequential([nn.ReLU()])


# ---------------------------------------------------------------------- MLP


def test_mlp_puts_the_activation_between_layers_and_none_after_the_last():
    model = nn.MLP([2, 8, 8, 3], activation="tanh")
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    assert model(mg.randn(5, 2)).shape == (5, 3)
    assert [name for name, _ in model.named_parameters()][:2] == [
        "layers.0.weight",
        "layers.0.bias",
    ]


def test_mlp_with_maxout_uses_a_maxout_layer_for_each_hidden_layer():
    model = nn.MLP([2, 4, 3, 1], activation="maxout")
    kinds = [type(layer) for layer in model.layers]
    assert kinds == [nn.Maxout, nn.Maxout, nn.Linear]
    assert model.layers[0].linear.weight.shape == (8, 2)
    assert model.layers[1].linear.weight.shape == (6, 4)
    assert model(mg.randn(5, 2)).shape == (5, 1)


@pytest.mark.parametrize("name", mg.activations.names())
def test_mlp_builds_and_trains_with_every_registered_activation(name):
    model = nn.MLP([3, 4, 2], activation=name, rng=np.random.default_rng(0))
    hidden = [m for _, m in model.named_modules() if isinstance(m, nn.Activation)]
    assert len(hidden) == 1 and hidden[0].name == name
    model(mg.randn(6, 3)).sum().backward()
    for p_name, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, p_name


def test_mlp_with_an_unknown_activation_raises_the_registrys_key_error():
    with pytest.raises(KeyError, match="unknown activation 'rleu'.*relu"):
        nn.MLP([2, 3, 1], activation="rleu")


def test_mlp_needs_at_least_an_input_and_an_output_size():
    with pytest.raises(ValueError, match="MLP: sizes needs an input and an output"):
        nn.MLP([2])


# -------------------------------------------------------- activation modules


@pytest.mark.parametrize(
    "module, fn",
    [
        (nn.ReLU(), mg.relu),
        (nn.Sigmoid(), mg.sigmoid),
        (nn.Tanh(), mg.tanh),
        (nn.LeakyReLU(0.2), lambda x: mg.leaky_relu(x, 0.2)),
        (nn.Activation("elu", alpha=0.5), lambda x: mg.elu(x, 0.5)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "",
)
def test_activation_modules_apply_their_registered_activation(module, fn):
    x = mg.randn(4, 3)
    np.testing.assert_array_equal(module(x).data, fn(x).data)


def test_every_activation_module_is_an_activation():
    modules = [
        nn.ReLU(),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.LeakyReLU(),
        nn.PReLU(),
        nn.Maxout(2, 3),
        nn.Activation("gelu"),
    ]
    assert all(isinstance(m, nn.Activation) for m in modules)
    assert [m.activation.name for m in modules[-3:]] == ["prelu", "maxout", "gelu"]


def test_activation_accepts_a_user_registered_activation():
    mg.activations.register("cube", lambda x: x**3, lambda x, y: 3 * x**2)
    try:
        module = nn.Activation("cube")
        x = mg.Tensor([1.0, -2.0], requires_grad=True)
        np.testing.assert_array_equal(module(x).data, [1.0, -8.0])
        assert mg.gradcheck(module, [x])
        assert nn.MLP([2, 3, 1], activation="cube").layers[1].name == "cube"
    finally:
        mg.activations.unregister("cube")


def test_activation_with_an_unknown_name_raises_the_registrys_key_error():
    with pytest.raises(KeyError, match="unknown activation 'swishy'"):
        nn.Activation("swishy")


def test_activation_prelu_points_to_the_prelu_module():
    with pytest.raises(ValueError, match=r"nn.PReLU\(\)"):
        nn.Activation("prelu")


def test_prelu_slope_is_a_parameter_that_gets_a_gradient():
    prelu = nn.PReLU()
    assert [name for name, _ in prelu.named_parameters()] == ["weight"]
    np.testing.assert_array_equal(prelu.weight.data, [0.25])
    x = mg.Tensor([[-2.0, 1.0], [-1.0, 3.0]])
    prelu(x).sum().backward()
    np.testing.assert_allclose(prelu.weight.grad, [-3.0])  # d/da sum(a x for x < 0)


def test_prelu_with_one_slope_per_channel_passes_gradcheck():
    prelu = nn.PReLU(num_parameters=3, init=0.1)
    x = mg.Tensor([[-1.0, 2.0, -0.5], [0.7, -1.5, -2.0]], requires_grad=True)
    assert mg.gradcheck(lambda x, a: mg.prelu(x, a), [x, prelu.weight])
    assert prelu(x).shape == (2, 3)


def test_maxout_keeps_the_max_of_each_group_of_its_linear_outputs():
    layer = nn.Maxout(3, 2, pieces=3)
    x = mg.randn(5, 3)
    z = layer.linear(x).data.reshape(5, 2, 3)
    np.testing.assert_array_equal(layer(x).data, z.max(axis=-1))
    assert [name for name, _ in layer.named_parameters()] == ["linear.weight", "linear.bias"]


# ------------------------------------------------------ the record of module calls


def test_current_module_path_lists_the_module_calls_in_progress():
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append(current_module_path())
            return x

    probe = Probe()
    outer = nn.Sequential(nn.Linear(2, 2), probe)
    outer(mg.randn(1, 2))
    assert seen == [(outer, probe)]
    assert current_module_path() == ()


def test_the_module_path_is_restored_when_forward_raises():
    with pytest.raises(ValueError):
        nn.Sequential(nn.Linear(3, 1))(mg.randn(1, 2))
    assert current_module_path() == ()


def test_module_calls_tell_which_calls_returned_a_tensor_innermost_first():
    model = nn.MLP([2, 3, 1])
    x = mg.randn(4, 2)
    out = model(x)
    calls = module_calls(out)
    assert [c.module for c in calls] == [model.layers[2], model.layers, model]
    assert calls[0].scope == (model, model.layers)
    assert calls[2].input_ids == (id(x),)

    hidden = out.parents[0].parents[0]  # out = matmul(hidden, W, transpose_b=True) + b
    (call,) = module_calls(hidden)
    assert call.module is model.layers[1]
    assert call.scope == (model, model.layers)
    assert calls[0].input_ids == (id(hidden),)


def test_no_module_call_is_recorded_without_a_graph():
    model = nn.MLP([2, 3, 1])
    with mg.no_grad():
        out = model(mg.randn(4, 2))
    assert module_calls(out) == ()
    assert module_calls(mg.randn(2)) == ()


def test_module_call_records_vanish_with_their_output():
    model = nn.MLP([2, 3, 1])
    gc.collect()
    before = len(module_calls)
    out = model(mg.randn(4, 2))
    assert len(module_calls) > before
    del out
    gc.collect()
    assert len(module_calls) == before


def test_a_stale_record_is_not_returned_for_a_new_tensor():
    model = nn.MLP([2, 3, 1])
    for _ in range(3000):  # enough outputs to reuse ids and to sweep the table
        out = model(mg.randn(4, 2))
        assert [c.module for c in module_calls(out)][-1] is model
        fresh = out * 1.0  # made outside any module
        assert module_calls(fresh) == ()
    del out, fresh
    gc.collect()
    assert len(module_calls) < 2000  # freed outputs' records are swept out


# --------------------------------------------------------- clip_grad_norm_


def test_clip_grad_norm_scales_all_gradients_together_and_returns_the_old_norm():
    a, b = _param(2), _param(1)
    a.grad = np.array([3.0, 0.0])
    b.grad = np.array([4.0])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert isinstance(total, float) and total == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad, [0.8], rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_and_missing_ones_alone():
    a, b = _param(2), _param(2)
    a.grad = np.array([0.3, 0.4])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad, [0.3, 0.4])
    assert b.grad is None


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)) * 5, rng.standard_normal(4)]
    ours = [_param(*g.shape) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads, strict=True):
        p.grad, q.grad = g.copy(), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, 2.0)
    assert total == pytest.approx(torch.nn.utils.clip_grad_norm_(theirs, 2.0).item())
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12)


def test_assign_gives_every_node_the_innermost_module_call_that_made_it():
    model = nn.MLP([2, 3, 1])
    x = mg.randn(4, 2)
    loss = model(x).sum()
    groups = module_calls.assign(loss, {id(m): name for name, m in model.named_modules()})

    out = loss.parents[0]  # out = (hidden @ W.T) + b
    product, bias = out.parents
    hidden = product.parents[0]
    layer0_out = hidden.parents[0]
    assert groups[id(out)] == groups[id(product)] == groups[id(bias)] == "layers.2"
    assert groups[id(hidden)] == "layers.1"
    assert groups[id(layer0_out)] == groups[id(model.layers[0].weight)] == "layers.0"
    assert id(loss) not in groups and id(x) not in groups  # made outside the model


def test_assign_gives_a_modules_own_operations_to_that_module():
    class Residual(nn.Module):
        def __init__(self):
            self.inner = nn.Linear(2, 2)

        def forward(self, x):
            return x + self.inner(x)

    model = Residual()
    x = mg.randn(3, 2)
    out = model(x)
    groups = module_calls.assign(
        out, {id(m): name or "Residual" for name, m in model.named_modules()}
    )
    assert groups[id(out)] == "Residual"
    assert groups[id(out.parents[1])] == "inner"
